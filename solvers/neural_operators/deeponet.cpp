#include "neural_operators/deeponet.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "neural_operators/shape.hpp"

namespace structura::neural_operators {

void DeepOnetOptions::validate(const std::string& where) const {
  auto positive = [&](const char* key, std::int64_t value) {
    if (value < 1) throw InputError(fmt::format("{}.{} = {}: expected at least 1", where, key, value));
  };
  positive("sensors", sensors);
  positive("coordinates", coordinates);
  positive("width", width);
  positive("hidden_layers", hidden_layers);
  positive("latent", latent);
}

DeepOnetImpl::DeepOnetImpl(const DeepOnetOptions& options, const std::string& where) : options_(options) {
  options_.validate(where);
  const auto& o = options_;
  branch_ = register_module(
      "branch", ModifiedMlp(ModifiedMlpOptions{o.sensors, o.width, o.hidden_layers, o.latent}, where + ".branch"));
  trunk_ = register_module(
      "trunk", ModifiedMlp(ModifiedMlpOptions{o.coordinates, o.width, o.hidden_layers, o.latent}, where + ".trunk"));
  if (o.bias) bias_ = register_parameter("bias", torch::zeros({1}));
}

torch::Tensor DeepOnetImpl::forward(const torch::Tensor& u0, const torch::Tensor& y) {
  const auto& o = options_;
  require(u0.dim() == 2 && u0.size(1) == o.sensors,
          fmt::format("DeepOnet: expected u0 of shape (N, {}), got sizes {}", o.sensors, shape_of(u0)));
  const bool shared = y.dim() == 2;
  require((shared || (y.dim() == 3 && y.size(0) == u0.size(0))) && y.size(-1) == o.coordinates,
          fmt::format("DeepOnet: expected query points (N, P, {0}) or (P, {0}) with N = {1}, got sizes {2}",
                      o.coordinates, u0.size(0), shape_of(y)));
  const torch::Tensor b = branch_(u0);  // (N, p)
  const torch::Tensor t = trunk_(y);    // (N, P, p) or (P, p)
  torch::Tensor out = shared ? torch::matmul(b, t.t()) : torch::einsum("nk,npk->np", {b, t});
  if (o.bias) out = out + bias_;
  return out;
}

}  // namespace structura::neural_operators
