// One data-parallel optimizer update, after every rank has called backward()
// on its shard's loss (divided by the GLOBAL batch): sum the loss and the
// gradients over the ranks, check both are finite, clip the global gradient
// norm, set the learning rate (if given), step. Every rank holds the same gradients
// after the allreduce, so clipping and stepping keep the ranks in lock step.
// nn::TrainingLoop calls it for each update; a caller with its own loop can
// too.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/mpi.hpp"
#include "nn/checks.hpp"

namespace structura::nn {

struct UpdateRecord {
  double loss = 0;           // global loss before the step (sum over ranks)
  double learning_rate = 0;  // used for the step
  double gradient_norm = 0;  // global L2 norm before clipping
};

struct UpdateCheck {
  const std::string& name;       // the training, for messages
  std::int64_t step;             // the loop step, for messages
  DivergenceCheck* divergence;   // optional
};

// `parameters` are those `optimizer` holds. Throws NumericalError (see
// nn/checks.hpp) before stepping, so a failed check leaves the parameters
// as they were.
UpdateRecord synchronised_update(torch::optim::Optimizer& optimizer, const std::vector<torch::Tensor>& parameters,
                                 const mpi::Comm& comm, double local_loss, double clip_gradient_norm,
                                 std::optional<double> learning_rate, const UpdateCheck& check);

// Global L2 norm of the gradients, as clip_grad_norm_ computes it.
double gradient_norm(const std::vector<torch::Tensor>& parameters);

}  // namespace structura::nn
