// Stage `metrics` of `ct.learned`: PSNR and SSIM of every method's test
// reconstructions against the truth (data range max - min of each truth,
// tomography/metrics.hpp, which follows scikit-image), their mean and
// standard deviation over the test set, the reconstruction time per image,
// and for a learned method its training time. Every rank computes the same
// numbers from the whole images; a NaN image or score stops the stage
// (NumericalError) before /metrics is touched.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "experiments/ct_learned/pairs.hpp"
#include "experiments/ct_learned/settings.hpp"
#include "experiments/ct_learned/stages.hpp"
#include "run/log.hpp"
#include "tomography/metrics.hpp"

namespace structura::pipeline::ct_learned {

namespace {

hsize_t H(std::int64_t x) { return static_cast<hsize_t>(x); }

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

// The sample standard deviation (n - 1); 0 for one value.
double stddev(const std::vector<double>& v) {
  if (v.size() < 2) return 0.0;
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / double(v.size() - 1));
}

struct Scores {
  std::vector<double> psnr, ssim;
  double seconds_per_image = 0;
};

}  // namespace

void metrics(StageContext& ctx) {
  const Settings s = read_settings(ctx.config);
  const DataSettings& d = s.data;
  const int n = d.image.nx;
  const long pixels = static_cast<long>(n) * n;
  const h5::Dims dims{H(d.test), H(n), H(n)};
  const std::vector<double> truth = open_checked(ctx.file, "/data/test/truth", dims).read_all<double>();
  std::vector<Scores> scores;
  for (const std::string& method : s.methods) {
    const std::string group = "/reconstructions/" + method;
    const std::vector<double> images = open_checked(ctx.file, group + "/images", dims).read_all<double>();
    Scores& m = scores.emplace_back();
    for (std::int64_t p = 0; p < d.test; ++p) {
      const double* t = truth.data() + p * pixels;
      const double* x = images.data() + p * pixels;
      if (!std::all_of(x, x + pixels, [](double v) { return std::isfinite(v); }))
        throw NumericalError(fmt::format("metrics: {}/images of test image {} has NaN or Inf pixels", group, p));
      const double range = tomography::data_range_of(t, pixels);
      m.psnr.push_back(tomography::psnr(t, x, pixels, range));
      m.ssim.push_back(tomography::ssim(t, x, n, n, range));
      if (std::isnan(m.psnr.back()) || std::isnan(m.ssim.back()))
        throw NumericalError(fmt::format("metrics/{}: PSNR {} dB, SSIM {} for test image {} (truth range {})", method,
                                         m.psnr.back(), m.ssim.back(), p, range));
    }
    m.seconds_per_image = ctx.file.open_group(group).double_attribute("seconds_per_image");
  }
  h5::Group all = ctx.fresh_group("/metrics");
  all.set_attribute("data_range", "max - min of each truth image");
  all.set_attribute("test_images", d.test);
  for (std::size_t i = 0; i < s.methods.size(); ++i) {
    const std::string& method = s.methods[i];
    const Scores& m = scores[i];
    h5::Group g = all.require_group(method);
    write_value(g, "psnr", m.psnr, "dB", "PSNR per test image");
    write_value(g, "ssim", m.ssim, "1", "SSIM per test image (Gaussian window, sigma 1.5)");
    write_value(g, "psnr_mean", {mean(m.psnr)}, "dB", "mean PSNR over the test images");
    write_value(g, "psnr_std", {stddev(m.psnr)}, "dB", "sample standard deviation of the PSNR over the test images");
    write_value(g, "ssim_mean", {mean(m.ssim)}, "1", "mean SSIM over the test images");
    write_value(g, "ssim_std", {stddev(m.ssim)}, "1", "sample standard deviation of the SSIM over the test images");
    write_value(g, "seconds_per_image", {m.seconds_per_image}, "s",
                "reconstruction time per test image on one rank (mean)");
    log::info("metrics/{}: PSNR {:.2f} ± {:.2f} dB, SSIM {:.4f} ± {:.4f}", method, mean(m.psnr), stddev(m.psnr),
              mean(m.ssim), stddev(m.ssim));
  }
  // Every trained regulariser (a method or not) reports its training time.
  for (const std::string& r : s.regularisers)
    if (ctx.file.exists("/training/" + r)) {
      h5::Group g = all.require_group(r);
      write_value(g, "training_seconds", {ctx.file.open_group("/training/" + r).double_attribute("seconds")}, "s",
                  "wall time of the training (of its last run)");
    }
}

}  // namespace structura::pipeline::ct_learned
