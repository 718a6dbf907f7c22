// The lines `structura run` prints after a `lielac.pde` run: the relative L2
// errors in and out of distribution of every method.
#include <fmt/format.h>

#include "core/h5.hpp"
#include "experiments/lielac_pde/settings.hpp"
#include "experiments/lielac_pde/stages.hpp"

namespace structura::pipeline::lielac_pde {

std::string summary(const Config& c, const std::string& result_file) {
  h5::File f = h5::File::open(result_file, h5::Mode::ReadOnly);
  if (!f.exists("/metrics")) return "";
  const Settings s = read_settings(c);
  const h5::Group all = f.open_group("/metrics");
  auto value = [&](const std::string& m, const std::string& name) -> std::string {
    const std::string path = m + "/" + name;
    if (!all.exists(path)) return "-";
    return fmt::format("{:.4f}", all.open_dataset(path).read_all<double>().at(0));
  };
  std::string out = fmt::format("{} (nu = {:g}) u0 -> u(T = {:g}): relative L2 error of the FNO ({} OOD, {} test pairs)\n",
                                s.data.pde.equation, s.data.pde.nu, s.data.pde.t_end, s.data.ood, s.data.test);
  out += fmt::format("  {:<12} {:>16} {:>18}\n", "method", "in distribution", "out of distribution");
  std::vector<std::string> methods = {"model", "lielac"};
  for (const auto& v : s.variants)
    if (v != "plain") methods.push_back(v);
  for (const auto& m : methods)
    out += fmt::format("  {:<12} {:>16} {:>18}\n", m, value(m, "in_distribution_error"), value(m, "ood_error"));
  return out;
}

}  // namespace structura::pipeline::lielac_pde
