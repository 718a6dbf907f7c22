// The lines `structura run` prints after a `pullback` run: one row per
// method with its geodesic and variation errors, d_ε against the manifold's
// dimension, the RAE error at d_ε and the training time.
#include <fmt/format.h>

#include "core/h5.hpp"
#include "experiments/pullback/settings.hpp"
#include "experiments/pullback/stages.hpp"

namespace structura::pipeline::pullback {

std::string summary(const Config& c, const std::string& result_file) {
  h5::File f = h5::File::open(result_file, h5::Mode::ReadOnly);
  if (!f.exists("/metrics")) return "";
  const Settings s = read_settings(c);
  const h5::Group all = f.open_group("/metrics");
  auto value = [&](const std::string& m, const std::string& name, const char* format) -> std::string {
    const std::string path = m + "/" + name;
    if (!all.exists(path)) return "-";
    return fmt::format(fmt::runtime(format), all.open_dataset(path).read_all<double>().at(0));
  };
  std::string out = fmt::format("{}: {} samples in {} dimensions, manifold dimension {}\n",
                                datasets::manifold_name(s.data.manifold.kind), s.data.samples, s.data.ambient,
                                s.data.intrinsic);
  out += fmt::format("  {:<22} {:>10} {:>10} {:>6} {:>10} {:>9} {:>8}\n", "method", "geod.err", "var.err", "d_eps",
                     "RAE err", "test NLL", "train s");
  for (const auto& m : s.methods)
    out += fmt::format("  {:<22} {:>10} {:>10} {:>6} {:>10} {:>9} {:>8}\n", m, value(m, "geodesic_error", "{:.4f}"),
                       value(m, "variation_error", "{:.4f}"), value(m, "latent_dimension", "{:.0f}"),
                       value(m, "rae_error", "{:.3e}"), value(m, "test_nll", "{:.3f}"),
                       value(m, "training_time", "{:.1f}"));
  return out;
}

}  // namespace structura::pipeline::pullback
