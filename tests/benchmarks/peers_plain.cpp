// The hand-written peer loop. The arithmetic mirrors verlet_step and
// triple_jump4_step in hamiltonian/integrators.hpp operation by operation, so
// the final states agree with the Kokkos kernel to rounding (FMA contraction
// may differ between translation units).
#include <stdexcept>
#include <string>

#include "hamiltonian/integrators.hpp"  // the triple-jump coefficients only
#include "peers.hpp"

namespace structura::bench {

namespace {

// One step of each method for one Henon-Heiles trajectory (q0, q1, p0, p1) =
// (a, b, c, d).
inline void verlet(double& a, double& b, double& c, double& d, double lambda, double h) {
  a += 0.5 * h * c;
  b += 0.5 * h * d;
  const double f0 = -a - 2.0 * lambda * a * b;
  const double f1 = -b - lambda * (a * a - b * b);
  c += h * f0;
  d += h * f1;
  a += 0.5 * h * c;
  b += 0.5 * h * d;
}

inline void triple_jump4(double& a, double& b, double& c, double& d, double lambda, double h) {
  constexpr double w1 = hamiltonian::triple_jump_w1, w0 = hamiltonian::triple_jump_w0;
  constexpr double drift[4] = {0.5 * w1, 0.5 * (w1 + w0), 0.5 * (w0 + w1), 0.5 * w1};
  constexpr double kick[3] = {w1, w0, w1};
  for (int stage = 0; stage < 3; ++stage) {
    a += drift[stage] * h * c;
    b += drift[stage] * h * d;
    const double f0 = -a - 2.0 * lambda * a * b;
    const double f1 = -b - lambda * (a * a - b * b);
    c += kick[stage] * h * f0;
    d += kick[stage] * h * f1;
  }
  a += drift[3] * h * c;
  b += drift[3] * h * d;
}

// Chunks of C trajectories, copied into local arrays (C x 32 bytes, in L1
// for every C tried; the compiler also knows they do not alias), advanced by
// all steps, copied back. The loop over the chunk's trajectories has a
// constant trip count and independent iterations: it vectorises, and its
// C independent dependency chains hide the floating-point latency that
// bounds a single trajectory. The last chunk repeats its last trajectory in
// unused slots, which are not stored.
template <int C, class Step>
void chunked(PlainState& s, Step step, long steps) {
  const std::size_t n = s.size();
  for (std::size_t first = 0; first < n; first += C) {
    const std::size_t count = n - first < C ? n - first : C;
    double a[C], b[C], c[C], d[C];
    for (int j = 0; j < C; ++j) {
      const std::size_t i = first + (static_cast<std::size_t>(j) < count ? j : count - 1);
      a[j] = s.q0[i];
      b[j] = s.q1[i];
      c[j] = s.p0[i];
      d[j] = s.p1[i];
    }
    for (long k = 0; k < steps; ++k)
      for (int j = 0; j < C; ++j) step(a[j], b[j], c[j], d[j]);
    for (std::size_t j = 0; j < count; ++j) {
      s.q0[first + j] = a[j];
      s.q1[first + j] = b[j];
      s.p0[first + j] = c[j];
      s.p1[first + j] = d[j];
    }
  }
}

template <class Step>
void chunked(PlainState& s, Step step, long steps, int chunk) {
  switch (chunk) {
    case 8: return chunked<8>(s, step, steps);
    case 16: return chunked<16>(s, step, steps);
    case 32: return chunked<32>(s, step, steps);
    case 64: return chunked<64>(s, step, steps);
    case 128: return chunked<128>(s, step, steps);
    case 256: return chunked<256>(s, step, steps);
    case 512: return chunked<512>(s, step, steps);
  }
  throw std::invalid_argument("plain loop: no chunk of " + std::to_string(chunk) + " trajectories");
}

}  // namespace

void plain_verlet(PlainState& s, double lambda, double h, long steps, int chunk) {
  chunked(s, [=](double& a, double& b, double& c, double& d) { verlet(a, b, c, d, lambda, h); }, steps, chunk);
}

void plain_triple_jump4(PlainState& s, double lambda, double h, long steps, int chunk) {
  chunked(s, [=](double& a, double& b, double& c, double& d) { triple_jump4(a, b, c, d, lambda, h); }, steps, chunk);
}

}  // namespace structura::bench
