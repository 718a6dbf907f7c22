// Model parameters and optimizer state in HDF5, one dataset per tensor:
//   <group>/parameters/<name>              every parameter, by its module path ("layers.0.weight")
//   <group>/buffers/<name>                 every buffer
// (optimizer state: nn/optimizer.hpp)
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

// One tensor as one dataset (float32 or float64, a 0-d tensor as [1]).
void write_tensor(h5::Group& group, const std::string& name, const torch::Tensor& tensor);
// Reads `name` into `target` (same element count), converting to its dtype:
// exact for a tensor written from the same dtype. InputError naming the
// tensor when it is missing or its size differs.
void read_tensor(const h5::Group& group, const std::string& name, torch::Tensor target);

}  // namespace structura::nn
