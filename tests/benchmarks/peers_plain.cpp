// Hand-written peer loops. The arithmetic mirrors verlet_step and
// triple_jump4_step in hamiltonian/integrators.hpp operation by operation, so
// the final states agree with the Kokkos kernel to rounding (FMA contraction
// may differ between translation units).
#include "peers.hpp"

#include "hamiltonian/integrators.hpp"  // the triple-jump coefficients only

namespace structura::bench {

namespace {

// One step of each method for one Henon-Heiles trajectory (q0, q1, p0, p1) =
// (a, b, c, d), shared by the one-at-a-time and the tiled loops.
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

// One trajectory at a time: its whole run in registers, then the next.
template <class Step>
void one_at_a_time(PlainState& s, Step step, long steps) {
  const std::size_t n = s.size();
  double* q0 = s.q0.data();
  double* q1 = s.q1.data();
  double* p0 = s.p0.data();
  double* p1 = s.p1.data();
  for (std::size_t i = 0; i < n; ++i) {
    double a = q0[i], b = q1[i], c = p0[i], d = p1[i];
    for (long k = 0; k < steps; ++k) step(a, b, c, d);
    q0[i] = a;
    q1[i] = b;
    p0[i] = c;
    p1[i] = d;
  }
}

}  // namespace

void plain_verlet(PlainState& s, double lambda, double h, long steps) {
  one_at_a_time(s, [=](double& a, double& b, double& c, double& d) { verlet(a, b, c, d, lambda, h); }, steps);
}

void plain_triple_jump4(PlainState& s, double lambda, double h, long steps) {
  one_at_a_time(s, [=](double& a, double& b, double& c, double& d) { triple_jump4(a, b, c, d, lambda, h); }, steps);
}

namespace {

// The tiled peers: lanes of W trajectories held in local arrays, every step
// applied to all lanes before the next (independent dependency chains for
// the out-of-order core, and a constant trip count the compiler can
// vectorise). The last tile repeats its last trajectory in unused lanes.
constexpr int W = 16;

template <class Step>
void tiled(PlainState& s, Step step, long steps) {
  const std::size_t n = s.size();
  for (std::size_t first = 0; first < n; first += W) {
    const std::size_t lanes = n - first < W ? n - first : W;
    double a[W], b[W], c[W], d[W];
    for (int j = 0; j < W; ++j) {
      const std::size_t i = first + (static_cast<std::size_t>(j) < lanes ? j : lanes - 1);
      a[j] = s.q0[i];
      b[j] = s.q1[i];
      c[j] = s.p0[i];
      d[j] = s.p1[i];
    }
    for (long k = 0; k < steps; ++k)
      for (int j = 0; j < W; ++j) step(a[j], b[j], c[j], d[j]);
    for (std::size_t j = 0; j < lanes; ++j) {
      s.q0[first + j] = a[j];
      s.q1[first + j] = b[j];
      s.p0[first + j] = c[j];
      s.p1[first + j] = d[j];
    }
  }
}

}  // namespace

void tiled_verlet(PlainState& s, double lambda, double h, long steps) {
  tiled(s, [=](double& a, double& b, double& c, double& d) { verlet(a, b, c, d, lambda, h); }, steps);
}

void tiled_triple_jump4(PlainState& s, double lambda, double h, long steps) {
  tiled(s, [=](double& a, double& b, double& c, double& d) { triple_jump4(a, b, c, d, lambda, h); }, steps);
}

}  // namespace structura::bench
