// The physics-informed DeepONet loss (Wang, Wang, Perdikaris; reference:
// PI_DeepONet_Burger.ipynb, loss = 20 IC + BC + residual), per function f
// with initial condition u0_f sampled at the m sensors x_j:
//   residual  mean over R points (x, t) of r(x, t)^2     (pde_residual.hpp)
//   initial   mean over the sensors of (G(u0_f)(x_j, 0) - u0_f(x_j))^2
//   boundary  mean over B times t of (G(0, t) - G(L, t))^2 + (G_x(0, t) - G_x(L, t))^2
//             (periodic in x on [0, L], as the reference imposes it)
// The collocation points are uniform on [0, L] x [0, T], drawn by the
// counter-based generator keyed by (seed, step) at item = the function's
// global index: the same points for function f at step s on any number of
// ranks, fresh points every step (as the reference's data generator).
// As a loss callback of nn::TrainingLoop (data-parallel): every rank holds
// all training functions, takes its block of each minibatch of functions
// (nn::MinibatchSampler) and returns the sum over its block of
//   residual_weight residual + ic_weight initial + bc_weight boundary
// divided by the global minibatch size, after backward(): the summed
// gradients are those of the global mean, whatever the number of ranks.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/mpi.hpp"
#include "neural_operators/deeponet.hpp"
#include "neural_operators/pde_residual.hpp"
#include "nn/minibatch_sampler.hpp"

namespace structura::neural_operators {

struct PhysicsInformedOptions {
  PdeOptions pde = {};
  double length = 1;                    // x in [0, L]
  double t_end = 1;                     // t in [0, T]
  std::int64_t residual_points = 2500;  // R per function and step (reference: 2500)
  std::int64_t boundary_points = 100;   // B per function and step (reference: 100); 0: no boundary term
  double residual_weight = 1, ic_weight = 20, bc_weight = 1;  // reference: lambda = 20 on the IC
  std::int64_t batch = 20;                                    // functions per minibatch (all ranks together)
  std::uint64_t seed = 0;                                     // collocation points and minibatches

  // InputError naming where.<field>.
  void validate(const std::string& where) const;
};

// The three terms summed over a block of functions (each the function's
// mean), and their weighted total; all differentiable in the parameters.
struct PhysicsInformedTerms {
  torch::Tensor residual, initial, boundary, total;
};

class PhysicsInformedLoss {
public:
  // u0 (n, m): every training function at the sensors (m), positions in
  // [0, L]. InputError for mismatched shapes or options.
  PhysicsInformedLoss(DeepOnet model, torch::Tensor u0, torch::Tensor sensors, const PhysicsInformedOptions& options,
                      mpi::Comm comm, const std::string& where = "physics_informed");

  // The terms for the functions `indices` (global) at step `step`'s points.
  PhysicsInformedTerms terms(const std::vector<std::int64_t>& indices, std::int64_t step) const;

  // The loss callback: this rank's block of step's minibatch, divided by
  // the global minibatch size, backward() called; returns its value. Pass
  // std::ref(loss) to the loop (the sampler keeps the pass's order).
  double operator()(std::int64_t step);

  // Global mean terms of the last call (summed over ranks): residual,
  // initial, boundary.
  const std::vector<double>& last_terms() const { return last_; }

private:
  DeepOnet model_;
  torch::Tensor u0_, sensors_;
  PhysicsInformedOptions options_;
  mpi::Comm comm_;
  nn::MinibatchSampler sampler_;
  std::vector<double> last_ = {0, 0, 0};
};

}  // namespace structura::neural_operators
