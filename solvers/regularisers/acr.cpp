#include "regularisers/acr.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace structura::regularisers {

void AcrOptions::validate(const std::string& where) const {
  icnn.validate(where + ".icnn");
  if (icnn.in_channels != 1)
    throw InputError(
        fmt::format("{}.icnn.in_channels = {}: the ACR acts on single-channel images", where, icnn.in_channels));
  if (banks < 0) throw InputError(fmt::format("{}.banks = {}: expected >= 0", where, banks));
  if (filters < 1) throw InputError(fmt::format("{}.filters = {}: expected >= 1", where, filters));
  if (filter_size < 1 || filter_size % 2 == 0)
    throw InputError(fmt::format("{}.filter_size = {}: expected an odd size >= 1", where, filter_size));
  if (!std::isfinite(sfb_weight_init))
    throw InputError(fmt::format("{}.sfb_weight_init = {}: expected a finite number", where, sfb_weight_init));
  if (!std::isfinite(l2_weight_init))
    throw InputError(fmt::format("{}.l2_weight_init = {}: expected a finite number", where, l2_weight_init));
}

Acr::Acr(const AcrOptions& options, const std::string& where) : options_(options) {
  options_.validate(where);
  icnn_ = register_module("icnn", std::make_shared<Icnn>(options_.icnn, where + ".icnn"));
  for (std::int64_t b = 0; b < options_.banks; ++b)
    sfb_.push_back(register_module("sfb" + std::to_string(b),
                                   torch::nn::Conv2d(torch::nn::Conv2dOptions(1, options_.filters, options_.filter_size)
                                                         .padding(options_.filter_size / 2)
                                                         .bias(false))));
  sfb_weight_ = register_parameter("sfb_weight", torch::full({1}, options_.sfb_weight_init));
  l2_weight_ = register_parameter("l2_weight", torch::full({1}, options_.l2_weight_init));
}

torch::Tensor Acr::sfb_term(const torch::Tensor& x) {
  torch::Tensor total = torch::zeros({x.size(0), 1}, x.options());
  for (auto& conv : sfb_) total = total + conv(x).abs().sum({1, 2, 3}).unsqueeze(1);
  return torch::nn::functional::softplus(sfb_weight_) * total;
}

torch::Tensor Acr::l2_term(const torch::Tensor& x) {
  return torch::nn::functional::softplus(l2_weight_) * x.square().sum({1, 2, 3}).unsqueeze(1);
}

torch::Tensor Acr::forward(const torch::Tensor& x) {
  require_image_batch(x, "Acr::forward");
  return icnn_->forward(x) + sfb_term(x) + l2_term(x);
}

std::int64_t Acr::receptive_radius() const {
  return std::max(icnn_->receptive_radius(), options_.banks > 0 ? options_.filter_size / 2 : 0);
}

torch::Tensor Acr::density(const torch::Tensor& x, std::int64_t height, std::int64_t width) {
  require_image_batch(x, "Acr::density");
  torch::Tensor sfb = torch::zeros_like(x);
  for (auto& conv : sfb_) sfb = sfb + conv(x).abs().sum(1, /*keepdim=*/true);
  return icnn_->density(x, height, width) + torch::nn::functional::softplus(sfb_weight_) * sfb +
         torch::nn::functional::softplus(l2_weight_) * x.square();
}

double Acr::strong_convexity_modulus() const {
  torch::NoGradGuard no_grad;
  return 2 * torch::nn::functional::softplus(l2_weight_.detach().to(torch::kFloat64)).item<double>();
}

std::vector<torch::Tensor> Acr::other_parameters() const {
  std::vector<torch::Tensor> p;
  for (const auto& c : sfb_) p.push_back(c->weight);
  p.push_back(sfb_weight_);
  p.push_back(l2_weight_);
  return p;
}

}  // namespace structura::regularisers
