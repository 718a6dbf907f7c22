#include "regularisers/point_models.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace structura::regularisers {

void PointModelOptions::validate(const std::string& where) const {
  auto positive = [&](std::int64_t v, const char* key, std::int64_t most) {
    require(v >= 1 && v <= most, fmt::format("{}.{} = {}: must be in [1, {}]", where, key, v, most));
  };
  positive(dimension, "dimension", 1 << 16);
  positive(layers, "layers", 64);
  positive(width, "width", 1 << 14);
  positive(smooth_layers, "smooth_layers", 64);
  positive(smooth_width, "smooth_width", 1 << 14);
  require(leaky_slope >= 0 && leaky_slope <= 1,
          fmt::format("{}.leaky_slope = {}: must be in [0, 1] (convex and non-decreasing)", where, leaky_slope));
}

torch::Tensor points_of(const torch::Tensor& x, std::int64_t dimension, const std::string& where) {
  require_image_batch(x, where);
  require(x.size(2) == 1 && x.size(3) == dimension,
          fmt::format("{}: expected points as (N, 1, 1, {}) images, got (N, 1, {}, {})", where, dimension, x.size(2),
                      x.size(3)));
  return x.reshape({x.size(0), dimension});
}

torch::Tensor as_point_images(const torch::Tensor& points) {
  return points.view({points.size(0), 1, 1, points.size(1)});
}

namespace {

torch::Tensor leaky(const torch::Tensor& t, double slope) {
  return torch::nn::functional::leaky_relu(t, torch::nn::functional::LeakyReLUFuncOptions().negative_slope(slope));
}

// Starts the constrained weights at |libtorch's default|: non-negative and of
// the usual scale, so the network is not degenerate before training.
void make_non_negative(torch::nn::Linear& layer) {
  torch::NoGradGuard no_grad;
  layer->weight.abs_();
}

}  // namespace

PointIcnn::PointIcnn(const PointModelOptions& options, std::int64_t in_dimension, const std::string& where)
    : options_(options), in_dimension_(in_dimension), where_(where) {
  options_.validate(where);
  require(in_dimension >= 1, fmt::format("{}: input dimension {} must be at least 1", where, in_dimension));
  for (std::int64_t k = 0; k <= options_.layers; ++k)
    wx_.push_back(register_module(fmt::format("wx{}", k), torch::nn::Linear(in_dimension, options_.width)));
  for (std::int64_t k = 0; k < options_.layers; ++k) {
    wz_.push_back(register_module(fmt::format("wz{}", k),
                                  torch::nn::Linear(torch::nn::LinearOptions(options_.width, options_.width).bias(false))));
    make_non_negative(wz_.back());
  }
  out_ = register_module("out", torch::nn::Linear(torch::nn::LinearOptions(options_.width, 1).bias(false)));
  make_non_negative(out_);
}

torch::Tensor PointIcnn::forward_points(const torch::Tensor& p) {
  require(p.dim() == 2 && p.size(1) == in_dimension_,
          fmt::format("{}: expected (N, {}) inputs, got {} dimensions", where_, in_dimension_, p.dim()));
  torch::Tensor z = leaky(wx_[0]->forward(p), options_.leaky_slope);
  for (std::size_t k = 0; k < wz_.size(); ++k)
    z = leaky(wz_[k]->forward(z) + wx_[k + 1]->forward(p), options_.leaky_slope);
  return out_->forward(z);
}

torch::Tensor PointIcnn::forward(const torch::Tensor& x) { return forward_points(points_of(x, in_dimension_, where_)); }

void PointIcnn::project_weights() {
  torch::NoGradGuard no_grad;
  for (auto& w : wz_) w->weight.clamp_min_(0);
  out_->weight.clamp_min_(0);
}

PointMlp::PointMlp(const PointModelOptions& options, const std::string& where) : options_(options), where_(where) {
  options_.validate(where);
  torch::nn::Sequential net;
  std::int64_t in = options_.dimension;
  for (std::int64_t k = 0; k < options_.layers; ++k) {
    net->push_back(torch::nn::Linear(in, options_.width));
    net->push_back(torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(options_.leaky_slope)));
    in = options_.width;
  }
  net->push_back(torch::nn::Linear(in, 1));
  net_ = register_module("net", net);
}

torch::Tensor PointMlp::forward(const torch::Tensor& x) {
  return net_->forward(points_of(x, options_.dimension, where_));
}

PointIwcnn::PointIwcnn(const PointModelOptions& options, const std::string& where) : options_(options), where_(where) {
  options_.validate(where);
  torch::nn::Sequential smooth;
  std::int64_t in = options_.dimension;
  for (std::int64_t k = 0; k < options_.smooth_layers; ++k) {
    smooth->push_back(torch::nn::Linear(in, options_.smooth_width));
    smooth->push_back(torch::nn::SiLU());
    in = options_.smooth_width;
  }
  smooth_ = register_module("smooth", smooth);
  icnn_ = register_module("icnn", std::make_shared<PointIcnn>(options_, in, where + ".icnn"));
  l2_weight_ = register_parameter("l2_weight", torch::full({1}, -9.0));
}

torch::Tensor PointIwcnn::forward(const torch::Tensor& x) {
  const torch::Tensor p = points_of(x, options_.dimension, where_);
  const torch::Tensor quadratic = torch::nn::functional::softplus(l2_weight_) * p.square().sum(1, true);
  return icnn_->forward_points(smooth_->forward(p)) + quadratic;
}

}  // namespace structura::regularisers
