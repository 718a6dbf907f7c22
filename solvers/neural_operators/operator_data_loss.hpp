// Supervised operator learning on pairs (input, target), e.g. an FNO on
// (u0, u(T)): the loss callback of nn::TrainingLoop and the test metric.
// Loss as the reference FNO scripts (LpLoss, size_average=False): the
// relative L2 error ||G(a) - u|| / ||u|| of each sample, summed over the
// minibatch; here divided by the global minibatch size (the loop's
// convention), so the gradient is that of the mean over the minibatch on
// any number of ranks. Every rank holds the whole data set and evaluates
// its block of each minibatch (nn::MinibatchSampler: keyed by (seed,
// step), the same minibatches after a resume and on any rank count).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>

#include "core/mpi.hpp"
#include "nn/minibatch_sampler.hpp"

namespace structura::neural_operators {

// A model as a map of batches: (N, ...) -> (N, ...).
using OperatorModel = std::function<torch::Tensor(const torch::Tensor&)>;

enum class DataLoss {
  RelativeL2,  // sum over samples of ||p - u|| / ||u|| (the reference FNO scripts)
  Mse,         // sum over samples of mean (p - u)^2
};

// Per sample: ||p - u||_2 / ||u||_2 over all but the first axis -> (N).
torch::Tensor relative_l2_per_sample(const torch::Tensor& prediction, const torch::Tensor& truth);

// Mean over all samples of the relative L2 error of model on (inputs,
// targets), the samples split in blocks over the ranks of comm, no
// gradients; collective, the same value on every rank.
double mean_relative_l2(const OperatorModel& model, const torch::Tensor& inputs, const torch::Tensor& targets,
                        const mpi::Comm& comm, std::int64_t chunk = 256);

class OperatorDataLoss {
public:
  // inputs and targets with the same number of samples n >= 1 (InputError
  // naming `where` otherwise), batch >= 1.
  OperatorDataLoss(OperatorModel model, torch::Tensor inputs, torch::Tensor targets, std::int64_t batch,
                   std::uint64_t seed, mpi::Comm comm, DataLoss kind = DataLoss::RelativeL2,
                   const std::string& where = "data");

  // This rank's block of step's minibatch, summed, divided by the global
  // minibatch size, backward() called; returns its value. Pass
  // std::ref(loss) to the loop.
  double operator()(std::int64_t step);

private:
  OperatorModel model_;
  torch::Tensor inputs_, targets_;
  mpi::Comm comm_;
  DataLoss kind_;
  nn::MinibatchSampler sampler_;
};

}  // namespace structura::neural_operators
