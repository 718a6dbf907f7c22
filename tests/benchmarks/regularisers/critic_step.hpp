// One critic training step of the learned regularisers, as the library's
// users write it (solvers/regularisers + nn::make_optimizer), shared by the
// training benchmark and its equivalence check:
//   AR:  Wasserstein loss + 20 x one-sided gradient penalty on the critic,
//        RMSprop lr 1e-4 (Lunz et al.);
//   ACR: Wasserstein loss + 5 x two-sided gradient penalty on the ICNN only,
//        Adam lr 2e-5, betas (0.5, 0.99) on the ICNN and a second Adam with
//        weight decay 1 on the filter bank and the L2 weight, then the ICNN's
//        hidden weights clamped to >= 0 (Mukherjee et al.).
// Loss = (sums of losses.hpp) / batch, i.e. the means of the reference code.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "regularisers/regulariser.hpp"

namespace structura::bench {

struct CriticModel {
  std::string name;                                  // "ar" or "acr"
  std::shared_ptr<regularisers::Regulariser> critic;  // what the Wasserstein term sees
  regularisers::Regulariser* penalised = nullptr;    // what the penalty sees
  std::vector<std::unique_ptr<torch::optim::Optimizer>> optimisers;
};

// The model of `name` for size x size images, in dtype, with torch's
// current seed; InputError for another name.
CriticModel make_critic_model(const std::string& name, std::int64_t size, torch::Dtype dtype);

// The loss terms of one step (means over the batch).
struct StepLoss {
  double total = 0, wasserstein = 0, penalty = 0;
};

// Seconds spent in each part of a step (loss = both forwards and the
// penalty's first backward; backward = the double backward; update =
// optimiser steps and weight clamping).
struct StepPhases {
  double loss = 0, backward = 0, update = 0;
};

// zero_grad, loss, backward; then, unless `update` is false, the optimiser
// steps and project_weights(). Adds its phase times to `phases` if given.
StepLoss critic_step(CriticModel& m, const torch::Tensor& truth, const torch::Tensor& generated,
                     const torch::Tensor& epsilon, bool update = true, StepPhases* phases = nullptr);

}  // namespace structura::bench
