// Stage `metrics` of `ct.learned`: the learned kinds' shared metrics stage
// (experiments/shared/learned_regularisers/metrics_stage.hpp) on the test pairs.
#include "experiments/ct_learned/settings.hpp"
#include "experiments/ct_learned/stages.hpp"
#include "experiments/shared/learned_regularisers/metrics_stage.hpp"

namespace structura::pipeline::ct_learned {

void metrics(StageContext& ctx) {
  const Settings s = read_settings(ctx.config);
  write_learned_metrics(ctx, s.methods, s.regularisers, s.data.image.nx, s.data.test);
}

}  // namespace structura::pipeline::ct_learned
