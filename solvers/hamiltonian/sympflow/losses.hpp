// Training losses of the SympFlow papers. Every function returns the SUM over
// its batch of per-sample squared errors; the caller divides by the global
// batch size, so that shards summed over ranks give the global mean.
//   residual    |d/dt N(t, x0) - J grad H(N(t, x0))|^2       (unsupervised)
//   matching    (H(N_theta)(t, x) - H(x))^2 at x = N(t, x0)   (SympFlow only)
//   energy      (H(N(t, x0)) - H(x0))^2                       (the baseline's penalty)
//   data        |N(t, x0) - y|^2                              (supervised)
#pragma once

#include <torch/torch.h>

#include "hamiltonian/ensemble.hpp"
#include "hamiltonian/sympflow/flow_model.hpp"

namespace structura::hamiltonian::sympflow {

struct LossWeights {
  double residual = 0, matching = 0, energy = 0;
};

struct LossTerms {
  torch::Tensor total;                            // weighted sum, differentiable
  double residual = 0, matching = 0, energy = 0;  // unweighted sums, for the history
};

// x0 (batch, 2n), t (batch, 1).
LossTerms unsupervised_loss(FlowModel& model, const System& system, const torch::Tensor& x0, const torch::Tensor& t,
                            const LossWeights& weights);

// x0 (batch, 2n), t (batch, 1), y (batch, 2n).
torch::Tensor data_loss(FlowModel& model, const torch::Tensor& x0, const torch::Tensor& t, const torch::Tensor& y);

}  // namespace structura::hamiltonian::sympflow
