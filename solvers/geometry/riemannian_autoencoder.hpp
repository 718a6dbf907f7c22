// The Riemannian autoencoder of a pullback manifold with ψ(z) = ½ zᵀ A⁻¹ z
// (issue 12 §1; Diepeveen et al., arXiv 2410.01950; the reference code's
// DeformedGaussianRiemannianAutoencoder). The latent coordinates of φ are
// independent N(0, a_i) under the model, so the directions with small a_i
// carry little of the data's spread:
//   sort a decreasing, a_(1) ≥ … ≥ a_(D);
//   d_ε = the smallest d in 1..D−1 with Σ_{i>d} a_(i) ≤ ε Σ a, else D;
//   achieved ε = Σ_{i>d_ε} a_(i) / Σ a (0 when d_ε = D);
//   encode(x) = the d_ε coordinates of φ(x) with the largest a, unscaled,
//     largest first (as the reference: no division by √a);
//   decode(c) = φ⁻¹ of c written into those coordinates, zeros elsewhere
//     (the latent mean of the discarded directions).
// Ties in a keep the lower coordinate index first (a stable sort).
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "geometry/diffeomorphism.hpp"

namespace structura::geometry {

// Which latent coordinates a reconstruction keeps first.
enum class CoordinateOrder { largest_first, smallest_first, random };

// "largest", "smallest" or "random"; InputError naming `key` otherwise.
CoordinateOrder parse_coordinate_order(std::string_view name, const std::string& key = "rae.order");

class RiemannianAutoencoder {
public:
  // InputError naming `<where>.epsilon` unless 0 < ε < 1, and
  // `<where>.variances` unless a is 1-D with φ's dimension, finite, > 0.
  // Keeps a reference to φ (which must outlive it); d_ε is fixed from the
  // values of a at construction.
  RiemannianAutoencoder(const Diffeomorphism& phi, const torch::Tensor& variances, double epsilon = 0.1,
                        std::string where = "rae");

  std::int64_t dimension() const { return dimension_; }
  std::int64_t latent_dimension() const { return latent_dimension_; }  // d_ε
  double epsilon() const { return epsilon_; }                          // the requested ε
  double achieved_epsilon() const { return achieved_epsilon_; }
  // Coordinates of φ sorted by decreasing a (int64 [D]); the first d_ε are kept.
  const torch::Tensor& coordinates_by_variance() const { return order_; }
  // a sorted decreasing (float64 [D], on the CPU).
  const torch::Tensor& sorted_variances() const { return sorted_; }

  torch::Tensor encode(const torch::Tensor& x) const;     // [B, D] → [B, d_ε]
  torch::Tensor decode(const torch::Tensor& code) const;  // [B, d_ε] → [B, D]
  torch::Tensor project(const torch::Tensor& x) const { return decode(encode(x)); }

  // Mean squared error (over points and coordinates) of x − φ⁻¹(φ(x) with
  // all but the first d coordinates of `order` set to zero), for
  // d = 1..D: float64 [D] on the CPU, entry d − 1 for d kept coordinates.
  // The random order is a permutation keyed by `seed` alone (counter-based
  // draws per coordinate, ties by index). Evaluation only: no gradients.
  torch::Tensor reconstruction_errors(const torch::Tensor& x, CoordinateOrder order, std::uint64_t seed = 0) const;

  // The coordinates in `order`: int64 [D].
  torch::Tensor coordinate_order(CoordinateOrder order, std::uint64_t seed = 0) const;

private:
  const Diffeomorphism& phi_;
  std::int64_t dimension_;
  std::string where_;
  double epsilon_;
  torch::Tensor sorted_, order_;
  std::int64_t latent_dimension_ = 0;
  double achieved_epsilon_ = 0;
};

}  // namespace structura::geometry
