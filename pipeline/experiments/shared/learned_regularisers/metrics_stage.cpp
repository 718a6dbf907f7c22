#include "experiments/shared/learned_regularisers/metrics_stage.hpp"

#include <fmt/format.h>

#include "experiments/shared/ct_scores.hpp"
#include "experiments/shared/figures.hpp"
#include "experiments/shared/learned_regularisers/checked_datasets.hpp"
#include "run/log.hpp"

namespace structura::pipeline {

namespace {

hsize_t H(std::int64_t x) { return static_cast<hsize_t>(x); }

struct Scores : CtScores {
  double seconds_per_image = 0;
};

}  // namespace

void write_learned_metrics(StageContext& ctx, const std::vector<std::string>& methods,
                           const std::vector<std::string>& regularisers, std::int64_t n, std::int64_t test,
                           double data_range) {
  const h5::Dims dims{H(test), H(n), H(n)};
  const std::vector<double> truth = open_checked(ctx.file, "/data/test/truth", dims).read_all<double>();
  std::vector<Scores> scores;
  for (const std::string& method : methods) {
    const std::string group = "/reconstructions/" + method;
    const std::vector<double> images = open_checked(ctx.file, group + "/images", dims).read_all<double>();
    Scores& m = scores.emplace_back();
    static_cast<CtScores&>(m) = score_images(truth, images, static_cast<int>(n), test, method, "test image", data_range);
    m.seconds_per_image = ctx.file.open_group(group).double_attribute("seconds_per_image");
  }
  h5::Group all = ctx.fresh_group("/metrics");
  all.set_attribute("data_range",
                    data_range > 0 ? fmt::format("{:g} for every image", data_range) : "max - min of each truth image");
  all.set_attribute("test_images", test);
  for (std::size_t i = 0; i < methods.size(); ++i) {
    const std::string& method = methods[i];
    const Scores& m = scores[i];
    h5::Group g = all.require_group(method);
    write_scores(g, m, "test images");
    write_figure(g, "seconds_per_image", {m.seconds_per_image}, "s",
                 "reconstruction time per test image on one rank (mean)");
    log::info("metrics/{}: PSNR {:.2f} ± {:.2f} dB, SSIM {:.4f} ± {:.4f}", method, mean_of(m.psnr),
              sample_stddev_of(m.psnr), mean_of(m.ssim), sample_stddev_of(m.ssim));
  }
  // Every trained regulariser (a method or not) reports its training time.
  for (const std::string& r : regularisers)
    if (ctx.file.exists("/training/" + r)) {
      h5::Group g = all.require_group(r);
      write_figure(g, "training_seconds", {ctx.file.open_group("/training/" + r).double_attribute("seconds")}, "s",
                   "wall time of the training (of its last run)");
    }
}

}  // namespace structura::pipeline
