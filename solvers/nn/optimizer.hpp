// libtorch optimizers from the torch-free OptimizerOptions, and their state
// in HDF5, exactly: a resumed optimizer takes the same steps, bit for bit,
// as one that never stopped. Layout, under <group>/optimizer (attribute
// `type`: adam, adamw, rmsprop or sgd), one group per parameter that has
// state, named by its module path ("layers.0.weight"):
//   adam, adamw: attribute step; exp_avg, exp_avg_sq[, max_exp_avg_sq (amsgrad)]
//   rmsprop:     attribute step; square_avg[, momentum_buffer (momentum > 0)][, grad_avg (centered)]
//   sgd:         momentum_buffer (momentum > 0; plain SGD has no state)
// Tensors keep the parameters' dtype. Hyper-parameters are not stored: they
// come from the configuration, the learning rate from the schedule.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <vector>

#include "core/h5.hpp"
#include "nn/settings.hpp"

namespace structura::nn {

// The optimizer of options.kind over `parameters` (one parameter group).
// Validates the options (InputError naming `where`).
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const std::vector<torch::Tensor>& parameters,
                                                        const OptimizerOptions& options,
                                                        const std::string& where = "optimizer");

// The kind of an optimizer made by make_optimizer (or constructed directly);
// Error for another torch::optim class.
OptimizerKind optimizer_kind(const torch::optim::Optimizer& optimizer);

// Sets the learning rate of every parameter group of `optimizer`.
void set_learning_rate(torch::optim::Optimizer& optimizer, double learning_rate);

// The optimizer must hold module.parameters(). Rank 0's data is written on
// a parallel file (data parallelism keeps the state identical on all ranks).
void save_optimizer_state(h5::Group& group, const torch::nn::Module& module, const torch::optim::Optimizer& optimizer);
// Replaces the optimizer's state by the saved one. InputError when the file
// holds another kind's state or a tensor of another size.
void load_optimizer_state(const h5::Group& group, const torch::nn::Module& module,
                          torch::optim::Optimizer& optimizer);

}  // namespace structura::nn
