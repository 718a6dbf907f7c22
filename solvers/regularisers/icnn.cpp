#include "regularisers/icnn.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"
#include "regularisers/lipschitz.hpp"

namespace structura::regularisers {

void IcnnOptions::validate(const std::string& where) const {
  auto positive = [&](const char* key, std::int64_t value) {
    if (value < 1) throw InputError(fmt::format("{}.{} = {}: expected at least 1", where, key, value));
  };
  positive("in_channels", in_channels);
  positive("layers", layers);
  positive("channels", channels);
  if (kernel < 1 || kernel % 2 == 0)
    throw InputError(fmt::format("{}.kernel = {}: expected an odd size >= 1 (same padding)", where, kernel));
  if (!(leaky_slope >= 0 && leaky_slope <= 1))
    throw InputError(
        fmt::format("{}.leaky_slope = {}: expected a slope in [0, 1] (convex and non-decreasing)", where, leaky_slope));
  if (!(init_scale >= 0 && std::isfinite(init_scale)))
    throw InputError(fmt::format("{}.init_scale = {}: expected a finite number >= 0", where, init_scale));
}

Icnn::Icnn(const IcnnOptions& options, const std::string& where) : options_(options) {
  options_.validate(where);
  const auto& o = options_;
  auto conv = [&](std::int64_t in, std::int64_t out, bool bias) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, o.kernel).padding(o.kernel / 2).bias(bias));
  };
  for (std::int64_t k = 0; k <= o.layers; ++k)
    wx_.push_back(register_module("wx" + std::to_string(k), conv(o.in_channels, o.channels, true)));
  for (std::int64_t k = 0; k < o.layers; ++k)
    wz_.push_back(register_module("wz" + std::to_string(k), conv(o.channels, o.channels, false)));
  out_ = register_module("out", conv(o.channels, 1, false));
  torch::NoGradGuard no_grad;
  for (auto& w : constrained_weights()) w.uniform_(0, o.init_scale);
}

std::vector<torch::Tensor> Icnn::constrained_weights() const {
  std::vector<torch::Tensor> w;
  for (const auto& c : wz_) w.push_back(c->weight);
  w.push_back(out_->weight);
  return w;
}

torch::Tensor Icnn::output_map(const torch::Tensor& x) {
  require(x.dim() == 4 && x.size(1) == options_.in_channels,
          fmt::format("Icnn::forward: expected (N, {}, H, W), got {} dimensions with {} channels", options_.in_channels,
                      x.dim(), x.dim() > 1 ? x.size(1) : 0));
  const auto act = torch::nn::functional::LeakyReLUFuncOptions().negative_slope(options_.leaky_slope);
  torch::Tensor z = torch::nn::functional::leaky_relu(wx_[0](x), act);
  for (std::size_t k = 0; k < wz_.size(); ++k) z = torch::nn::functional::leaky_relu(wz_[k](z) + wx_[k + 1](x), act);
  return out_(z);  // (N, 1, H, W)
}

torch::Tensor Icnn::forward(const torch::Tensor& x) { return output_map(x).mean({2, 3}); }  // -> (N, 1)

std::int64_t Icnn::receptive_radius() const { return (options_.layers + 2) * (options_.kernel / 2); }

torch::Tensor Icnn::density(const torch::Tensor& x, std::int64_t height, std::int64_t width) {
  return output_map(x) / (static_cast<double>(height) * static_cast<double>(width));
}

void Icnn::project_weights() {
  torch::NoGradGuard no_grad;
  for (auto& w : constrained_weights()) w.clamp_min_(0);
}

torch::Tensor Icnn::gradient_bound(std::int64_t height, std::int64_t width) const {
  require(height >= 1 && width >= 1,
          fmt::format("Icnn::gradient_bound: image size {}x{} must be positive", height, width));
  torch::NoGradGuard no_grad;
  const std::int64_t pad = options_.kernel / 2;
  auto adjoint = [pad](const torch::Tensor& d, const torch::nn::Conv2d& conv) {
    return torch::conv_transpose2d(d, conv->weight.detach().abs().to(torch::kFloat64), {}, 1, pad);
  };
  torch::Tensor d = torch::full({1, 1, height, width}, 1.0 / (static_cast<double>(height) * width), torch::kFloat64);
  d = adjoint(d, out_);  // D_L
  torch::Tensor g = adjoint(d, wx_.back());
  for (std::size_t k = wz_.size(); k-- > 0;) {
    d = adjoint(d, wz_[k]);  // D_k
    g = g + adjoint(d, wx_[k]);
  }
  return g;
}

double Icnn::lipschitz_bound(std::int64_t height, std::int64_t width) const {
  return gradient_bound(height, width).norm().item<double>();
}

}  // namespace structura::regularisers
