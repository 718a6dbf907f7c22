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
#include "experiments/shared/ct_scores.hpp"
#include "experiments/shared/figures.hpp"
#include "run/log.hpp"

namespace structura::pipeline::ct_learned {

namespace {

hsize_t H(std::int64_t x) { return static_cast<hsize_t>(x); }

struct Scores : CtScores {
  double seconds_per_image = 0;
};

}  // namespace

void metrics(StageContext& ctx) {
  const Settings s = read_settings(ctx.config);
  const DataSettings& d = s.data;
  const int n = d.image.nx;
  const h5::Dims dims{H(d.test), H(n), H(n)};
  const std::vector<double> truth = open_checked(ctx.file, "/data/test/truth", dims).read_all<double>();
  std::vector<Scores> scores;
  for (const std::string& method : s.methods) {
    const std::string group = "/reconstructions/" + method;
    const std::vector<double> images = open_checked(ctx.file, group + "/images", dims).read_all<double>();
    Scores& m = scores.emplace_back();
    static_cast<CtScores&>(m) = score_images(truth, images, n, d.test, method, "test image");
    m.seconds_per_image = ctx.file.open_group(group).double_attribute("seconds_per_image");
  }
  h5::Group all = ctx.fresh_group("/metrics");
  all.set_attribute("data_range", "max - min of each truth image");
  all.set_attribute("test_images", d.test);
  for (std::size_t i = 0; i < s.methods.size(); ++i) {
    const std::string& method = s.methods[i];
    const Scores& m = scores[i];
    h5::Group g = all.require_group(method);
    write_scores(g, m, "test images");
    write_figure(g, "seconds_per_image", {m.seconds_per_image}, "s",
                 "reconstruction time per test image on one rank (mean)");
    log::info("metrics/{}: PSNR {:.2f} ± {:.2f} dB, SSIM {:.4f} ± {:.4f}", method, mean_of(m.psnr),
              sample_stddev_of(m.psnr), mean_of(m.ssim), sample_stddev_of(m.ssim));
  }
  // Every trained regulariser (a method or not) reports its training time.
  for (const std::string& r : s.regularisers)
    if (ctx.file.exists("/training/" + r)) {
      h5::Group g = all.require_group(r);
      write_figure(g, "training_seconds", {ctx.file.open_group("/training/" + r).double_attribute("seconds")}, "s",
                   "wall time of the training (of its last run)");
    }
}

}  // namespace structura::pipeline::ct_learned
