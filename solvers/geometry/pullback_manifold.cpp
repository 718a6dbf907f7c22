#include "geometry/pullback_manifold.hpp"

#include <fmt/format.h>

#include <utility>

#include "core/error.hpp"
#include "geometry/manifold_checks.hpp"

namespace structura::geometry {

PullbackManifold::PullbackManifold(const Diffeomorphism& phi, torch::Tensor variances, std::string where)
    : phi_(phi), dimension_(phi.dimension()), where_(std::move(where)) {
  variances_ = detail::checked_variances(variances, dimension_, where_ + ".variances");
}

void PullbackManifold::require_points(const torch::Tensor& x, const char* function, const char* argument) const {
  detail::require_batch(x, dimension_, fmt::format("{}.{}: {}", where_, function, argument));
}

void PullbackManifold::require_pair(const torch::Tensor& x, const torch::Tensor& other, const char* function,
                                    const char* other_name) const {
  detail::require_same_shape(other, x, fmt::format("{}.{}: {}", where_, function, other_name), "x");
}

torch::Tensor PullbackManifold::geodesic(const torch::Tensor& x, const torch::Tensor& y,
                                         const torch::Tensor& t) const {
  require_points(x, "geodesic", "x");
  require_pair(x, y, "geodesic", "y");
  require(t.defined() && t.dim() == 1 && t.size(0) >= 1,
          fmt::format("{}.geodesic: t: expected a 1-D tensor of times, got {}", where_, detail::shape_text(t)));
  const auto batch = x.size(0), times = t.size(0);
  const auto zx = phi_.forward(x).unsqueeze(1), zy = phi_.forward(y).unsqueeze(1);  // [B, 1, D]
  const auto s = t.to(x.options()).view({1, times, 1});
  const auto line = (1 - s) * zx + s * zy;                                         // [B, T, D]
  return phi_.inverse(line.reshape({batch * times, dimension_})).view({batch, times, dimension_});
}

torch::Tensor PullbackManifold::geodesic_velocity(const torch::Tensor& x, const torch::Tensor& y,
                                                  const torch::Tensor& t) const {
  require_points(x, "geodesic_velocity", "x");
  require_pair(x, y, "geodesic_velocity", "y");
  require(t.defined() && t.dim() == 1 && t.size(0) >= 1,
          fmt::format("{}.geodesic_velocity: t: expected a 1-D tensor of times, got {}", where_,
                      detail::shape_text(t)));
  const auto batch = x.size(0), times = t.size(0);
  const auto zx = phi_.forward(x).unsqueeze(1), zy = phi_.forward(y).unsqueeze(1);
  const auto s = t.to(x.options()).view({1, times, 1});
  const auto line = ((1 - s) * zx + s * zy).reshape({batch * times, dimension_});
  // The latent velocity φ(y) − φ(x) is the same at every t.
  const auto direction = (zy - zx).expand({batch, times, dimension_}).reshape({batch * times, 1, dimension_});
  return phi_.evaluate_inverse(line, direction).jv.view({batch, times, dimension_});
}

torch::Tensor PullbackManifold::exp(const torch::Tensor& x, const torch::Tensor& v) const {
  require_points(x, "exp", "x");
  require_pair(x, v, "exp", "v");
  const auto at_x = phi_.evaluate(x, v.unsqueeze(1));
  return phi_.inverse(at_x.z + at_x.jv.squeeze(1));
}

torch::Tensor PullbackManifold::log(const torch::Tensor& x, const torch::Tensor& y) const {
  require_points(x, "log", "x");
  require_pair(x, y, "log", "y");
  const auto zx = phi_.forward(x);
  return phi_.inverse_jvp(zx, phi_.forward(y) - zx);
}

torch::Tensor PullbackManifold::distance(const torch::Tensor& x, const torch::Tensor& y) const {
  require_points(x, "distance", "x");
  require_pair(x, y, "distance", "y");
  return ((phi_.forward(x) - phi_.forward(y)) / variances_like(x)).norm(2, {1});
}

torch::Tensor PullbackManifold::metric(const torch::Tensor& x) const {
  require_points(x, "metric", "x");
  const auto jacobian = phi_.jacobian(x);  // [B, D, D], row i = ∂φ_i/∂x
  const auto weights = variances_like(x).pow(-2).view({1, dimension_, 1});
  return torch::matmul(jacobian.transpose(1, 2), weights * jacobian);
}

torch::Tensor PullbackManifold::inner(const torch::Tensor& x, const torch::Tensor& u, const torch::Tensor& v) const {
  require_points(x, "inner", "x");
  require_pair(x, u, "inner", "u");
  require_pair(x, v, "inner", "v");
  const auto pushed = phi_.evaluate(x, torch::stack({u, v}, 1)).jv;  // [B, 2, D]
  const auto weights = variances_like(x).pow(-2);
  return (pushed.select(1, 0) * weights * pushed.select(1, 1)).sum(1);
}

torch::Tensor PullbackManifold::barycentre(const torch::Tensor& points) const {
  require_points(points, "barycentre", "points");
  return phi_.inverse(phi_.forward(points).mean(0, /*keepdim=*/true)).squeeze(0);
}

torch::Tensor PullbackManifold::parallel_transport(const torch::Tensor& x, const torch::Tensor& v,
                                                   const torch::Tensor& y) const {
  require_points(x, "parallel_transport", "x");
  require_pair(x, v, "parallel_transport", "v");
  require_pair(x, y, "parallel_transport", "y");
  return phi_.inverse_jvp(phi_.forward(y), phi_.jvp(x, v));
}

}  // namespace structura::geometry
