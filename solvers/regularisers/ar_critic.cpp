#include "regularisers/ar_critic.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"

namespace structura::regularisers {

namespace {

struct ConvSpec {
  std::int64_t in, out, stride;
};
// The reference's channels and strides.
constexpr ConvSpec kConvs[] = {{1, 16, 1}, {16, 32, 1}, {32, 32, 2}, {32, 64, 2}, {64, 64, 2}, {64, 128, 2}};
constexpr std::int64_t kDownsampling = 16;  // four stride-2 layers

}  // namespace

void ArCriticOptions::validate(const std::string& where) const {
  for (auto [key, value] : {std::pair{"height", height}, std::pair{"width", width}})
    if (value < kDownsampling || value % kDownsampling != 0)
      throw InputError(
          fmt::format("{}.{} = {}: the AR critic's four stride-2 convolutions need a multiple of {} "
                      "(e.g. {} or {})",
                      where, key, value, kDownsampling,
                      std::max<std::int64_t>(kDownsampling, value / kDownsampling * kDownsampling),
                      (value / kDownsampling + 1) * kDownsampling));
  if (!(leaky_slope >= 0 && leaky_slope < 1))
    throw InputError(fmt::format("{}.leaky_slope = {}: expected a slope in [0, 1)", where, leaky_slope));
  if (dense < 1) throw InputError(fmt::format("{}.dense = {}: expected at least 1", where, dense));
}

ArCritic::ArCritic(const ArCriticOptions& options, const std::string& where) : options_(options) {
  options_.validate(where);
  int index = 0;
  for (const ConvSpec& c : kConvs)
    convs_.push_back(
        register_module("conv" + std::to_string(index++),
                        torch::nn::Conv2d(torch::nn::Conv2dOptions(c.in, c.out, 5).stride(c.stride).padding(2))));
  const std::int64_t features = 128 * (options_.height / kDownsampling) * (options_.width / kDownsampling);
  dense_ = register_module("dense", torch::nn::Linear(features, options_.dense));
  head_ = register_module("head", torch::nn::Linear(options_.dense, 1));
}

torch::Tensor ArCritic::forward(const torch::Tensor& x) {
  require_image_batch(x, "ArCritic::forward");
  require(x.size(2) == options_.height && x.size(3) == options_.width,
          fmt::format("ArCritic::forward: the critic was built for {}x{} images, got {}x{}", options_.height,
                      options_.width, x.size(2), x.size(3)));
  const auto act = torch::nn::functional::LeakyReLUFuncOptions().negative_slope(options_.leaky_slope);
  torch::Tensor h = x;
  for (auto& conv : convs_) h = torch::nn::functional::leaky_relu(conv(h), act);
  h = torch::nn::functional::leaky_relu(dense_(h.flatten(1)), act);
  return head_(h);
}

}  // namespace structura::regularisers
