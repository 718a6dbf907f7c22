// The Hamiltonian systems of systems.hpp evaluated on batches of libtorch
// tensors, so that losses can differentiate through them. The systems'
// templates are instantiated with R = torch::Tensor (one column per
// coordinate): one definition of each system serves the integrators, the
// Kokkos kernels and the training.
#pragma once

#include <torch/torch.h>

#include "hamiltonian/ensemble.hpp"

namespace structura::hamiltonian::sympflow {

// x is (batch, 2n) = (q, p). Returns J grad H = (dH/dp, -dH/dq), (batch, 2n).
torch::Tensor vector_field(const System& system, const torch::Tensor& x);
// H(x), (batch, 1).
torch::Tensor energy(const System& system, const torch::Tensor& x);

}  // namespace structura::hamiltonian::sympflow
