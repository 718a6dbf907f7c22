// Counter-based random numbers (Random123's Philox4x64-10). A draw is a pure
// function of (seed, stream, item, draw counter), so item 123456 of an
// ensemble gets the same sample on 1 rank or 64, on a CPU or a GPU, in any
// order. Usable inside Kokkos kernels.
#pragma once

#include <Kokkos_Core.hpp>
#include <Random123/philox.h>

#include <cmath>
#include <cstdint>

namespace structura {

struct Uniform4 {
  double u[4];
};

class CounterRng {
public:
  using Engine = r123::Philox4x64;

  KOKKOS_INLINE_FUNCTION CounterRng(std::uint64_t seed, std::uint64_t stream) : key_{{seed, stream}} {}

  // Raw 4 x 64 random bits for (item, draw).
  KOKKOS_INLINE_FUNCTION Engine::ctr_type bits(std::uint64_t item, std::uint64_t draw) const {
    Engine engine;
    Engine::ctr_type ctr = {{item, draw, 0, 0}};
    return engine(ctr, key_);
  }

  // Four doubles uniform in the open interval (0, 1): 53 random bits each,
  // shifted by half an ulp so that neither 0 nor 1 occurs.
  KOKKOS_INLINE_FUNCTION Uniform4 uniform4(std::uint64_t item, std::uint64_t draw) const {
    auto r = bits(item, draw);
    Uniform4 out;
    for (int k = 0; k < 4; ++k) out.u[k] = (static_cast<double>(r.v[k] >> 11) + 0.5) * 0x1.0p-53;
    return out;
  }

private:
  Engine::key_type key_;
};

// Standard normal pair from two uniforms (Box-Muller).
KOKKOS_INLINE_FUNCTION void box_muller(double u1, double u2, double& z1, double& z2) {
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double a = 6.283185307179586476925286766559 * u2;
  z1 = r * std::cos(a);
  z2 = r * std::sin(a);
}

}  // namespace structura
