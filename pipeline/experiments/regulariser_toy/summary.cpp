// The lines `structura run` prints after a `regulariser.toy` run: how close
// each critic comes to the distance function, and whether it is convex.
#include <fmt/format.h>

#include "core/h5.hpp"
#include "experiments/regulariser_toy/settings.hpp"
#include "experiments/regulariser_toy/stages.hpp"

namespace structura::pipeline::regulariser_toy {

std::string summary(const Config& c, const std::string& result_file) {
  h5::File f = h5::File::open(result_file, h5::Mode::ReadOnly);
  if (!f.exists("/metrics")) return "";
  const Settings s = read_settings(c);
  const h5::Group all = f.open_group("/metrics");
  auto value = [&](const std::string& r, const std::string& name, const char* format) -> std::string {
    const std::string path = r + "/" + name;
    if (!all.exists(path)) return "-";
    return fmt::format(fmt::runtime(format), all.open_dataset(path).read_all<double>().at(0));
  };
  std::string out = fmt::format("{} with noise {:g}: critics against the distance to the curve (grid [-{:g}, {:g}]^2)\n",
                                s.curve, s.noise, s.extent, s.extent);
  out += fmt::format("  {:<14} {:>10} {:>10} {:>8} {:>10} {:>9}\n", "regulariser", "dist.err", "band err", "corr.",
                     "needed rho", "train s");
  for (const auto& r : s.regularisers)
    out += fmt::format("  {:<14} {:>10} {:>10} {:>8} {:>10} {:>9}\n", r, value(r, "distance_error", "{:.3f}"),
                       value(r, "distance_error_band", "{:.3f}"), value(r, "correlation", "{:.3f}"),
                       value(r, "needed_modulus", "{:.3g}"), value(r, "training_time", "{:.1f}"));
  return out;
}

}  // namespace structura::pipeline::regulariser_toy
