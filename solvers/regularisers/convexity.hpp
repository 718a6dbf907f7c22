// Numerical checks of (weak) convexity on pairs of points, for a learned
// regulariser or a whole energy. f maps a batch (P, ...) to one value per
// item ((P) or (P, 1)), items independent; for each pair (x_i, y_i), d = x - y,
// m = (x + y)/2, and a modulus rho >= 0 (0: plain convexity):
//   midpoint      f(m) <= (f(x) + f(y))/2 + (rho/8)|d|^2
//   monotonicity  <grad f(x) - grad f(y), d> >= -rho |d|^2
// which are the two inequalities of the convexity of f + (rho/2)|x|^2
// (rho-weak convexity of f). Both are necessary conditions; a pass on many
// random pairs is evidence, a failure is a proof (up to the tolerance).
// A violation counts when its slack exceeds relative_tolerance times the
// size of the terms compared (|f(x)| + |f(y)| + 2|f(m)|, resp.
// |<grad f(x), d>| + |<grad f(y), d>|), so that rounding never counts.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>

namespace structura::regularisers {

using ScalarFunction = std::function<torch::Tensor(const torch::Tensor&)>;

struct ConvexityCheckOptions {
  double modulus = 0;                // rho: check f + (rho/2)|x|^2
  double relative_tolerance = 1e-9;  // float64; ~1e-4 for float32
  std::int64_t batch = 32;           // pairs evaluated per call of f
};

struct ConvexityReport {
  std::int64_t pairs = 0;
  std::int64_t midpoint_violations = 0, monotonicity_violations = 0;
  // The largest slacks (> 0: that inequality fails on some pair):
  //   f(m) - (f(x)+f(y))/2 - (rho/8)|d|^2   and   -<grad f(x) - grad f(y), d> - rho |d|^2
  double worst_midpoint = 0, worst_monotonicity = 0;
  // The smallest rho these pairs admit: max over pairs of
  // 8 (f(m) - (f(x)+f(y))/2) / |d|^2 and -<grad f(x) - grad f(y), d> / |d|^2,
  // clamped at 0. A lower bound of f's true weak-convexity modulus.
  double needed_modulus = 0;

  bool passed() const { return midpoint_violations == 0 && monotonicity_violations == 0; }
};

// x, y: (P, ...) with P pairs. InputError when the shapes differ.
ConvexityReport check_convexity(const ScalarFunction& f, const torch::Tensor& x, const torch::Tensor& y,
                                const ConvexityCheckOptions& options = {});

// `count` pairs of standard normal tensors of `shape` per item, times
// `scale`, from a generator seeded with `seed` (the same pairs on every call).
std::pair<torch::Tensor, torch::Tensor> random_pairs(std::int64_t count, torch::IntArrayRef shape, double scale,
                                                     std::uint64_t seed, torch::ScalarType dtype = torch::kFloat64);
// Pairs close together: x standard normal times `scale`, y = x + `distance`
// times another standard normal draw. Independent pairs straddle the whole
// range of a network and see mostly its large-scale (convex-looking) shape;
// short segments find local non-convexity (a concave kink, a region of
// negative curvature) that long ones average out.
std::pair<torch::Tensor, torch::Tensor> nearby_pairs(std::int64_t count, torch::IntArrayRef shape, double scale,
                                                     double distance, std::uint64_t seed,
                                                     torch::ScalarType dtype = torch::kFloat64);

}  // namespace structura::regularisers
