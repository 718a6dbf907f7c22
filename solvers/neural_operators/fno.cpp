#include "neural_operators/fno.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "neural_operators/shape.hpp"

namespace structura::neural_operators {

namespace {

void at_least(std::int64_t value, std::int64_t least, const std::string& where, const char* key) {
  if (value < least) throw InputError(fmt::format("{}.{} = {}: expected at least {}", where, key, value, least));
}

// The periodic grid i / n, i = 0 .. n-1, in dtype/device of `like`.
torch::Tensor periodic_grid(std::int64_t n, const torch::Tensor& like) {
  return torch::arange(n, like.options()) / static_cast<double>(n);
}

}  // namespace

void Fno1dOptions::validate(const std::string& where) const {
  at_least(points, 2, where, "points");
  at_least(modes, 1, where, "modes");
  at_least(width, 1, where, "width");
  at_least(layers, 1, where, "layers");
  at_least(projection, 1, where, "projection");
  if (modes > points / 2 + 1)
    throw InputError(fmt::format("{}.modes = {}: a grid of {} points has only {} rfft modes (modes <= points/2 + 1)",
                                 where, modes, points, points / 2 + 1));
}

Fno1dImpl::Fno1dImpl(const Fno1dOptions& options, const std::string& where) : options_(options) {
  options_.validate(where);
  const auto& o = options_;
  lift_ = register_module("lift", torch::nn::Linear(o.grid ? 2 : 1, o.width));
  for (std::int64_t k = 0; k < o.layers; ++k) {
    spectral_.push_back(
        register_module("spectral" + std::to_string(k), SpectralConv1d(o.width, o.width, o.modes, where)));
    pointwise_.push_back(register_module("pointwise" + std::to_string(k),
                                         torch::nn::Conv1d(torch::nn::Conv1dOptions(o.width, o.width, 1))));
  }
  hidden_ = register_module("project_hidden", torch::nn::Linear(o.width, o.projection));
  out_ = register_module("project_out", torch::nn::Linear(o.projection, 1));
}

torch::Tensor Fno1dImpl::forward(const torch::Tensor& u0) {
  require(u0.dim() == 2, fmt::format("Fno1d: expected u0 of shape (N, X), got sizes {}", shape_of(u0)));
  const std::int64_t n = u0.size(0), points = u0.size(1);
  require(options_.modes <= points / 2 + 1,
          fmt::format("Fno1d: modes = {} needs modes <= X/2 + 1, got X = {}", options_.modes, points));
  torch::Tensor v = u0.unsqueeze(-1);  // (N, X, 1)
  if (options_.grid) v = torch::cat({v, periodic_grid(points, u0).expand({n, points}).unsqueeze(-1)}, -1);
  v = lift_(v).permute({0, 2, 1});  // (N, width, X)
  for (std::size_t k = 0; k < spectral_.size(); ++k) {
    v = spectral_[k](v) + pointwise_[k](v);
    if (k + 1 < spectral_.size()) v = torch::gelu(v);
  }
  v = v.permute({0, 2, 1});  // (N, X, width)
  return out_(torch::gelu(hidden_(v))).squeeze(-1);
}

void Fno2dOptions::validate(const std::string& where) const {
  at_least(points_x, 2, where, "points_x");
  at_least(points_y, 2, where, "points_y");
  at_least(modes_x, 1, where, "modes_x");
  at_least(modes_y, 1, where, "modes_y");
  at_least(width, 1, where, "width");
  at_least(layers, 1, where, "layers");
  at_least(projection, 1, where, "projection");
  if (2 * modes_x > points_x)
    throw InputError(
        fmt::format("{}.modes_x = {}: the positive and negative blocks of {} rows overlap "
                    "(modes_x <= points_x/2)",
                    where, modes_x, points_x));
  if (modes_y > points_y / 2 + 1)
    throw InputError(
        fmt::format("{}.modes_y = {}: a grid of {} columns has only {} rfft modes "
                    "(modes_y <= points_y/2 + 1)",
                    where, modes_y, points_y, points_y / 2 + 1));
}

Fno2dImpl::Fno2dImpl(const Fno2dOptions& options, const std::string& where) : options_(options) {
  options_.validate(where);
  const auto& o = options_;
  lift_ = register_module("lift", torch::nn::Linear(o.grid ? 3 : 1, o.width));
  for (std::int64_t k = 0; k < o.layers; ++k) {
    spectral_.push_back(
        register_module("spectral" + std::to_string(k), SpectralConv2d(o.width, o.width, o.modes_x, o.modes_y, where)));
    pointwise_.push_back(register_module("pointwise" + std::to_string(k),
                                         torch::nn::Conv2d(torch::nn::Conv2dOptions(o.width, o.width, 1))));
  }
  hidden_ = register_module("project_hidden", torch::nn::Linear(o.width, o.projection));
  out_ = register_module("project_out", torch::nn::Linear(o.projection, 1));
}

torch::Tensor Fno2dImpl::forward(const torch::Tensor& u0) {
  require(u0.dim() == 3, fmt::format("Fno2d: expected u0 of shape (N, X, Y), got sizes {}", shape_of(u0)));
  const std::int64_t n = u0.size(0), nx = u0.size(1), ny = u0.size(2);
  require(2 * options_.modes_x <= nx && options_.modes_y <= ny / 2 + 1,
          fmt::format("Fno2d: modes ({}, {}) need 2 modes_x <= X and modes_y <= Y/2 + 1, got a {}x{} grid",
                      options_.modes_x, options_.modes_y, nx, ny));
  torch::Tensor v = u0.unsqueeze(-1);  // (N, X, Y, 1)
  if (options_.grid) {
    const torch::Tensor gx = periodic_grid(nx, u0).view({1, nx, 1, 1}).expand({n, nx, ny, 1});
    const torch::Tensor gy = periodic_grid(ny, u0).view({1, 1, ny, 1}).expand({n, nx, ny, 1});
    v = torch::cat({v, gx, gy}, -1);
  }
  v = lift_(v).permute({0, 3, 1, 2});  // (N, width, X, Y)
  for (std::size_t k = 0; k < spectral_.size(); ++k) {
    v = spectral_[k](v) + pointwise_[k](v);
    if (k + 1 < spectral_.size()) v = torch::gelu(v);
  }
  v = v.permute({0, 2, 3, 1});  // (N, X, Y, width)
  return out_(torch::gelu(hidden_(v))).squeeze(-1);
}

}  // namespace structura::neural_operators
