#include "imaging/gaussian_blur.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"

namespace structura::imaging {

namespace F = torch::nn::functional;

GaussianBlur::GaussianBlur(std::int64_t height, std::int64_t width, double sigma, torch::Dtype dtype, double truncate,
                           const std::string& where)
    : height_(height), width_(width), sigma_(sigma), dtype_(dtype), self_(MPI_COMM_SELF) {
  require(height >= 1 && width >= 1, fmt::format("{}: image size {} x {} must be positive", where, height, width));
  require(std::isfinite(sigma) && sigma > 0, fmt::format("{}.sigma = {}: must be positive", where, sigma));
  require(std::isfinite(truncate) && truncate > 0, fmt::format("{}.truncate = {}: must be positive", where, truncate));
  require(dtype == torch::kFloat32 || dtype == torch::kFloat64, fmt::format("{}: dtype must be float32 or float64", where));
  radius_ = static_cast<std::int64_t>(truncate * sigma + 0.5);  // scipy.ndimage's rule
  const torch::Tensor i = torch::arange(-radius_, radius_ + 1, torch::kFloat64);
  const torch::Tensor g = torch::exp(-i.square() / (2 * sigma * sigma));
  kernel_ = (g / g.sum()).to(dtype);
  rows_ = kernel_.view({1, 1, 2 * radius_ + 1, 1});
  cols_ = kernel_.view({1, 1, 1, 2 * radius_ + 1});
}

void GaussianBlur::require_compatible(const torch::Tensor& t, const std::string& where) const {
  require(t.scalar_type() == dtype_ && t.device().is_cpu(),
          fmt::format("{}: this blur takes {} CPU tensors, got {} on {}", where, c10::toString(dtype_),
                      c10::toString(t.scalar_type()), t.device().str()));
}

torch::Tensor GaussianBlur::forward(const torch::Tensor& images) const {
  torch::NoGradGuard no_grad;
  const torch::Tensor down = F::conv2d(images, rows_, F::Conv2dFuncOptions().padding({radius_, 0}));
  return F::conv2d(down, cols_, F::Conv2dFuncOptions().padding({0, radius_}));
}

torch::Tensor GaussianBlur::adjoint(const torch::Tensor& data) const {
  torch::NoGradGuard no_grad;
  // The exact transpose of forward(): the two passes transposed, in reverse order.
  const torch::Tensor across = F::conv_transpose2d(data, cols_, F::ConvTranspose2dFuncOptions().padding({0, radius_}));
  return F::conv_transpose2d(across, rows_, F::ConvTranspose2dFuncOptions().padding({radius_, 0}));
}

}  // namespace structura::imaging
