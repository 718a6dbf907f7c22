// Model parameters and optimizer state in HDF5, one dataset per tensor:
//   <group>/parameters/<name>              every parameter, by its module path ("layers.0.weight")
//   <group>/buffers/<name>                 every buffer
//   <group>/optimizer/<name>/{exp_avg, exp_avg_sq}, attribute step   (Adam)
// The caller adds the architecture as attributes of <group>. On a file
// opened collectively every rank calls these with identical tensors (data
// parallelism keeps them identical); rank 0's data is written.
#pragma once

#include <torch/torch.h>

#include <string>

#include "core/h5.hpp"

namespace structura::nn {

void save_module(h5::Group& group, const torch::nn::Module& module);
// Loads into an existing module of the same architecture. Throws InputError
// naming the tensor whose shape differs or that is missing.
void load_module(const h5::Group& group, torch::nn::Module& module);

void save_adam(h5::Group& group, const torch::nn::Module& module, torch::optim::Adam& optimizer);
void load_adam(const h5::Group& group, const torch::nn::Module& module, torch::optim::Adam& optimizer);

}  // namespace structura::nn
