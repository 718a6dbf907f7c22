// The summary printed after a `ct.classical` run, read back from result.h5.
#include <fmt/format.h>

#include "core/h5.hpp"
#include "experiments/ct_classical/settings.hpp"
#include "experiments/ct_classical/stages.hpp"

namespace structura::pipeline::ct_classical {

std::string summary(const Config& c, const std::string& result_file) {
  h5::File f = h5::File::open(result_file, h5::Mode::ReadOnly);
  if (!f.exists("/metrics")) return "";
  const Settings s = read_settings(c);
  std::string out = fmt::format("{} {}^2, {} beam, {} angles over {:g} deg, {} detectors, noise {}\n",
                                s.phantoms == 1 ? "1 phantom" : fmt::format("{} phantoms", s.phantoms), s.image.nx,
                                s.beam.kind == tomography::BeamKind::Fan ? "fan" : "parallel", s.beam.angles.size(),
                                s.range_radians * 180 / 3.141592653589793, s.beam.detectors, s.noise.kind);
  out += fmt::format("  {:<10} {:>10} {:>8} {:>11} {:>9}\n", "method", "PSNR dB", "SSIM", "iterations", "seconds");
  for (const std::string& m : s.methods) {
    const std::string mg = "/metrics/" + m, rg = "/reconstructions/" + m;
    if (!f.exists(mg) || !f.exists(rg)) continue;
    const double psnr = f.open_dataset(mg + "/psnr_mean").read_all<double>().at(0);
    const double ssim = f.open_dataset(mg + "/ssim_mean").read_all<double>().at(0);
    std::string iterations = "-";
    if (f.exists(rg + "/history")) {  // mean over phantoms
      double sum = 0;
      for (std::int64_t p = 0; p < s.phantoms; ++p)
        sum += double(f.open_group(fmt::format("{}/history/{}", rg, p)).int_attribute("iterations"));
      iterations = fmt::format("{:.1f}", sum / double(s.phantoms));
    }
    out += fmt::format("  {:<10} {:>10.2f} {:>8.4f} {:>11} {:>9.2f}\n", m, psnr, ssim, iterations,
                       f.open_group(rg).double_attribute("seconds"));
  }
  return out;
}

}  // namespace structura::pipeline::ct_classical
