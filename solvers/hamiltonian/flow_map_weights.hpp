// The parameters of a SympFlow network as one flat array of doubles, with
// no libtorch types: the libtorch model exports to it, the Kokkos inference
// kernel reads it, and tests build random instances of it.
//
// SympFlow on R^{2n}, state x = (q, p). Layer i (0 <= i < layers) owns two
// scalar MLPs of n + 1 inputs (the n coordinates, then t):
//   V_i(q, t)  the potential,  K_i(p, t)  the kinetic part.
// Each MLP is  Linear(n+1 -> width) act [Linear(width -> width) act] x (depth - 1)
// Linear(width -> 1), so it has depth + 1 linear maps. The layer maps are the
// exact time-t flows of the Hamiltonians d/dt V_i and d/dt K_i:
//   potential update  p <- p - [grad_q V_i(q, t) - grad_q V_i(q, 0)]
//   kinetic update    q <- q + [grad_p K_i(p, t) - grad_p K_i(p, 0)]
// With PotentialFirst (the reference code's order) layer i applies the
// potential update, then the kinetic update; KineticFirst the reverse.
//
// Flat layout: for layer i, for the MLP V_i then K_i, for each linear map j
// in order: the weight (rows = outputs, row-major, as torch::nn::Linear
// stores it), then the bias.
#pragma once

#include <Kokkos_Core.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace structura::hamiltonian {

// Bounds of the fixed-size arrays the inference kernel keeps per trajectory
// (no allocation inside kernels); validate() enforces them.
inline constexpr int kMaxDof = 64;
inline constexpr int kMaxWidth = 64;
inline constexpr int kMaxDepth = 8;
inline constexpr int kMaxLayers = 64;

// Kokkos 3.7 promoted the math functions from Kokkos::Experimental to Kokkos;
// Debian 12 ships 3.4.
#if KOKKOS_VERSION >= 30700
namespace kokkos_math = ::Kokkos;
#else
namespace kokkos_math = ::Kokkos::Experimental;
#endif

enum class Activation { Tanh, Sin, Swish };
enum class LayerOrder { PotentialFirst, KineticFirst };

// "tanh", "sin", "swish"; "potential-first", "kinetic-first".
std::string_view activation_name(Activation a);
std::string_view layer_order_name(LayerOrder o);
// Throw InputError listing the accepted names.
Activation parse_activation(std::string_view name);
LayerOrder parse_layer_order(std::string_view name);

struct FlowMapArchitecture {
  int dof = 1;     // n
  int layers = 3;  // L
  int width = 10;
  int depth = 2;  // hidden layers per MLP
  Activation activation = Activation::Tanh;
  LayerOrder order = LayerOrder::PotentialFirst;

  int inputs() const { return dof + 1; }
  // Sizes of one MLP and of the whole network, in doubles.
  std::int64_t mlp_size() const;
  std::int64_t size() const { return 2 * layers * mlp_size(); }
  // Offset of MLP `which` (0 = V, 1 = K) of layer i in the flat array.
  std::int64_t mlp_offset(int layer, int which) const { return (2 * layer + which) * mlp_size(); }
  // Throws InputError naming the field when a size is out of range.
  void validate() const;
};

struct FlowMapWeights {
  FlowMapArchitecture architecture;
  std::vector<double> values;  // architecture.size() doubles in the layout above
};

// sigma, sigma' and sigma'' of each activation (host and device).
struct ActivationDerivatives {
  double value, first, second;
};
KOKKOS_INLINE_FUNCTION ActivationDerivatives activation_derivatives(Activation a, double x) {
  switch (a) {
    case Activation::Tanh: {
      const double s = kokkos_math::tanh(x);
      const double d = 1.0 - s * s;
      return {s, d, -2.0 * s * d};
    }
    case Activation::Sin: {
      const double s = kokkos_math::sin(x);
      return {s, kokkos_math::cos(x), -s};
    }
    case Activation::Swish:
    default: {
      const double g = 1.0 / (1.0 + kokkos_math::exp(-x));  // sigmoid
      const double gd = g * (1.0 - g);
      return {x * g, g + x * gd, gd * (2.0 + x * (1.0 - 2.0 * g))};
    }
  }
}

}  // namespace structura::hamiltonian
