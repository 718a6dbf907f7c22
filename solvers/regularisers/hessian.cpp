#include "regularisers/hessian.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "regularisers/regulariser.hpp"

namespace structura::regularisers {

namespace {

// Per item: (P, ...) -> (P), the inner product over the remaining dimensions.
torch::Tensor item_dot(const torch::Tensor& a, const torch::Tensor& b) { return (a * b).flatten(1).sum(1); }

torch::Tensor normalised(const torch::Tensor& v) {
  const torch::Tensor n = v.flatten(1).norm(2, 1).clamp_min(1e-300);
  std::vector<std::int64_t> shape(static_cast<std::size_t>(v.dim()), 1);
  shape[0] = v.size(0);
  return v / n.view(shape);
}

}  // namespace

CurvatureEstimate hessian_extreme_eigenvalues(const ScalarFunction& f, const torch::Tensor& x, int iterations,
                                              std::uint64_t seed) {
  require(iterations >= 1, fmt::format("hessian_extreme_eigenvalues: iterations must be >= 1, got {}", iterations));
  require(x.defined() && x.dim() >= 1, "hessian_extreme_eigenvalues: expected points (P, ...)");
  torch::Tensor p = x.detach().clone().requires_grad_(true);
  const torch::Tensor value = per_image(f(p));
  // The gradient once, kept in the graph; each product differentiates <g, v>.
  const torch::Tensor g = torch::autograd::grad({value.sum()}, {p}, {}, /*retain_graph=*/true,
                                                /*create_graph=*/true)[0];
  auto hvp = [&](const torch::Tensor& v) {
    return torch::autograd::grad({(g * v).sum()}, {p}, {}, /*retain_graph=*/true, /*create_graph=*/false,
                                 /*allow_unused=*/true)[0];
  };
  auto product = [&](const torch::Tensor& v) {
    if (!g.requires_grad()) return torch::zeros_like(v);  // a constant gradient
    torch::Tensor h = hvp(v);
    return h.defined() ? h.detach() : torch::zeros_like(v);  // a function affine in x
  };
  auto [start, unused] = random_pairs(x.size(0), x.sizes().slice(1), 1.0, seed, x.scalar_type());
  torch::Tensor v = normalised(start);
  torch::Tensor radius;
  for (int k = 0; k < iterations; ++k) {
    const torch::Tensor h = product(v);
    radius = h.flatten(1).norm(2, 1);  // |H v| -> the spectral radius
    v = normalised(h + 1e-300 * v);
  }
  std::vector<std::int64_t> shape(static_cast<std::size_t>(x.dim()), 1);
  shape[0] = x.size(0);
  const torch::Tensor shift = radius.view(shape);
  v = normalised(start);
  for (int k = 0; k < iterations; ++k) v = normalised(shift * v - product(v));
  CurvatureEstimate e;
  e.smallest = item_dot(v, product(v)).to(torch::kFloat64);
  e.largest = radius.to(torch::kFloat64);
  if (!torch::isfinite(e.smallest).all().item<bool>() || !torch::isfinite(e.largest).all().item<bool>())
    throw NumericalError("hessian_extreme_eigenvalues: the Hessian products are not finite at the points");
  return e;
}

}  // namespace structura::regularisers
