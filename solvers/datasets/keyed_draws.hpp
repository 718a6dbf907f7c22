// A sequential reader of uniforms and normals over one item of a
// counter-based generator: draws k = 0, 1, 2, ... of (seed, stream, item)
// starting at a given Philox counter. Sample i of a synthetic set reads
// from item i only, so it is a pure function of (seed, i) and any block of
// rows can be generated on any rank in any order.
#pragma once

#include <cstdint>

#include "core/rng.hpp"

namespace structura::datasets {

class KeyedDraws {
public:
  KeyedDraws(const CounterRng& rng, std::uint64_t item, std::uint64_t first_counter = 0)
      : rng_(rng), item_(item), counter_(first_counter) {}

  // Uniform in the open interval (0, 1): four per Philox call.
  double uniform() {
    if (next_ == 4) {
      block_ = rng_.uniform4(item_, counter_++);
      next_ = 0;
    }
    return block_.u[next_++];
  }

  // Standard normal by Box-Muller; the pair's second value serves the next call.
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = uniform(), u2 = uniform();
    double z1 = 0, z2 = 0;
    box_muller(u1, u2, z1, z2);
    spare_ = z2;
    has_spare_ = true;
    return z1;
  }

private:
  CounterRng rng_;
  std::uint64_t item_;
  std::uint64_t counter_;
  Uniform4 block_{};
  int next_ = 4;
  double spare_ = 0;
  bool has_spare_ = false;
};

// Philox calls one step of a keyed process needs for `normals` normals and
// `uniforms` further uniforms: steps start at step * stride so that step s
// of item i never reads step s + 1's counters.
inline std::uint64_t draws_stride(int normals, int uniforms) {
  const int values = 2 * ((normals + 1) / 2) + uniforms;
  return static_cast<std::uint64_t>((values + 3) / 4);
}

}  // namespace structura::datasets
