// W doubles that take part in arithmetic together: the scalar type with
// which the single-trajectory functions of flow_map_kernel.hpp advance W
// trajectories in lock step on a CPU. Every operation is a loop over the
// lanes that the compiler turns into vector instructions; the activations
// use an exp that vectorises too (libm's tanh, sin and exp do not), accurate
// to a few ulp, so the map still equals libtorch's to rounding. Lanes are
// independent: a trajectory's result does not depend on its lane.
#pragma once

#include <Kokkos_Core.hpp>

#include <bit>
#include <cstdint>

#include "hamiltonian/flow_map_weights.hpp"

namespace structura::hamiltonian {

template <int W>
struct Pack {
  double v[W];

  Pack() = default;
  KOKKOS_INLINE_FUNCTION Pack(double x) {  // NOLINT: constants broadcast implicitly
    for (int l = 0; l < W; ++l) v[l] = x;
  }
#define STRUCTURA_PACK_OP(op)                                                    \
  KOKKOS_INLINE_FUNCTION Pack& operator op##=(const Pack& o) {                   \
    for (int l = 0; l < W; ++l) v[l] op## = o.v[l];                              \
    return *this;                                                                \
  }                                                                              \
  friend KOKKOS_INLINE_FUNCTION Pack operator op(Pack a, const Pack& b) { return a op## = b; } \
  friend KOKKOS_INLINE_FUNCTION Pack operator op(double a, const Pack& b) { return Pack(a) op## = b; }
  STRUCTURA_PACK_OP(+)
  STRUCTURA_PACK_OP(-)
  STRUCTURA_PACK_OP(*)
  STRUCTURA_PACK_OP(/)
#undef STRUCTURA_PACK_OP
};

// e^x for |x| <= 700: x = k ln 2 + r with |r| <= ln(2)/2, e^r by its Taylor
// polynomial to r^12 (truncation below 2e-16), 2^k assembled in the exponent
// bits. Branch-free, so that it vectorises.
KOKKOS_INLINE_FUNCTION double exp_vectorisable(double x) {
  constexpr double log2e = 1.4426950408889634074, ln2_hi = 6.93147180369123816490e-01,
                   ln2_lo = 1.90821492927058770002e-10, shifter = 0x1.8p52;
  x = x < -700.0 ? -700.0 : (x > 700.0 ? 700.0 : x);
  const double kd = (x * log2e + shifter) - shifter;  // round to nearest integer
  const double r = (x - kd * ln2_hi) - kd * ln2_lo;
  double p = 1.0 / 479001600.0;  // 1/12!
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  const auto k = static_cast<std::int64_t>(kd);
  const double two_k = std::bit_cast<double>(static_cast<std::uint64_t>(k + 1023) << 52);
  return p * two_k;
}

// The activations of flow_map_weights.hpp and their slopes, lane by lane.
template <int W>
KOKKOS_INLINE_FUNCTION void activation_and_slope(Activation a, const Pack<W>& x, Pack<W>& value, Pack<W>& slope) {
  switch (a) {
    case Activation::Tanh:
      for (int l = 0; l < W; ++l) {
        // tanh(x) = 2 / (1 + e^{-2x}) - 1: no clamping needed (exp saturates),
        // absolute error ~1e-16 also near 0.
        const double s = 2.0 / (1.0 + exp_vectorisable(-2.0 * x.v[l])) - 1.0;
        value.v[l] = s;
        slope.v[l] = 1.0 - s * s;
      }
      break;
    case Activation::Swish:
      for (int l = 0; l < W; ++l) {
        const double g = 1.0 / (1.0 + exp_vectorisable(-x.v[l]));
        value.v[l] = x.v[l] * g;
        slope.v[l] = g + x.v[l] * g * (1.0 - g);
      }
      break;
    case Activation::Sin:
    default:
      for (int l = 0; l < W; ++l) {  // libm, one lane at a time
        const ActivationDerivatives d = activation_derivatives(a, x.v[l]);
        value.v[l] = d.value;
        slope.v[l] = d.first;
      }
      break;
  }
}

}  // namespace structura::hamiltonian
