// Input and failure checks shared by the solvers (internal, not installed).
#pragma once

#include <torch/torch.h>

#include <string>

#include "variational/problem.hpp"

namespace structura::variational::detail {

// InputError naming "start" / "truth" unless they are finite image batches
// of the problem's size (truth may be undefined).
void require_start_and_truth(const Problem& problem, const torch::Tensor& start, const torch::Tensor& truth);

// NumericalError from `solver` unless every entry of energy and
// gradient_norm ((M) float64, for the images `index`) is finite and no
// energy rose by more than factor · max(|start_energy|, 1e-12).
void require_sane(const std::string& solver, int iteration, const torch::Tensor& index, const torch::Tensor& energy,
                  const torch::Tensor& gradient_norm, const torch::Tensor& start_energy, double factor);

// int64 indices of the true entries of a bool (N) mask.
torch::Tensor indices_of(const torch::Tensor& mask);

}  // namespace structura::variational::detail
