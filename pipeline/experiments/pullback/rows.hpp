// A split of the `pullback` data back from result.h5 as a tensor, its shape
// checked against the settings (InputError naming the file and dataset).
#pragma once

#include <torch/torch.h>

#include <string>

#include "core/h5.hpp"
#include "experiments/pullback/settings.hpp"

namespace structura::pipeline::pullback {

// /data/<split> ("train", "validation", "test") as [rows, D] in `dtype`.
torch::Tensor read_rows(const h5::File& file, const DataSettings& d, const std::string& split, torch::Dtype dtype);

}  // namespace structura::pipeline::pullback
