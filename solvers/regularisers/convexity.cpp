#include "regularisers/convexity.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "regularisers/regulariser.hpp"

namespace structura::regularisers {

namespace {

struct ValueAndGradient {
  torch::Tensor value, gradient;  // (P) float64, (P, n) float64
};

ValueAndGradient evaluate(const ScalarFunction& f, const torch::Tensor& points) {
  torch::Tensor x = points.detach().clone().requires_grad_(true);
  torch::Tensor v = per_image(f(x));
  if (!v.requires_grad()) return {v.detach().to(torch::kFloat64), torch::zeros_like(x).flatten(1).to(torch::kFloat64)};
  // Items are independent, so the gradient of the sum is the per-item gradient.
  torch::Tensor g = torch::autograd::grad({v.sum()}, {x}, {}, /*retain_graph=*/false, /*create_graph=*/false,
                                          /*allow_unused=*/true)[0];
  if (!g.defined()) g = torch::zeros_like(x);  // f does not depend on x
  return {v.detach().to(torch::kFloat64), g.detach().flatten(1).to(torch::kFloat64)};
}

}  // namespace

ConvexityReport check_convexity(const ScalarFunction& f, const torch::Tensor& x, const torch::Tensor& y,
                                const ConvexityCheckOptions& options) {
  require(x.defined() && y.defined() && x.sizes() == y.sizes() && x.dim() >= 1,
          fmt::format("check_convexity: x and y must be pairs of the same shape, got {} and {}",
                      fmt::join(x.sizes().vec(), "x"), fmt::join(y.sizes().vec(), "x")));
  require(options.modulus >= 0 && std::isfinite(options.modulus),
          fmt::format("check_convexity: modulus must be a finite number >= 0, got {}", options.modulus));
  require(options.batch >= 1, fmt::format("check_convexity: batch must be >= 1, got {}", options.batch));
  const double rho = options.modulus, tol = options.relative_tolerance;
  ConvexityReport r;
  r.pairs = x.size(0);
  r.worst_midpoint = r.worst_monotonicity = -std::numeric_limits<double>::infinity();
  for (std::int64_t begin = 0; begin < r.pairs; begin += options.batch) {
    const std::int64_t n = std::min(options.batch, r.pairs - begin);
    const torch::Tensor xs = x.narrow(0, begin, n), ys = y.narrow(0, begin, n);
    const ValueAndGradient fx = evaluate(f, xs), fy = evaluate(f, ys);
    const torch::Tensor fm = per_image(f((0.5 * (xs + ys)).detach())).detach().to(torch::kFloat64);
    for (const torch::Tensor* t : {&fx.value, &fy.value, &fm, &fx.gradient, &fy.gradient})
      if (!torch::isfinite(*t).all().item<bool>())
        throw NumericalError(fmt::format("check_convexity: the function or its gradient is not finite on pairs {}..{}",
                                         begin, begin + n - 1));
    const torch::Tensor d = (xs - ys).detach().flatten(1).to(torch::kFloat64);
    const torch::Tensor d2 = d.square().sum(1);
    const torch::Tensor gxd = (fx.gradient * d).sum(1), gyd = (fy.gradient * d).sum(1);
    const torch::Tensor mid = fm - 0.5 * (fx.value + fy.value);  // <= 0 for convex f
    const torch::Tensor mono = -(gxd - gyd);                     // <= 0 for convex f
    const torch::Tensor mid_slack = mid - rho / 8 * d2, mono_slack = mono - rho * d2;
    const torch::Tensor mid_scale = fx.value.abs() + fy.value.abs() + 2 * fm.abs();
    const torch::Tensor mono_scale = gxd.abs() + gyd.abs();
    r.midpoint_violations += (mid_slack > tol * mid_scale).sum().item<std::int64_t>();
    r.monotonicity_violations += (mono_slack > tol * mono_scale).sum().item<std::int64_t>();
    r.worst_midpoint = std::max(r.worst_midpoint, mid_slack.max().item<double>());
    r.worst_monotonicity = std::max(r.worst_monotonicity, mono_slack.max().item<double>());
    const torch::Tensor safe = d2.clamp_min(std::numeric_limits<double>::min());
    r.needed_modulus =
        std::max({r.needed_modulus, (8 * mid / safe).max().item<double>(), (mono / safe).max().item<double>()});
  }
  if (r.pairs == 0) r.worst_midpoint = r.worst_monotonicity = 0;
  return r;
}

std::pair<torch::Tensor, torch::Tensor> random_pairs(std::int64_t count, torch::IntArrayRef shape, double scale,
                                                     std::uint64_t seed, torch::ScalarType dtype) {
  require(count >= 1, fmt::format("random_pairs: count must be >= 1, got {}", count));
  std::vector<std::int64_t> sizes{count};
  sizes.insert(sizes.end(), shape.begin(), shape.end());
  at::Generator gen = at::detail::createCPUGenerator(seed);
  const auto o = torch::TensorOptions().dtype(dtype);
  torch::Tensor x = torch::randn(sizes, gen, o) * scale;
  torch::Tensor y = torch::randn(sizes, gen, o) * scale;
  return {x, y};
}

std::pair<torch::Tensor, torch::Tensor> nearby_pairs(std::int64_t count, torch::IntArrayRef shape, double scale,
                                                     double distance, std::uint64_t seed, torch::ScalarType dtype) {
  auto [x, step] = random_pairs(count, shape, 1.0, seed, dtype);
  return {x * scale, x * scale + step * distance};
}

}  // namespace structura::regularisers
