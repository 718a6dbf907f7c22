#include "neural_operators/spectral_conv.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "neural_operators/shape.hpp"

namespace structura::neural_operators {

namespace {

void require_positive(std::int64_t value, const std::string& where, const char* key) {
  if (value < 1) throw InputError(fmt::format("{}.{} = {}: expected at least 1", where, key, value));
}

// scale * (U[0,1) + i U[0,1)), stored as (..., 2) reals.
torch::Tensor initial_weight(std::vector<std::int64_t> shape, double scale) {
  shape.push_back(2);
  return scale * torch::rand(shape);
}

}  // namespace

SpectralConv1dImpl::SpectralConv1dImpl(std::int64_t in_channels, std::int64_t out_channels, std::int64_t modes,
                                       const std::string& where)
    : in_(in_channels), out_(out_channels), modes_(modes) {
  require_positive(in_channels, where, "in_channels");
  require_positive(out_channels, where, "out_channels");
  require_positive(modes, where, "modes");
  weight_ = register_parameter("weight", initial_weight({in_, out_, modes_}, 1.0 / static_cast<double>(in_ * out_)));
}

torch::Tensor SpectralConv1dImpl::complex_weight() const { return torch::view_as_complex(weight_); }

torch::Tensor SpectralConv1dImpl::forward(const torch::Tensor& x) {
  require(x.dim() == 3 && x.size(1) == in_,
          fmt::format("SpectralConv1d: expected (N, {}, X), got a tensor of sizes {}", in_, shape_of(x)));
  const std::int64_t points = x.size(2);
  const std::int64_t half = points / 2 + 1;  // rfft's length
  require(modes_ <= half, fmt::format("SpectralConv1d: modes = {} needs a grid of at least {} points, got {} "
                                      "(modes <= X/2 + 1)",
                                      modes_, 2 * (modes_ - 1), points));
  const torch::Tensor spectrum = torch::fft::rfft(x, c10::nullopt, -1).narrow(-1, 0, modes_);
  torch::Tensor kept = torch::einsum("bik,iok->bok", {spectrum, complex_weight()});
  if (modes_ < half) kept = torch::cat({kept, torch::zeros({x.size(0), out_, half - modes_}, kept.options())}, -1);
  return torch::fft::irfft(kept, points, -1);
}

SpectralConv2dImpl::SpectralConv2dImpl(std::int64_t in_channels, std::int64_t out_channels, std::int64_t modes_x,
                                       std::int64_t modes_y, const std::string& where)
    : in_(in_channels), out_(out_channels), modes_x_(modes_x), modes_y_(modes_y) {
  require_positive(in_channels, where, "in_channels");
  require_positive(out_channels, where, "out_channels");
  require_positive(modes_x, where, "modes_x");
  require_positive(modes_y, where, "modes_y");
  const double scale = 1.0 / static_cast<double>(in_ * out_);
  low_ = register_parameter("weight_low", initial_weight({in_, out_, modes_x_, modes_y_}, scale));
  high_ = register_parameter("weight_high", initial_weight({in_, out_, modes_x_, modes_y_}, scale));
}

torch::Tensor SpectralConv2dImpl::complex_weight_low() const { return torch::view_as_complex(low_); }
torch::Tensor SpectralConv2dImpl::complex_weight_high() const { return torch::view_as_complex(high_); }

torch::Tensor SpectralConv2dImpl::forward(const torch::Tensor& x) {
  require(x.dim() == 4 && x.size(1) == in_,
          fmt::format("SpectralConv2d: expected (N, {}, X, Y), got a tensor of sizes {}", in_, shape_of(x)));
  const std::int64_t nx = x.size(2), ny = x.size(3), half = ny / 2 + 1;
  require(2 * modes_x_ <= nx && modes_y_ <= half,
          fmt::format("SpectralConv2d: modes ({}, {}) need 2 modes_x <= X and modes_y <= Y/2 + 1, got a {}x{} grid",
                      modes_x_, modes_y_, nx, ny));
  const torch::Tensor spectrum = torch::fft::rfftn(x, c10::nullopt, std::vector<std::int64_t>{-2, -1});
  auto block = [&](std::int64_t start, const torch::Tensor& w) {
    return torch::einsum("bixy,ioxy->boxy", {spectrum.narrow(2, start, modes_x_).narrow(3, 0, modes_y_), w});
  };
  const auto options = spectrum.options();
  const std::int64_t b = x.size(0);
  // Rows k_x: [0, mx) kept, [mx, nx - mx) zero, [nx - mx, nx) kept; columns k_y beyond modes_y zero.
  torch::Tensor rows =
      torch::cat({block(0, complex_weight_low()), torch::zeros({b, out_, nx - 2 * modes_x_, modes_y_}, options),
                  block(nx - modes_x_, complex_weight_high())},
                 2);
  if (modes_y_ < half) rows = torch::cat({rows, torch::zeros({b, out_, nx, half - modes_y_}, options)}, 3);
  return torch::fft::irfftn(rows, std::vector<std::int64_t>{nx, ny}, std::vector<std::int64_t>{-2, -1});
}

}  // namespace structura::neural_operators
