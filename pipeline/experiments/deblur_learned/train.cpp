// Stage train/<regulariser> of `deblur.learned`: the shared train stage of
// the learned kinds (experiments/shared/learned_regularisers/train_stage.hpp)
// on the training pairs, x_gen the observation. As ct.learned's FBP, it is
// what gradient descent starts from, so the critic learns to tell the truths
// from exactly the images the reconstruction must move away from; K has no
// cheap inverse that would give a better x_gen (a pseudo-inverse of a
// Gaussian blur amplifies the noise without bound).
#include "experiments/deblur_learned/pairs.hpp"
#include "experiments/deblur_learned/settings.hpp"
#include "experiments/deblur_learned/stages.hpp"
#include "experiments/shared/learned_regularisers/train_stage.hpp"

namespace structura::pipeline::deblur_learned {

void train(StageContext& ctx, const std::string& name) {
  const Settings s = read_settings(ctx.config);
  const Pairs train = read_pairs(ctx.file, s.data, "train");
  const Pairs validation = read_pairs(ctx.file, s.data, "validation");
  train_regulariser(ctx, s.regulariser(name), s.training,
                    {train.truth, train.observation, validation.truth, validation.observation}, s.data.size);
}

}  // namespace structura::pipeline::deblur_learned
