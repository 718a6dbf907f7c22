// Stage `metrics` of `ct.classical` and the summary table: PSNR and SSIM of
// every reconstruction against its truth, with the CT literature's data
// range (max - min of the truth; metrics.hpp follows scikit-image exactly).
// The images are whole on every rank, so every rank computes the same
// numbers and rank 0 writes them. A NaN image or metric stops the stage
// (NumericalError) before /metrics is touched: a PSNR of nan is no result.
#include <fmt/format.h>

#include "core/h5.hpp"
#include "experiments/ct_classical/data_io.hpp"
#include "experiments/ct_classical/settings.hpp"
#include "experiments/ct_classical/stages.hpp"
#include "experiments/shared/ct_scores.hpp"
#include "experiments/shared/figures.hpp"
#include "run/log.hpp"

namespace structura::pipeline::ct_classical {

void metrics(StageContext& ctx) {
  const Settings s = read_settings(ctx.config);
  const int n = s.image.nx;
  const std::vector<double> truth = read_truth(ctx.file, s);
  std::vector<CtScores> scores;
  for (const std::string& method : s.methods)
    scores.push_back(score_images(truth,
                                  ctx.file.open_dataset("/reconstructions/" + method + "/images").read_all<double>(), n,
                                  s.phantoms, method, "phantom"));
  h5::Group all = ctx.fresh_group("/metrics");
  all.set_attribute("data_range", "max - min of each truth image");
  for (std::size_t i = 0; i < s.methods.size(); ++i) {
    const std::string& method = s.methods[i];
    const CtScores& m = scores[i];
    h5::Group g = all.require_group(method);
    write_scores(g, m, "phantoms");
    const double seconds = ctx.file.open_group("/reconstructions/" + method).double_attribute("seconds");
    write_figure(g, "seconds_per_image", {seconds / double(s.phantoms)}, "s",
                 "wall time of the reconstruction stage per phantom (all ranks together)");
    log::info("metrics/{}: PSNR {:.2f} ± {:.2f} dB, SSIM {:.4f} ± {:.4f}", method, mean_of(m.psnr),
              sample_stddev_of(m.psnr), mean_of(m.ssim), sample_stddev_of(m.ssim));
  }
}

}  // namespace structura::pipeline::ct_classical
