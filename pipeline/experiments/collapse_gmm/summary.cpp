// The summary printed after a `collapse.gmm` run, read back from result.h5.
#include <fmt/format.h>

#include "core/h5.hpp"
#include "experiments/collapse_gmm/settings.hpp"
#include "experiments/collapse_gmm/stages.hpp"

namespace structura::pipeline::collapse_gmm {

std::string summary(const Config& c, const std::string& result_file) {
  h5::File f = h5::File::open(result_file, h5::Mode::ReadOnly);
  if (!f.exists("/metrics/gmm")) return "";
  const Settings s = read_settings(c);
  h5::Group m = f.open_group("/metrics/gmm");
  auto value = [&](const char* name) { return m.open_dataset(name).read_all<double>().at(0); };
  return fmt::format(
      "{}-component mixtures refitted to {} of their own samples for {} generations ({:.0f}% real rows kept):\n"
      "  L2 distance to generation 0: {:.3e} at the end (largest {:.3e})\n"
      "  spread (mean component std): {:.4f} -> {:.4f} (x {:.3f})\n"
      "  EM: {:.1f} iterations per generation, {:.0f} generation(s) not converged\n",
      s.em.components, s.samples, s.generations, 100 * s.keep_fraction, value("final_l2_distance"),
      value("max_l2_distance"), value("first_spread"), value("final_spread"), value("spread_ratio"),
      value("mean_em_iterations"), value("unconverged_generations"));
}

}  // namespace structura::pipeline::collapse_gmm
