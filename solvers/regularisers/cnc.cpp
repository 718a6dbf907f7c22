#include "regularisers/cnc.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace structura::regularisers {

void CncOptions::validate(const std::string& where) const {
  convex.validate(where + ".convex");
  weak.validate(where + ".weak");
  if (!(data_curvature >= 0 && std::isfinite(data_curvature)))
    throw InputError(
        fmt::format("{}.data_curvature = {}: expected mu / lambda, a finite number >= 0", where, data_curvature));
}

Cnc::Cnc(const CncOptions& options, const std::string& where) : options_(options) {
  options_.validate(where);
  convex_ = register_module("convex", std::make_shared<Acr>(options_.convex, where + ".convex"));
  weak_ = register_module("weak", std::make_shared<Iwcnn>(options_.weak, where + ".weak"));
}

std::vector<std::pair<const void*, std::int64_t>> Cnc::parameter_state() const {
  std::vector<std::pair<const void*, std::int64_t>> state;
  for (const auto& p : parameters()) state.emplace_back(p.data_ptr(), p._version());
  return state;
}

double Cnc::weak_scale(std::int64_t height, std::int64_t width) const {
  if (!options_.enforce_condition) return 1;
  auto state = parameter_state();
  if (state == cache_.state && height == cache_.height && width == cache_.width) return cache_.t;
  const double rho = weak_->weak_convexity_modulus(height, width);
  const double budget = options_.data_curvature + convex_->strong_convexity_modulus();
  cache_ = {std::move(state), height, width, rho <= budget ? 1.0 : budget / rho};
  return cache_.t;
}

double Cnc::margin(std::int64_t height, std::int64_t width) const {
  return options_.data_curvature + convex_->strong_convexity_modulus() -
         weak_scale(height, width) * weak_->weak_convexity_modulus(height, width);
}

torch::Tensor Cnc::forward(const torch::Tensor& x) {
  require_image_batch(x, "Cnc::forward");
  const double t = weak_scale(x.size(2), x.size(3));
  return convex_->forward(x) + t * weak_->forward(x);
}

std::int64_t Cnc::receptive_radius() const {
  return std::max(convex_->receptive_radius(), weak_->receptive_radius());
}

torch::Tensor Cnc::density(const torch::Tensor& x, std::int64_t height, std::int64_t width) {
  require_image_batch(x, "Cnc::density");
  return convex_->density(x, height, width) + weak_scale(height, width) * weak_->density(x, height, width);
}

torch::Tensor Cnc::minimal_energy(const torch::Tensor& x) {
  return 0.5 * options_.data_curvature * x.square().sum({1, 2, 3}).unsqueeze(1) + forward(x);
}

void Cnc::project_weights() {
  convex_->project_weights();
  weak_->project_weights();
}

}  // namespace structura::regularisers
