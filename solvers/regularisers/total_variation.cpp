#include "regularisers/total_variation.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"

namespace structura::regularisers {

SmoothedTotalVariation::SmoothedTotalVariation(double eps, const std::string& where) : eps_(eps), where_(where) {
  require(std::isfinite(eps) && eps > 0, fmt::format("{}.eps = {}: must be positive", where, eps));
}

torch::Tensor SmoothedTotalVariation::forward(const torch::Tensor& x) {
  require_image_batch(x, where_);
  namespace F = torch::nn::functional;
  const std::int64_t h = x.size(2), w = x.size(3);
  // Differences padded with a zero last row / column.
  const torch::Tensor dy = F::pad(x.narrow(2, 1, h - 1) - x.narrow(2, 0, h - 1), F::PadFuncOptions({0, 0, 0, 1}));
  const torch::Tensor dx = F::pad(x.narrow(3, 1, w - 1) - x.narrow(3, 0, w - 1), F::PadFuncOptions({0, 1, 0, 0}));
  const torch::Tensor magnitude = (dy.square() + dx.square() + eps_ * eps_).sqrt() - eps_;
  return magnitude.sum({1, 2, 3}).unsqueeze(1);
}

}  // namespace structura::regularisers
