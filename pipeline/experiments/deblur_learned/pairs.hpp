// The pairs of the data stage in result.h5, read back as libtorch tensors
// by the training and reconstruction stages. Each split /data/<split>/
// holds truth (N, n, n) and observation (N, n, n), float64; a missing
// dataset or one of another shape is an InputError naming the file and the
// dataset (checked_datasets.hpp), before anything is written.
#pragma once

#include <torch/torch.h>

#include <string>

#include "core/h5.hpp"
#include "experiments/deblur_learned/settings.hpp"

namespace structura::pipeline::deblur_learned {

struct Pairs {
  torch::Tensor truth, observation;  // (N, 1, n, n) float64, CPU
};

// Every pair of `split` ("train", "validation", "test"), on every rank.
Pairs read_pairs(const h5::File& file, const DataSettings& d, const std::string& split);

}  // namespace structura::pipeline::deblur_learned
