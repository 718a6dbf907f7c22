// Stage `metrics` of `ct.classical` and the summary table: PSNR and SSIM of
// every reconstruction against its truth, with the CT literature's data
// range (max - min of the truth; metrics.hpp follows scikit-image exactly).
// The images are whole on every rank, so every rank computes the same
// numbers and rank 0 writes them. A NaN image or metric stops the stage
// (NumericalError) before /metrics is touched: a PSNR of nan is no result.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
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
  struct Scores {
    std::vector<double> psnr, ssim;
  };
  std::vector<Scores> scores;
  for (const std::string& method : s.methods) {
    const std::vector<double> images =
        ctx.file.open_dataset("/reconstructions/" + method + "/images").read_all<double>();
    Scores& m = scores.emplace_back();
    for (std::int64_t p = 0; p < s.phantoms; ++p) {
      const double* t = truth.data() + p * pixels;
      const double* x = images.data() + p * pixels;
      if (!std::all_of(x, x + pixels, [](double v) { return std::isfinite(v); }))
        throw NumericalError(
            fmt::format("metrics: /reconstructions/{}/images of phantom {} has NaN or Inf pixels", method, p));
      const double range = tomography::data_range_of(t, pixels);
      m.psnr.push_back(tomography::psnr(t, x, pixels, range));
      m.ssim.push_back(tomography::ssim(t, x, n, n, range));
      // +inf PSNR is an exact reconstruction; NaN (e.g. a constant truth, range 0) is no score.
      if (std::isnan(m.psnr.back()) || std::isnan(m.ssim.back()))
        throw NumericalError(fmt::format("metrics/{}: PSNR {} dB, SSIM {} for phantom {} (truth range {})", method,
                                         m.psnr.back(), m.ssim.back(), p, range));
    }
  }
  h5::Group all = ctx.fresh_group("/metrics");
  all.set_attribute("data_range", "max - min of each truth image");
  for (std::size_t i = 0; i < s.methods.size(); ++i) {
    const std::string& method = s.methods[i];
    const Scores& m = scores[i];
    h5::Group g = all.require_group(method);
    write_value(g, "psnr", m.psnr, "dB", "PSNR per phantom");
    write_value(g, "ssim", m.ssim, "1", "SSIM per phantom (Gaussian window, sigma 1.5)");
    write_value(g, "psnr_mean", {mean(m.psnr)}, "dB", "mean PSNR over the phantoms");
    write_value(g, "ssim_mean", {mean(m.ssim)}, "1", "mean SSIM over the phantoms");
    log::info("metrics/{}: PSNR {:.2f} dB, SSIM {:.4f}", method, mean(m.psnr), mean(m.ssim));
  }
}

}  // namespace structura::pipeline::ct_classical
