// Small CT problems and analytic regularisers for the variational solver
// tests: 16² images on [-1, 1]², parallel beam, a disc-and-square phantom,
// seeded Gaussian noise; regularisers whose curvature constants are known
// in closed form, so step sizes and tolerances follow from theory.
#pragma once

#include <cmath>
#include <cstdint>

#include "beams.hpp"
#include "regularisers/acr.hpp"
#include "torch_doctest.hpp"
#include "variational/problem.hpp"

namespace structura::variational::testing {

inline tomography::ImageGeometry small_image(int n = 16) {
  tomography::ImageGeometry im;
  im.nx = n;
  im.ny = n;
  im.width = 2.0;
  im.height = 2.0;
  return im;
}

// Detectors cover the image's diagonal (2√2).
inline tomography::BeamGeometry small_beam(int angles = 12, int detectors = 23) {
  return tomography::testing::parallel_beam(angles, detectors, 3.0 / detectors, 0.01);
}

// (n_images, 1, n, n) float64: a disc and a square whose positions and
// values move with the image index.
inline torch::Tensor phantoms(std::int64_t n_images, int n = 16) {
  const auto c = (torch::arange(n, torch::kFloat64) + 0.5) / n * 2 - 1;
  const auto yy = c.view({n, 1}).expand({n, n}), xx = c.view({1, n}).expand({n, n});
  std::vector<torch::Tensor> out;
  for (std::int64_t i = 0; i < n_images; ++i) {
    const double s = 0.1 * static_cast<double>(i);
    auto img = 0.8 * ((xx - 0.2 + s).pow(2) + (yy + 0.1).pow(2) < 0.3).to(torch::kFloat64);
    img = img + 0.5 * ((xx + 0.4).abs() < 0.2 + 0.05 * s).logical_and((yy - 0.4 + s).abs() < 0.2).to(torch::kFloat64);
    out.push_back(img.view({1, 1, n, n}));
  }
  return torch::cat(out);
}

// Seeded noise of relative level `level` (of the data's RMS), the same on every rank.
inline torch::Tensor noisy(const torch::Tensor& clean, double level, std::uint64_t seed) {
  torch::manual_seed(seed);
  const double rms = clean.pow(2).mean().sqrt().item<double>();
  return clean + level * rms * torch::randn(clean.sizes(), clean.options());
}

// Lorentzian R(x) = Σ log(1 + x²/δ) per image: smooth, not convex, with
// R'' = 2δ(δ − x²)/(δ + x²)² in [−1/(4δ), 2/δ]: L_R = 2/δ, ρ = 1/(4δ).
struct Lorentzian {
  double delta;
  torch::Tensor operator()(const torch::Tensor& x) const { return torch::log1p(x.pow(2) / delta).flatten(1).sum(1); }
  double lipschitz() const { return 2 / delta; }
  double weak_convexity() const { return 1 / (4 * delta); }
};

// Smoothed total variation plus a quadratic, convex and (μ)-strongly convex:
// R(x) = Σ sqrt(δ² + |∇x|²) + (μ/2)‖x‖², ∇ the unscaled forward differences
// (zero in the last column/row), ‖∇‖² <= 8, so L_R <= 8/δ + μ.
struct SmoothTv {
  double delta, mu;
  torch::Tensor operator()(const torch::Tensor& x) const {
    namespace F = torch::nn::functional;
    const auto dc = F::pad(x.narrow(3, 1, x.size(3) - 1) - x.narrow(3, 0, x.size(3) - 1),
                           F::PadFuncOptions({0, 1, 0, 0}));
    const auto dr = F::pad(x.narrow(2, 1, x.size(2) - 1) - x.narrow(2, 0, x.size(2) - 1),
                           F::PadFuncOptions({0, 0, 0, 1}));
    return (delta * delta + dc.pow(2) + dr.pow(2)).sqrt().flatten(1).sum(1) + 0.5 * mu * x.pow(2).flatten(1).sum(1);
  }
  double lipschitz() const { return 8 / delta + mu; }
};

// A small float64 ACR, strongly convex with modulus 2 softplus(q0) = 2 ln 2
// through its L2 term (q0 = 0 instead of the reference's -9), the ICNN and
// SFB at the reference's small initial weights (nearly affine, convex).
inline regularisers::AcrOptions small_acr() {
  regularisers::AcrOptions o;
  o.icnn.layers = 2;
  o.icnn.channels = 6;
  o.icnn.kernel = 3;
  o.banks = 2;
  o.filters = 4;
  o.filter_size = 3;
  o.l2_weight_init = 0;
  return o;
}

inline double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

}  // namespace structura::variational::testing
