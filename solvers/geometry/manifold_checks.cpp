#include "geometry/manifold_checks.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace structura::geometry::detail {

std::string shape_text(const torch::Tensor& t) {
  if (!t.defined()) return "undefined";
  std::string out = "[";
  for (std::int64_t k = 0; k < t.dim(); ++k) out += (k ? ", " : "") + std::to_string(t.size(k));
  return out + "]";
}

torch::Tensor checked_variances(const torch::Tensor& a, std::int64_t dimension, const std::string& name) {
  require(a.defined(), fmt::format("{}: the variances are missing", name));
  require(a.dim() == 1 && a.size(0) == dimension,
          fmt::format("{}: expected a 1-D tensor of {} variances (the flow's dimension), got shape {}", name,
                      dimension, shape_text(a)));
  require(a.is_floating_point(), fmt::format("{}: expected a floating-point tensor", name));
  const auto values = a.detach().to(torch::kCPU, torch::kFloat64);
  require(values.isfinite().all().item<bool>(), fmt::format("{}: every variance must be finite", name));
  const double smallest = values.min().item<double>();
  require(smallest > 0, fmt::format("{}: every variance must be > 0, the smallest is {}", name, smallest));
  return a;
}

void require_batch(const torch::Tensor& x, std::int64_t dimension, const std::string& name) {
  require(x.defined(), fmt::format("{}: the tensor is missing", name));
  require(x.dim() == 2 && x.size(1) == dimension && x.size(0) >= 1,
          fmt::format("{}: expected shape [B, {}] with B >= 1, got {}", name, dimension, shape_text(x)));
}

void require_same_shape(const torch::Tensor& other, const torch::Tensor& x, const std::string& name,
                        const std::string& x_name) {
  require(other.defined() && other.sizes() == x.sizes(),
          fmt::format("{}: expected the shape of {} {}, got {}", name, x_name, shape_text(x), shape_text(other)));
}

}  // namespace structura::geometry::detail
