// The summary printed after a `hamiltonian.ensemble` run, read back from result.h5.
#include <fmt/format.h>

#include "core/h5.hpp"
#include "experiments/hamiltonian_ensemble/settings.hpp"
#include "experiments/hamiltonian_ensemble/stages.hpp"

namespace structura::pipeline::hamiltonian_ensemble {

std::string summary(const Config& c, const std::string& result_file) {
  h5::File f = h5::File::open(result_file, h5::Mode::ReadOnly);
  if (!f.exists("/metrics")) return "";
  h5::Group all = f.open_group("/metrics");
  auto value = [&](const std::string& method, const std::string& name) -> std::string {
    const std::string path = method + "/" + name;
    if (!all.exists(path)) return "-";
    return fmt::format("{:.3e}", all.open_dataset(path).read_all<double>().at(0));
  };
  const Settings s = read_settings(c);
  std::string out = fmt::format("{} trajectories of {}, t_end = {}, dt = {}, reference: {}\n", s.trajectories,
                                s.system_name, s.t_end, s.dt, all.string_attribute("reference"));
  out += fmt::format("  {:<18} {:>14} {:>14} {:>14} {:>14} {:>16}\n", "method", "max |dH/H|", "drift slope",
                     "growth exp.", "final error", "traj-steps/s");
  for (const auto& method : s.methods)
    out +=
        fmt::format("  {:<18} {:>14} {:>14} {:>14} {:>14} {:>16}\n", method, value(method, "relative_energy_error_max"),
                    value(method, "energy_drift_slope"), value(method, "energy_error_growth_exponent"),
                    value(method, "final_error_max"), value(method, "throughput"));
  return out;
}

}  // namespace structura::pipeline::hamiltonian_ensemble
