// Reading the learned kinds' data sets back from result.h5: a missing
// dataset or one of another shape than the settings describe is an
// InputError naming the file and the dataset, before anything is written.
#pragma once

#include <torch/torch.h>

#include <string>

#include "core/h5.hpp"

namespace structura::pipeline {

// `path` checked against `dims`: InputError naming the file, the dataset,
// the expected and the found shape (or that it is missing).
h5::Dataset open_checked(const h5::File& file, const std::string& path, const h5::Dims& dims);

// A checked float64 dataset (N, a, b) as a tensor (N, 1, a, b), float64, CPU.
torch::Tensor read_checked_tensor(const h5::File& file, const std::string& path, const h5::Dims& dims);

}  // namespace structura::pipeline
