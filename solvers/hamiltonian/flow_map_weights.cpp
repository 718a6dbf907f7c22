#include "hamiltonian/flow_map_weights.hpp"

#include <fmt/format.h>

#include <string>

#include "core/error.hpp"

namespace structura::hamiltonian {

std::string_view activation_name(Activation a) {
  switch (a) {
    case Activation::Tanh: return "tanh";
    case Activation::Sin: return "sin";
    case Activation::Swish: return "swish";
  }
  return "unknown";
}

std::string_view layer_order_name(LayerOrder o) {
  switch (o) {
    case LayerOrder::PotentialFirst: return "potential-first";
    case LayerOrder::KineticFirst: return "kinetic-first";
  }
  return "unknown";
}

Activation parse_activation(std::string_view name) {
  for (Activation a : {Activation::Tanh, Activation::Sin, Activation::Swish})
    if (name == activation_name(a)) return a;
  throw InputError(fmt::format("unknown activation '{}' (expected tanh, sin or swish)", name));
}

LayerOrder parse_layer_order(std::string_view name) {
  for (LayerOrder o : {LayerOrder::PotentialFirst, LayerOrder::KineticFirst})
    if (name == layer_order_name(o)) return o;
  throw InputError(fmt::format("unknown layer order '{}' (expected potential-first or kinetic-first)", name));
}

std::int64_t FlowMapArchitecture::mlp_size() const {
  // depth + 1 linear maps: inputs -> width, (depth - 1) x width -> width, width -> 1.
  const std::int64_t w = width;
  const std::int64_t first = w * inputs() + w;
  const std::int64_t hidden = (depth - 1) * (w * w + w);
  const std::int64_t last = w + 1;
  return first + hidden + last;
}

namespace {
void check_range(std::string_view field, int value, int lo, int hi) {
  if (value < lo || value > hi)
    throw InputError(fmt::format("model.{} = {} is out of range [{}, {}]", field, value, lo, hi));
}
}  // namespace

void FlowMapArchitecture::validate() const {
  check_range("dof", dof, 1, kMaxDof);
  check_range("layers", layers, 1, kMaxLayers);
  check_range("width", width, 1, kMaxWidth);
  check_range("depth", depth, 1, kMaxDepth);
}

}  // namespace structura::hamiltonian
