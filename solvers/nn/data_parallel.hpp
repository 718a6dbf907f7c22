// Data-parallel training over MPI: every rank computes gradients on its shard
// of the global batch, the gradients are summed with one MPI_Allreduce over a
// flattened buffer, and every rank steps the same optimizer. With the loss
// of a shard written as (sum over the shard) / (global batch size), the
// summed gradient is the gradient of the global mean, so the trained model
// does not depend on the number of ranks beyond the order of the sums.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "core/mpi.hpp"

namespace structura::nn {

// Sums the .grad() of every parameter over all ranks of comm, in place. A
// parameter without a gradient on this rank contributes zeros. All
// parameters must share one dtype (float32 or float64) and live on the CPU
// or all on one device; the buffer is staged on the CPU.
void allreduce_gradients(const std::vector<torch::Tensor>& parameters, const mpi::Comm& comm);

// Copies rank 0's parameter values to every rank (identical start).
void broadcast_parameters(const std::vector<torch::Tensor>& parameters, const mpi::Comm& comm);

}  // namespace structura::nn
