#include "neural_operators/modified_mlp.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "neural_operators/shape.hpp"

namespace structura::neural_operators {

void ModifiedMlpOptions::validate(const std::string& where) const {
  auto positive = [&](const char* key, std::int64_t value) {
    if (value < 1) throw InputError(fmt::format("{}.{} = {}: expected at least 1", where, key, value));
  };
  positive("inputs", inputs);
  positive("width", width);
  positive("hidden_layers", hidden_layers);
  positive("outputs", outputs);
}

ModifiedMlpImpl::ModifiedMlpImpl(const ModifiedMlpOptions& options, const std::string& where) : options_(options) {
  options_.validate(where);
  const auto& o = options_;
  auto linear = [this](const std::string& name, std::int64_t in, std::int64_t out) {
    auto layer = register_module(name, torch::nn::Linear(in, out));
    torch::NoGradGuard no_grad;
    torch::nn::init::xavier_normal_(layer->weight);
    layer->bias.zero_();
    return layer;
  };
  encoder_u_ = linear("encoder_u", o.inputs, o.width);
  encoder_v_ = linear("encoder_v", o.inputs, o.width);
  for (std::int64_t k = 0; k < o.hidden_layers; ++k)
    hidden_.push_back(linear("hidden" + std::to_string(k), k == 0 ? o.inputs : o.width, o.width));
  out_ = linear("out", o.width, o.outputs);
}

torch::Tensor ModifiedMlpImpl::forward(const torch::Tensor& x) {
  require(x.dim() >= 1 && x.size(-1) == options_.inputs,
          fmt::format("ModifiedMlp: expected (..., {}) inputs, got sizes {}", options_.inputs, shape_of(x)));
  const torch::Tensor u = torch::tanh(encoder_u_(x)), v = torch::tanh(encoder_v_(x));
  torch::Tensor h = x;
  for (auto& layer : hidden_) {
    const torch::Tensor z = torch::tanh(layer(h));
    h = (1 - z) * u + z * v;
  }
  return out_(h);
}

}  // namespace structura::neural_operators
