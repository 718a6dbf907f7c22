// The lines `structura run` prints after a `sympflow` run: errors at each
// evaluation time per method, and the cost figures.
#include <fmt/format.h>

#include "core/h5.hpp"
#include "experiments/sympflow/settings.hpp"
#include "experiments/sympflow/stages.hpp"

namespace structura::pipeline::sympflow {

std::string summary(const Config& c, const std::string& result_file) {
  h5::File f = h5::File::open(result_file, h5::Mode::ReadOnly);
  if (!f.exists("/metrics")) return "";
  const h5::Group all = f.open_group("/metrics");
  auto value = [&](const std::string& method, const std::string& name) -> std::string {
    const std::string path = method + "/" + name;
    if (!all.exists(path)) return "-";
    return fmt::format("{:.2e}", all.open_dataset(path).read_all<double>().at(0));
  };
  const Settings s = read_settings(c);
  const std::vector<double>& times = s.eval_times;
  const h5::Group ev = f.open_group("/evaluation");
  std::string out = fmt::format("{}: {} held-out trajectories, reference {}, {} step {:.3g} (equal cost: {})\n",
                                s.system_name, s.eval_trajectories, ev.string_attribute("reference"),
                                ev.string_attribute("classical_method"), ev.double_attribute("classical_step"),
                                s.verlet_dt == 0);
  out += fmt::format("  {:<20}", "method");
  for (double t : times)
    out += fmt::format(" {:>11} {:>11}", fmt::format("|dx| t={:g}", t), fmt::format("|dH| t={:g}", t));
  out += fmt::format(" {:>9} {:>10} {:>10}\n", "dH slope", "s/epoch", "infer s");
  for (const auto& method : all.children()) {
    out += fmt::format("  {:<20}", method);
    for (double t : times)
      out += fmt::format(" {:>11} {:>11}", value(method, fmt::format("state_error_t{:g}", t)),
                         value(method, fmt::format("energy_error_t{:g}", t)));
    out += fmt::format(" {:>9} {:>10} {:>10}\n", value(method, "energy_error_slope"),
                       value(method, "training_time_per_epoch"), value(method, "inference_time"));
  }
  return out;
}

}  // namespace structura::pipeline::sympflow
