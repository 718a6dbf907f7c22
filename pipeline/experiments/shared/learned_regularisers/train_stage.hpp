// The stage train/<regulariser> of the learned kinds (ct.learned,
// deblur.learned): the critic of one learned regulariser trained on the
// kind's pairs (x_true the truths, x_gen what the reconstructions start
// from: ct.learned's FBPs, deblur.learned's observations) with the
// Wasserstein loss and its gradient penalty (models.hpp: which penalty, on
// which part), data-parallel over the ranks with the shared
// nn::TrainingLoop through the shared stage adapter (training_stage.hpp):
// checkpoints, resume, NaN/Inf stop. Minibatches come from the keyed
// nn::MinibatchSampler and the interpolation weights from (seed, step,
// position in the global minibatch), so a resumed or re-decomposed training
// sees the same samples. The weights' constraints (the ICNN's non-negative
// hidden weights) are restored after every optimizer step. The validation
// metric is the Wasserstein estimate mean R(truth) - mean R(x_gen) on the
// validation pairs (monitoring only: no model selection, as the reference).
//
// Writes /models/<name> (models.hpp) and /training/<name> (the shared
// history layout plus seconds, seconds_per_step, epochs, steps_per_epoch,
// penalty, penalty_weight, optimizer, dtype).
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "experiments/shared/learned_regularisers/regulariser_params.hpp"
#include "experiments/shared/training_params.hpp"
#include "run/stage_context.hpp"

namespace structura::pipeline {

// Every pair of the training and validation splits on every rank, (N, 1,
// n, n) float64 on the CPU.
struct CriticPairs {
  torch::Tensor truth, generated;
  torch::Tensor validation_truth, validation_generated;
};

// `training`: the kind's [training] table (read without an optimizer: the
// regulariser brings its own). Collective.
void train_regulariser(StageContext& ctx, const RegulariserSettings& r, const TrainingSettings& training,
                       const CriticPairs& pairs, std::int64_t n);

}  // namespace structura::pipeline
