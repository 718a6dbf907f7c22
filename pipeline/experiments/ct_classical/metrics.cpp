// Stage `metrics` of `ct.classical` and the summary table: PSNR and SSIM of
// every reconstruction against its truth, with the CT literature's data
// range (max - min of the truth; metrics.hpp follows scikit-image exactly).
// The images are whole on every rank, so every rank computes the same
// numbers and rank 0 writes them.
#include <fmt/format.h>

#include <algorithm>

#include "core/h5.hpp"
#include "experiments/ct_classical/data_io.hpp"
#include "experiments/ct_classical/settings.hpp"
#include "experiments/ct_classical/stages.hpp"
#include "run/log.hpp"
#include "tomography/metrics.hpp"

namespace structura::pipeline::ct_classical {


namespace {

void write_value(h5::Group& g, const std::string& name, const std::vector<double>& v, const std::string& unit,
                 const std::string& meaning) {
  h5::Dataset d = g.write_dataset(name, v, h5::Dims{v.size()});
  d.set_attribute("unit", unit);
  d.set_attribute("meaning", meaning);
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / double(v.size());
}

}  // namespace

void metrics(StageContext& ctx) {
  const Settings s = read_settings(ctx.config);
  const int n = s.image.nx;
  const long pixels = static_cast<long>(n) * n;
  const std::vector<double> truth = read_truth(ctx.file, s);
  h5::Group all = ctx.fresh_group("/metrics");
  all.set_attribute("data_range", "max - min of each truth image");
  for (const std::string& method : s.methods) {
    const std::vector<double> images =
        ctx.file.open_dataset("/reconstructions/" + method + "/images").read_all<double>();
    std::vector<double> psnr(static_cast<std::size_t>(s.phantoms)), ssim(psnr.size());
    for (std::int64_t p = 0; p < s.phantoms; ++p) {
      const double* t = truth.data() + p * pixels;
      const double* x = images.data() + p * pixels;
      const double range = tomography::data_range_of(t, pixels);
      psnr[p] = tomography::psnr(t, x, pixels, range);
      ssim[p] = tomography::ssim(t, x, n, n, range);
    }
    h5::Group g = all.require_group(method);
    write_value(g, "psnr", psnr, "dB", "PSNR per phantom");
    write_value(g, "ssim", ssim, "1", "SSIM per phantom (Gaussian window, sigma 1.5)");
    write_value(g, "psnr_mean", {mean(psnr)}, "dB", "mean PSNR over the phantoms");
    write_value(g, "ssim_mean", {mean(ssim)}, "1", "mean SSIM over the phantoms");
    log::info("metrics/{}: PSNR {:.2f} dB, SSIM {:.4f}", method, mean(psnr), mean(ssim));
  }
}

}  // namespace structura::pipeline::ct_classical
