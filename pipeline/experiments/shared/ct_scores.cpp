#include "experiments/shared/ct_scores.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "experiments/shared/figures.hpp"
#include "tomography/metrics.hpp"

namespace structura::pipeline {

CtScores score_images(const std::vector<double>& truth, const std::vector<double>& images, int n, std::int64_t count,
                      const std::string& method, const std::string& item, double data_range) {
  const long pixels = static_cast<long>(n) * n;
  CtScores m;
  for (std::int64_t p = 0; p < count; ++p) {
    const double* t = truth.data() + p * pixels;
    const double* x = images.data() + p * pixels;
    if (!std::all_of(x, x + pixels, [](double v) { return std::isfinite(v); }))
      throw NumericalError(
          fmt::format("metrics: /reconstructions/{}/images of {} {} has NaN or Inf pixels", method, item, p));
    const double range = data_range > 0 ? data_range : tomography::data_range_of(t, pixels);
    m.psnr.push_back(tomography::psnr(t, x, pixels, range));
    m.ssim.push_back(tomography::ssim(t, x, n, n, range));
    // +inf PSNR is an exact reconstruction; NaN (e.g. a constant truth, range 0) is no score.
    if (std::isnan(m.psnr.back()) || std::isnan(m.ssim.back()))
      throw NumericalError(fmt::format("metrics/{}: PSNR {} dB, SSIM {} for {} {} (truth range {})", method,
                                       m.psnr.back(), m.ssim.back(), item, p, range));
  }
  return m;
}

void write_scores(h5::Group& g, const CtScores& m, const std::string& items) {
  // The item in the singular for the per-image figures ("phantom", "test image").
  const std::string item = items.size() > 1 && items.back() == 's' ? items.substr(0, items.size() - 1) : items;
  write_figure(g, "psnr", m.psnr, "dB", "PSNR per " + item);
  write_figure(g, "ssim", m.ssim, "1", "SSIM per " + item + " (Gaussian window, sigma 1.5)");
  write_figure(g, "psnr_mean", {mean_of(m.psnr)}, "dB", "mean PSNR over the " + items);
  write_figure(g, "psnr_std", {sample_stddev_of(m.psnr)}, "dB", "sample standard deviation of the PSNR over the " + items);
  write_figure(g, "ssim_mean", {mean_of(m.ssim)}, "1", "mean SSIM over the " + items);
  write_figure(g, "ssim_std", {sample_stddev_of(m.ssim)}, "1", "sample standard deviation of the SSIM over the " + items);
}

}  // namespace structura::pipeline
