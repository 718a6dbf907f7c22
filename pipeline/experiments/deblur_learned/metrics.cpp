// Stage `metrics` of `deblur.learned`: the learned kinds' shared metrics
// stage (experiments/shared/learned_regularisers/metrics_stage.hpp) on the
// test pairs, with the data range 1 of the photographs' intensities
// (the natural-image convention: a patch of sky has a tiny max - min, which
// would make its PSNR meaningless).
#include "experiments/deblur_learned/settings.hpp"
#include "experiments/deblur_learned/stages.hpp"
#include "experiments/shared/learned_regularisers/metrics_stage.hpp"

namespace structura::pipeline::deblur_learned {

void metrics(StageContext& ctx) {
  const Settings s = read_settings(ctx.config);
  write_learned_metrics(ctx, s.methods, s.regularisers, s.data.size, s.data.test, /*data_range=*/1.0);
}

}  // namespace structura::pipeline::deblur_learned
