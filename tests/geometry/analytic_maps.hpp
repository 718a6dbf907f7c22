// Diffeomorphisms with closed forms for the manifold tests: every product is
// written out by hand, so the pullback manifold is checked against maps
// whose inverse and Jacobian do not come from the code under test.
//
// ShearRotation: φ(x) = R (σ ⊙ s(x)) + b with the triangular shear
//   s_i(x) = x_i − c_i f(x_{i+1}) (i < D),  s_D(x) = x_D,
// f(u) = u² or sin(2u). In 2-D with R = I, σ = 1, b = 0 it is the banana
// (c = 1/9, f = u²) or the river (c = 1, f = sin 2u) of datasets/planar_sets.
// Unit-triangular shear, so log|det Dφ| = Σ log σ_i.
//
// LinearMap: φ(x) = M x + b, M invertible.
#pragma once
#include <torch/torch.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "geometry/diffeomorphism.hpp"

namespace structura::geometry::testing {

inline const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);

inline double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

enum class ShearProfile { square, sine };

class ShearRotation : public Diffeomorphism {
public:
  // c [D−1], sigma [D] (> 0), rotation [D, D] orthogonal, shift [D]; float64.
  ShearRotation(ShearProfile profile, torch::Tensor c, torch::Tensor sigma, torch::Tensor rotation,
                torch::Tensor shift)
      : profile_(profile), dimension_(sigma.size(0)) {
    c_ = register_parameter("c", c);
    log_sigma_ = register_parameter("log_sigma", sigma.log());
    rotation_ = register_buffer("rotation", rotation);
    shift_ = register_parameter("shift", shift);
  }

  std::int64_t dimension() const override { return dimension_; }

  FlowEvaluation evaluate(const torch::Tensor& x, const torch::Tensor& directions) const override {
    const auto sigma = log_sigma_.exp();
    std::vector<torch::Tensor> s(dimension_);
    for (std::int64_t i = 0; i < dimension_; ++i)
      s[i] = i + 1 < dimension_ ? x.select(1, i) - c_[i] * f(x.select(1, i + 1)) : x.select(1, i);
    FlowEvaluation out;
    out.z = torch::matmul(torch::stack(s, 1) * sigma, rotation_.t()) + shift_;
    out.log_det = log_sigma_.sum().expand({x.size(0)});
    if (directions.defined()) {
      std::vector<torch::Tensor> ds(dimension_);
      for (std::int64_t i = 0; i < dimension_; ++i)
        ds[i] = i + 1 < dimension_ ? directions.select(2, i) -
                                         c_[i] * df(x.select(1, i + 1)).unsqueeze(1) * directions.select(2, i + 1)
                                   : directions.select(2, i);
      out.jv = torch::matmul(torch::stack(ds, 2) * sigma, rotation_.t());
    }
    return out;
  }

  FlowEvaluation evaluate_inverse(const torch::Tensor& z, const torch::Tensor& directions) const override {
    const auto sigma = log_sigma_.exp();
    const auto s = torch::matmul(z - shift_, rotation_) / sigma;
    std::vector<torch::Tensor> x(dimension_);
    x[dimension_ - 1] = s.select(1, dimension_ - 1);
    for (std::int64_t i = dimension_ - 2; i >= 0; --i) x[i] = s.select(1, i) + c_[i] * f(x[i + 1]);
    FlowEvaluation out;
    out.z = torch::stack(x, 1);
    out.log_det = -log_sigma_.sum().expand({z.size(0)});
    if (directions.defined()) {
      const auto q = torch::matmul(directions, rotation_) / sigma;
      std::vector<torch::Tensor> v(dimension_);
      v[dimension_ - 1] = q.select(2, dimension_ - 1);
      for (std::int64_t i = dimension_ - 2; i >= 0; --i)
        v[i] = q.select(2, i) + c_[i] * df(x[i + 1]).unsqueeze(1) * v[i + 1];
      out.jv = torch::stack(v, 2);
    }
    return out;
  }

private:
  torch::Tensor f(const torch::Tensor& u) const { return profile_ == ShearProfile::square ? u * u : (2 * u).sin(); }
  torch::Tensor df(const torch::Tensor& u) const {
    return profile_ == ShearProfile::square ? 2 * u : 2 * (2 * u).cos();
  }

  ShearProfile profile_;
  std::int64_t dimension_;
  torch::Tensor c_, log_sigma_, rotation_, shift_;
};

class LinearMap : public Diffeomorphism {
public:
  LinearMap(torch::Tensor matrix, torch::Tensor shift) {
    matrix_ = register_buffer("matrix", matrix);
    inverse_ = register_buffer("inverse", torch::linalg::inv(matrix));
    shift_ = register_buffer("shift", shift);
    log_det_ = std::log(std::abs(torch::linalg::det(matrix).item<double>()));
  }
  std::int64_t dimension() const override { return matrix_.size(0); }

  FlowEvaluation evaluate(const torch::Tensor& x, const torch::Tensor& directions) const override {
    FlowEvaluation out;
    out.z = torch::matmul(x, matrix_.t()) + shift_;
    out.log_det = torch::full({x.size(0)}, log_det_, x.options());
    if (directions.defined()) out.jv = torch::matmul(directions, matrix_.t());
    return out;
  }
  FlowEvaluation evaluate_inverse(const torch::Tensor& z, const torch::Tensor& directions) const override {
    FlowEvaluation out;
    out.z = torch::matmul(z - shift_, inverse_.t());
    out.log_det = torch::full({z.size(0)}, -log_det_, z.options());
    if (directions.defined()) out.jv = torch::matmul(directions, inverse_.t());
    return out;
  }

private:
  torch::Tensor matrix_, inverse_, shift_;
  double log_det_ = 0;
};

// A fixed orthogonal D × D matrix (Q of the QR of a seeded Gaussian matrix).
inline torch::Tensor orthogonal(std::int64_t d, std::uint64_t seed) {
  torch::manual_seed(seed);
  const auto g = torch::randn({d, d}, f64);
  return std::get<0>(torch::linalg::qr(g));
}

// The 3-D maps the manifold tests use: both nonlinear couplings, an
// anisotropic scale, a rotation and a shift.
inline ShearRotation curved_map_3d(ShearProfile profile = ShearProfile::square) {
  const auto c = profile == ShearProfile::square ? torch::tensor({0.3, -0.2}, f64) : torch::tensor({0.6, -0.5}, f64);
  return ShearRotation(profile, c, torch::tensor({1.5, 0.7, 1.1}, f64), orthogonal(3, 7),
                       torch::tensor({0.2, -0.1, 0.4}, f64));
}

}  // namespace structura::geometry::testing
