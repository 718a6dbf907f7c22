#include "regularisers/iwcnn.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "regularisers/lipschitz.hpp"

namespace structura::regularisers {

void SmoothNetOptions::validate(const std::string& where) const {
  if (layers < 1) throw InputError(fmt::format("{}.layers = {}: expected at least 1", where, layers));
  if (channels < 1) throw InputError(fmt::format("{}.channels = {}: expected at least 1", where, channels));
  if (kernel < 1 || kernel % 2 == 0)
    throw InputError(fmt::format("{}.kernel = {}: expected an odd size >= 1 (same padding)", where, kernel));
}

void IwcnnOptions::validate(const std::string& where) const {
  smooth.validate(where + ".smooth");
  IcnnOptions i = icnn;
  i.in_channels = smooth.channels;
  i.validate(where + ".icnn");
  if (!std::isfinite(l2_weight_init))
    throw InputError(fmt::format("{}.l2_weight_init = {}: expected a finite number", where, l2_weight_init));
}

Iwcnn::Iwcnn(const IwcnnOptions& options, const std::string& where) : options_(options) {
  options_.icnn.in_channels = options_.smooth.channels;
  options_.validate(where);
  const auto& s = options_.smooth;
  std::int64_t in = 1;
  for (std::int64_t k = 0; k < s.layers; ++k) {
    smooth_.push_back(
        register_module("smooth" + std::to_string(k),
                        torch::nn::Conv2d(torch::nn::Conv2dOptions(in, s.channels, s.kernel).padding(s.kernel / 2))));
    in = s.channels;
  }
  icnn_ = register_module("icnn", std::make_shared<Icnn>(options_.icnn, where + ".icnn"));
  l2_weight_ = register_parameter("l2_weight", torch::full({1}, options_.l2_weight_init));
}

torch::Tensor Iwcnn::smooth(const torch::Tensor& x) {
  torch::Tensor h = x;
  for (auto& conv : smooth_) h = torch::silu(conv(h));
  return h;
}

torch::Tensor Iwcnn::forward(const torch::Tensor& x) {
  require_image_batch(x, "Iwcnn::forward");
  return icnn_->forward(smooth(x)) +
         torch::nn::functional::softplus(l2_weight_) * x.square().sum({1, 2, 3}).unsqueeze(1);
}

std::int64_t Iwcnn::receptive_radius() const {
  return icnn_->receptive_radius() + options_.smooth.layers * (options_.smooth.kernel / 2);
}

torch::Tensor Iwcnn::density(const torch::Tensor& x, std::int64_t height, std::int64_t width) {
  require_image_batch(x, "Iwcnn::density");
  return icnn_->density(smooth(x), height, width) + torch::nn::functional::softplus(l2_weight_) * x.square();
}

double Iwcnn::composition_curvature(std::int64_t height, std::int64_t width) const {
  torch::NoGradGuard no_grad;
  const std::int64_t pad = options_.smooth.kernel / 2;
  // Lipschitz bounds L_{k-1} of the inputs of every layer.
  std::vector<double> lipschitz{1.0};
  for (const auto& conv : smooth_) lipschitz.push_back(kSiluSlopeBound * conv_norm_bound(conv->weight) * lipschitz.back());
  torch::Tensor w = icnn_->gradient_bound(height, width);  // (1, channels, H, W)
  double curvature = 0;
  for (std::size_t k = smooth_.size(); k-- > 0;) {
    // |Kᵀ diag(w φ'') K| <= |Kᵀ diag(c) K| = |diag(c)^½ K|², c_o = g₂ max_pixels |w_o|
    // per output channel: a convolution again, with its rows scaled.
    const torch::Tensor weight = smooth_[k]->weight.detach().to(torch::kFloat64);
    const torch::Tensor c = kSiluCurvatureBound * w.abs().amax({0, 2, 3});
    const double scaled = conv_norm_bound(weight * c.sqrt().view({-1, 1, 1, 1}));
    curvature += scaled * scaled * lipschitz[k] * lipschitz[k];
    w = kSiluSlopeBound * torch::conv_transpose2d(w, weight.abs(), {}, 1, pad);
  }
  return curvature;
}

double Iwcnn::weak_convexity_modulus(std::int64_t height, std::int64_t width) const {
  torch::NoGradGuard no_grad;
  const double c = torch::nn::functional::softplus(l2_weight_.detach().to(torch::kFloat64)).item<double>();
  return std::max(0.0, composition_curvature(height, width) - 2 * c);
}

}  // namespace structura::regularisers
