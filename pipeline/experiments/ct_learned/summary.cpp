// The summary printed after a `ct.learned` run, read back from result.h5.
#include <fmt/format.h>

#include <vector>

#include "core/h5.hpp"
#include "experiments/ct_learned/settings.hpp"
#include "experiments/ct_learned/stages.hpp"

namespace structura::pipeline::ct_learned {

std::string summary(const Config& c, const std::string& result_file) {
  h5::File f = h5::File::open(result_file, h5::Mode::ReadOnly);
  if (!f.exists("/metrics")) return "";
  const Settings s = read_settings(c);
  const DataSettings& d = s.data;
  std::string out =
      fmt::format("{} test pairs ({} training) of {}^2, {} angles, {} detectors, noise {} {:g}\n", d.test, d.train,
                  d.image.nx, d.beam.angles.size(), d.beam.detectors, d.noise.kind, d.noise.level);
  out += fmt::format("  {:<8} {:>16} {:>17} {:>12} {:>12}\n", "method", "PSNR dB", "SSIM", "s / image", "training s");
  for (const std::string& m : s.methods) {
    const std::string g = "/metrics/" + m;
    if (!f.exists(g)) continue;
    auto value = [&](const char* name) { return f.open_dataset(g + "/" + name).read_all<double>().at(0); };
    const std::string training =
        f.exists(g + "/training_seconds") ? fmt::format("{:.1f}", value("training_seconds")) : "-";
    out += fmt::format("  {:<8} {:>8.2f} ± {:<5.2f} {:>8.4f} ± {:<6.4f} {:>12.4f} {:>12}\n", m, value("psnr_mean"),
                       value("psnr_std"), value("ssim_mean"), value("ssim_std"), value("seconds_per_image"), training);
  }
  if (f.exists("/models/iwcnn"))
    out += fmt::format("  iwcnn: certified weak-convexity modulus rho = {:.3e} (R + (rho/2)||x||^2 convex)\n",
                       f.open_group("/models/iwcnn").double_attribute("weak_convexity_modulus"));
  if (f.exists("/models/cnc")) {
    const h5::Group g = f.open_group("/models/cnc");
    out += fmt::format("  cnc: weight of the IWCNN t = {:.3e}, convexity margin kappa + sigma - t rho_W = {:.3e}\n",
                       g.double_attribute("weak_scale"), g.double_attribute("convexity_margin"));
  }
  if (f.exists("/reconstructions/awcr-pd/ergodic_residual")) {
    const std::vector<double> e = f.open_dataset("/reconstructions/awcr-pd/ergodic_residual").read_all<double>();
    const std::size_t images = static_cast<std::size_t>(d.test), k = e.size() / images;
    double first = 0, last = 0;
    for (std::size_t i = 0; i < images; ++i) {
      first += e[i * k] / double(images);
      last += e[i * k + k - 1] / double(images);
    }
    out += fmt::format("  awcr-pd: ergodic residual {:.3e} -> {:.3e} over {} iterations (mean over images)\n", first,
                       last, k);
  }
  return out;
}

}  // namespace structura::pipeline::ct_learned
