// Gradient descent on the variational energy of problem.hpp,
//   E_i(x) = ‖A x − y_i‖² + λ R(x),
// for a batch of independent images from a given start (the caller passes
// the FBP), with a fixed step or Armijo backtracking per image:
//   fixed    x ← x − s ∇E(x)                (monotone for s < 2/L, L = Lip(∇E))
//   Armijo   x ← x − t ∇E(x), t the first of t₀, βt₀, β²t₀ ... with
//            E(x − t∇E) <= E(x) − c t ‖∇E‖²   (never increases E),
//            t₀ = min(step, t_prev / β): one growth per iteration, capped.
// Every image has its own step, stop and counters, so a result does not
// depend on which other images share the batch (nor on the rank count: the
// energies are global, the same on every rank).
//
// Stops, per image: the iteration budget; ‖∇E‖ <= gradient_tolerance; with
// backtracking, no decrease within max_backtracks. The truth (if given) is
// used for PSNR only, unless oracle_stop is asked for: then an image stops
// as soon as its distance to the truth grows, keeping the previous iterate
// (the AR code's log_minimum). Such a result used the truth and says so
// (GradientDescentResult::oracle): every table showing it must label it.
//
// Failures: a non-finite energy or gradient, or an energy that rose by more
// than blowup_factor · max(|E(start)|, 1e-12) (a fixed step too large), is a
// NumericalError naming the image and the iteration.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "variational/history.hpp"
#include "variational/problem.hpp"

namespace structura::variational {

enum class StepRule { Fixed, Armijo };

struct GradientDescentOptions {
  int iterations = 100;          // at most; >= 1
  double step = 0;               // s (fixed) or t₀ (Armijo); > 0, required
  StepRule rule = StepRule::Fixed;
  double armijo_c = 1e-4;        // sufficient-decrease constant, in (0, 1)
  double shrink = 0.5;           // β, in (0, 1)
  int max_backtracks = 40;       // >= 1
  double gradient_tolerance = 0; // >= 0; 0: never
  bool oracle_stop = false;      // needs a truth; see the header comment
  double blowup_factor = 1e6;    // > 0
  IterationPoll poll{};

  void validate(const std::string& where) const;  // InputError naming where.<field>
};

struct GradientDescentResult {
  torch::Tensor x;              // (N, 1, H, W), the start's dtype and device
  // One row per iterate x_0 (the start) .. x_K, K = rows - 1, float64 (K+1, N):
  torch::Tensor energy;         // E(x_k)
  torch::Tensor gradient_norm;  // ‖∇E(x_k)‖
  torch::Tensor psnr;           // against the truth; undefined without one
  torch::Tensor step;           // (K, N): the step taken from x_k (0: the image did not move)
  std::vector<int> iterations;  // per image: updates made
  std::vector<StopReason> stop; // per image
  bool oracle = false;          // oracle_stop was on: the truth could stop iterations
};

// start, truth: (N, 1, H, W) for the problem's operator and batch.
// InputError naming "start", "truth" or "options.<field>". Collective.
GradientDescentResult gradient_descent(const Problem& problem, const torch::Tensor& start,
                                       const GradientDescentOptions& options, const torch::Tensor& truth = {});

}  // namespace structura::variational
