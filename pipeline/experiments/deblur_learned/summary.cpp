// The summary printed after a `deblur.learned` run, read back from result.h5.
#include <fmt/format.h>

#include "core/h5.hpp"
#include "experiments/deblur_learned/settings.hpp"
#include "experiments/deblur_learned/stages.hpp"

namespace structura::pipeline::deblur_learned {

std::string summary(const Config& c, const std::string& result_file) {
  h5::File f = h5::File::open(result_file, h5::Mode::ReadOnly);
  if (!f.exists("/metrics")) return "";
  const Settings s = read_settings(c);
  const DataSettings& d = s.data;
  std::string out = fmt::format("{} test patches ({} training) of {}^2, blur sigma {:g} px, noise sigma {:g}\n",
                                d.test, d.train, d.size, d.blur_sigma, d.noise_sigma);
  out += fmt::format("  {:<12} {:>16} {:>17} {:>12} {:>12}\n", "method", "PSNR dB", "SSIM", "s / image",
                     "training s");
  for (const std::string& m : s.methods) {
    const std::string g = "/metrics/" + m;
    if (!f.exists(g)) continue;
    auto value = [&](const char* name) { return f.open_dataset(g + "/" + name).read_all<double>().at(0); };
    const std::string training =
        f.exists(g + "/training_seconds") ? fmt::format("{:.1f}", value("training_seconds")) : "-";
    out += fmt::format("  {:<12} {:>8.2f} ± {:<5.2f} {:>8.4f} ± {:<6.4f} {:>12.4f} {:>12}\n", m, value("psnr_mean"),
                       value("psnr_std"), value("ssim_mean"), value("ssim_std"), value("seconds_per_image"), training);
  }
  return out;
}

}  // namespace structura::pipeline::deblur_learned
