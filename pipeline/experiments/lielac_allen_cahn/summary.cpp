// The lines `structura run` prints after a `lielac.allen_cahn` run: the
// relative L2 errors in and out of distribution of the model and LieLAC.
#include <fmt/format.h>

#include "core/h5.hpp"
#include "experiments/lielac_allen_cahn/settings.hpp"
#include "experiments/lielac_allen_cahn/stages.hpp"

namespace structura::pipeline::lielac_allen_cahn {

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
  const std::int64_t M = s.data.pde.model_points();
  std::string out = fmt::format(
      "Allen-Cahn (eps = {:g}) u0 -> u(T = {:g}) on {}^2: relative L2 error of the FNO "
      "({} OOD, {} test pairs)\n",
      s.data.pde.epsilon, s.data.pde.t_end, M, s.data.ood_count, s.data.test);
  out += fmt::format("  {:<12} {:>16} {:>18}\n", "method", "in distribution", "out of distribution");
  for (const std::string m : {"model", "lielac"})
    out += fmt::format("  {:<12} {:>16} {:>18}\n", m, value(m, "in_distribution_error"), value(m, "ood_error"));
  return out;
}

}  // namespace structura::pipeline::lielac_allen_cahn
