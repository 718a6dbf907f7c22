// "(2, 3, 16)": a tensor's sizes for error messages (fmt cannot format
// IntArrayRef). Internal to the library, not installed.
#pragma once

#include <fmt/format.h>
#include <torch/torch.h>

#include <string>

namespace structura::neural_operators {

inline std::string shape_of(const torch::Tensor& t) { return fmt::format("({})", fmt::join(t.sizes().vec(), ", ")); }

}  // namespace structura::neural_operators
