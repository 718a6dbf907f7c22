// Stage train/<regulariser> of `ct.learned`: the shared train stage of the
// learned kinds (experiments/shared/learned_regularisers/train_stage.hpp)
// on the training pairs, x_gen the FBP (the AR paper's choice: the critic
// learns to tell the truths from what gradient descent starts from).
#include "experiments/ct_learned/pairs.hpp"
#include "experiments/ct_learned/settings.hpp"
#include "experiments/ct_learned/stages.hpp"
#include "experiments/shared/learned_regularisers/train_stage.hpp"

namespace structura::pipeline::ct_learned {

void train(StageContext& ctx, const std::string& name) {
  const Settings s = read_settings(ctx.config);
  const RegulariserSettings& r = s.regulariser(name);
  const Pairs train = read_pairs(ctx.file, s.data, "train");
  const Pairs validation = read_pairs(ctx.file, s.data, "validation");
  train_regulariser(ctx, r, s.training, {train.truth, train.fbp, validation.truth, validation.fbp}, s.data.image.nx);
}

}  // namespace structura::pipeline::ct_learned
