// Reading the learned kinds' data sets back from result.h5: a missing
// dataset or one of another shape than the settings describe is an
// InputError naming the file and the dataset, before anything is written.
#pragma once

#include <torch/torch.h>

#include <string>

#include "core/h5.hpp"
#include "experiments/shared/checked_dataset.hpp"  // open_checked

namespace structura::pipeline {

// A checked float64 dataset (N, a, b) as a tensor (N, 1, a, b), float64, CPU.
torch::Tensor read_checked_tensor(const h5::File& file, const std::string& path, const h5::Dims& dims);

}  // namespace structura::pipeline
