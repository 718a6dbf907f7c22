// The pairs of the data stage in result.h5, read back as libtorch tensors
// by the training, reconstruction and metrics stages. Each split
// /data/<split>/ holds truth (N, n, n), sinogram (N, angles, detectors) and
// fbp (N, n, n), float64. A missing dataset or one of another shape than the
// settings describe is an InputError naming the file and the dataset, before
// anything is written.
#pragma once

#include <torch/torch.h>

#include <string>

#include "core/h5.hpp"
#include "experiments/ct_learned/settings.hpp"
#include "experiments/shared/learned_regularisers/checked_datasets.hpp"

namespace structura::pipeline::ct_learned {

struct Pairs {
  torch::Tensor truth, sinogram, fbp;  // (N, 1, n, n), (N, 1, angles, detectors), (N, 1, n, n); float64, CPU
  std::int64_t count() const { return truth.size(0); }
};

// Every pair of `split` ("train", "validation", "test"), on every rank.
Pairs read_pairs(const h5::File& file, const DataSettings& d, const std::string& split);

// The split's expected image count from the settings.
std::int64_t split_count(const DataSettings& d, const std::string& split);

}  // namespace structura::pipeline::ct_learned
