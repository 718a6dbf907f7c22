// The pullback manifold of a score-based density p(x) ∝ exp(−ψ(φ(x))) with
// ψ(z) = ½ zᵀ A⁻¹ z, A = diag(a) (issue 12 §1; Diepeveen et al., arXiv
// 2410.01950, and the reference code's DeformedGaussianPullbackManifold).
//
// The metric is the Euclidean one pulled back through F = ∇ψ∘φ = A⁻¹φ:
//   G(x) = DF(x)ᵀ DF(x) = Dφ(x)ᵀ A⁻² Dφ(x),
// the power −2 because ∇ψ(z) = A⁻¹z enters the metric twice (the reference
// code's inner product and distance both use A⁻¹φ). F is an isometry of
// (R^D, G) onto Euclidean R^D, so everything is in closed form:
//   geodesic  γ(t) = φ⁻¹((1 − t) φ(x) + t φ(y))  (A⁻¹ maps lines to lines)
//   velocity  γ'(t) = Dφ⁻¹(φ(γ(t))) (φ(y) − φ(x))
//   exp_x(v) = φ⁻¹(φ(x) + Dφ(x) v),  log_x(y) = Dφ⁻¹(φ(x)) (φ(y) − φ(x))
//   distance d(x, y) = ‖A⁻¹(φ(x) − φ(y))‖  (the length of γ under G)
//   barycentre of x_1..x_N = φ⁻¹(mean φ(x_i)): Σ d(p, x_i)² is the
//     quadratic Σ ‖A⁻¹(φ(p) − φ(x_i))‖² in φ(p), minimal at the mean,
//     whatever a is
//   parallel transport x → y: P v = Dφ⁻¹(φ(y)) Dφ(x) v  (A cancels; G is
//     flat, so transport is path-independent and this is also the
//     transport along γ).
// Assumption behind all of it: φ is a diffeomorphism of R^D onto R^D (onto a
// convex image would do), as affine coupling flows and the data sets'
// shears are. Tensors are batch-first: points and vectors [B, D].
//
// The manifold keeps a reference to φ (which must outlive it) and the
// variances as given, so results stay differentiable in φ's parameters and
// in a learned a.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "geometry/diffeomorphism.hpp"

namespace structura::geometry {

class PullbackManifold {
public:
  // InputError naming `<where>.variances` unless a is 1-D with φ's
  // dimension and every entry finite and > 0.
  PullbackManifold(const Diffeomorphism& phi, torch::Tensor variances, std::string where = "pullback_manifold");

  std::int64_t dimension() const { return dimension_; }
  const torch::Tensor& variances() const { return variances_; }
  const Diffeomorphism& diffeomorphism() const { return phi_; }

  // γ between the pairs (x_b, y_b) at times t [T]: [B, T, D].
  torch::Tensor geodesic(const torch::Tensor& x, const torch::Tensor& y, const torch::Tensor& t) const;
  // γ'(t) for the same: [B, T, D].
  torch::Tensor geodesic_velocity(const torch::Tensor& x, const torch::Tensor& y, const torch::Tensor& t) const;

  torch::Tensor exp(const torch::Tensor& x, const torch::Tensor& v) const;  // [B, D]
  torch::Tensor log(const torch::Tensor& x, const torch::Tensor& y) const;  // [B, D]
  torch::Tensor distance(const torch::Tensor& x, const torch::Tensor& y) const;  // [B]

  // G(x) [B, D, D].
  torch::Tensor metric(const torch::Tensor& x) const;
  // ⟨u, v⟩_G(x) = (Dφ u)ᵀ A⁻² (Dφ v): [B].
  torch::Tensor inner(const torch::Tensor& x, const torch::Tensor& u, const torch::Tensor& v) const;

  // The minimiser of Σ_i d(p, x_i)² over p, points [N, D] → [D].
  torch::Tensor barycentre(const torch::Tensor& points) const;

  // v [B, D] at x transported to y: [B, D].
  torch::Tensor parallel_transport(const torch::Tensor& x, const torch::Tensor& v, const torch::Tensor& y) const;

private:
  void require_points(const torch::Tensor& x, const char* function, const char* argument) const;
  void require_pair(const torch::Tensor& x, const torch::Tensor& other, const char* function,
                    const char* other_name) const;
  torch::Tensor variances_like(const torch::Tensor& x) const { return variances_.to(x.options()); }

  const Diffeomorphism& phi_;
  std::int64_t dimension_;
  std::string where_;
  torch::Tensor variances_;
};

}  // namespace structura::geometry
