// SympFlow's map N(t, x) computed the way a libtorch user would write it
// without the closed-form derivatives of hamiltonian/sympflow/mlp.hpp: each
// layer update evaluates the MLP and asks autograd for the gradient with
// respect to its input (torch::autograd::grad, no create_graph). The
// inference benchmark's naive peer; it reads the model's own MLPs, so it
// computes the same map as SympFlow::flow.
#pragma once

#include <torch/torch.h>

#include "hamiltonian/sympflow/sympflow.hpp"

namespace structura::bench {

// x0 is (batch, 2n), t is (batch, 1); returns N(t, x0), detached. Runs with
// grad mode on (autograd needs it) and restores nothing else.
torch::Tensor naive_flow(hamiltonian::sympflow::SympFlow& model, const torch::Tensor& x0, const torch::Tensor& t);

}  // namespace structura::bench
