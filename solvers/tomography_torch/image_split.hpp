// A batch of images split over ranks, each rank holding the whole operator
// (TorchProjector over a one-rank communicator, or a CsrProjector): rank r
// owns the contiguous block of global image indices comm.block(n), the same
// block partition as everywhere else (core/partition.hpp), so image i is
// processed by the same rank for a given size and results can be gathered
// by index.
#pragma once

#include <torch/torch.h>

#include "core/mpi.hpp"
#include "core/partition.hpp"

namespace structura::tomography_torch {

inline Range images_of_rank(std::int64_t n_images, const mpi::Comm& comm) { return comm.block(n_images); }

// This rank's images of a batch (N, ...) that every rank holds: a view, no copy.
inline torch::Tensor own_images(const torch::Tensor& batch, const mpi::Comm& comm) {
  const Range r = images_of_rank(batch.size(0), comm);
  return batch.narrow(0, r.begin, r.count);
}

}  // namespace structura::tomography_torch
