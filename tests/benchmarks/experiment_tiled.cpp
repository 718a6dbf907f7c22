// Experiment, not a benchmark of shipped code: the evidence behind the tiled
// fixed-step kernel of hamiltonian/ensemble.cpp. The former kernel ran one
// trajectory's 1000-step dependency chain at a time, bound by floating-point
// latency; these variants advance a tile of W trajectories in lock-step. The
// shipped advance_fixed (64 lanes for systems of up to 2 degrees of freedom,
// 16 otherwise; coordinate-major tile) is the first row.
//
//   current   Kokkos::parallel_for over trajectories, fixed_steps on doubles
//             (the former kernel: one trajectory per work item)
//   lanes     parallel_for over tiles of W; each step loops over the W lanes
//             calling the unchanged scalar verlet_step / triple_jump4_step
//             (independent chains for the out-of-order core)
//   pack      parallel_for over tiles of W; fixed_steps on a W-wide Pack
//             scalar type (the integrators and systems are templates on the
//             scalar, as for dual numbers), which GCC turns into SIMD code
//
// Usage: structura_bench_hamiltonian_tiled [trajectories] [steps] [reps]
#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <vector>

#include "bench_util.hpp"
#include "core/kokkos.hpp"
#include "core/mpi.hpp"
#include "hamiltonian/ensemble.hpp"
#include "hamiltonian/integrators.hpp"
#include "hamiltonian/systems.hpp"

namespace {

namespace hm = structura::hamiltonian;
using structura::SoAView;

// W doubles with element-wise arithmetic: a scalar type for the templated
// integrators that processes W trajectories at once.
template <int W>
struct Pack {
  double v[W];
  Pack() = default;
  KOKKOS_INLINE_FUNCTION Pack(double x) {  // NOLINT: constants promote implicitly
    for (int j = 0; j < W; ++j) v[j] = x;
  }
#define STRUCTURA_PACK_OP(op)                                                                 \
  KOKKOS_INLINE_FUNCTION friend Pack operator op(const Pack& a, const Pack& b) {              \
    Pack r;                                                                                   \
    for (int j = 0; j < W; ++j) r.v[j] = a.v[j] op b.v[j];                                    \
    return r;                                                                                 \
  }                                                                                           \
  KOKKOS_INLINE_FUNCTION Pack& operator op##=(const Pack& b) { return *this = *this op b; }
  STRUCTURA_PACK_OP(+)
  STRUCTURA_PACK_OP(-)
  STRUCTURA_PACK_OP(*)
  STRUCTURA_PACK_OP(/)
#undef STRUCTURA_PACK_OP
  KOKKOS_INLINE_FUNCTION friend Pack operator-(const Pack& a) {
    Pack r;
    for (int j = 0; j < W; ++j) r.v[j] = -a.v[j];
    return r;
  }
};

template <class S, hm::Method M>
struct Current {
  S sys;
  SoAView<double> q, p;
  double h;
  std::int64_t steps;
  KOKKOS_INLINE_FUNCTION void operator()(int i) const {
    double lq[S::max_dof], lp[S::max_dof];
    for (int d = 0; d < sys.dof(); ++d) lq[d] = q(i, d), lp[d] = p(i, d);
    hm::fixed_steps<M>(sys, lq, lp, h, steps);
    for (int d = 0; d < sys.dof(); ++d) q(i, d) = lq[d], p(i, d) = lp[d];
  }
};

// Loads tile t (lanes past the end repeat the last trajectory, so that the
// lane loops have a constant trip count) and stores its valid lanes back.
template <int W, class S>
struct Tile {
  int first, lanes;
  KOKKOS_INLINE_FUNCTION Tile(int t, int n) : first(t * W), lanes(n - t * W < W ? n - t * W : W) {}
  KOKKOS_INLINE_FUNCTION int src(int j) const { return first + (j < lanes ? j : lanes - 1); }
};

template <class S, hm::Method M, int W>
struct Lanes {
  S sys;
  SoAView<double> q, p;
  double h;
  std::int64_t steps;
  int n;
  KOKKOS_INLINE_FUNCTION void operator()(int t) const {
    const Tile<W, S> tile(t, n);
    double lq[W][S::max_dof], lp[W][S::max_dof];
    for (int j = 0; j < W; ++j)
      for (int d = 0; d < sys.dof(); ++d) lq[j][d] = q(tile.src(j), d), lp[j][d] = p(tile.src(j), d);
    for (std::int64_t k = 0; k < steps; ++k)
      for (int j = 0; j < W; ++j) hm::fixed_steps<M>(sys, lq[j], lp[j], h, 1);
    for (int j = 0; j < tile.lanes; ++j)
      for (int d = 0; d < sys.dof(); ++d) q(tile.first + j, d) = lq[j][d], p(tile.first + j, d) = lp[j][d];
  }
};

template <class S, hm::Method M, int W>
struct Packed {
  S sys;
  SoAView<double> q, p;
  double h;
  std::int64_t steps;
  int n;
  KOKKOS_INLINE_FUNCTION void operator()(int t) const {
    const Tile<W, S> tile(t, n);
    Pack<W> lq[S::max_dof], lp[S::max_dof];
    for (int d = 0; d < sys.dof(); ++d)
      for (int j = 0; j < W; ++j) lq[d].v[j] = q(tile.src(j), d), lp[d].v[j] = p(tile.src(j), d);
    hm::fixed_steps<M>(sys, lq, lp, h, steps);
    for (int d = 0; d < sys.dof(); ++d)
      for (int j = 0; j < tile.lanes; ++j) q(tile.first + j, d) = lq[d].v[j], p(tile.first + j, d) = lp[d].v[j];
  }
};

double max_abs_diff(const hm::Ensemble& a, const hm::Ensemble& b) {
  using structura::HostSpace;
  auto aq = Kokkos::create_mirror_view_and_copy(HostSpace(), a.q), ap = Kokkos::create_mirror_view_and_copy(HostSpace(), a.p);
  auto bq = Kokkos::create_mirror_view_and_copy(HostSpace(), b.q), bp = Kokkos::create_mirror_view_and_copy(HostSpace(), b.p);
  double d = 0;
  for (int i = 0; i < a.size(); ++i)
    for (int k = 0; k < a.dof(); ++k)
      d = std::max({d, std::abs(aq(i, k) - bq(i, k)), std::abs(ap(i, k) - bp(i, k))});
  return d;
}

template <class Kernel>
void launch(int items, const Kernel& k) {
  Kokkos::parallel_for(Kokkos::RangePolicy<structura::ExecSpace>(0, items), k);
  Kokkos::fence();
}

template <hm::Method M>
void compare(const hm::HenonHeiles& sys, const hm::Ensemble& initial, double h, std::int64_t steps, int reps) {
  using HH = hm::HenonHeiles;
  const int n = static_cast<int>(initial.size());
  auto tiles = [n](int w) { return (n + w - 1) / w; };
  struct Variant {
    const char* name;
    std::function<void(hm::Ensemble&)> run;
    std::vector<double> t;
    hm::Ensemble out;
  };
  std::vector<Variant> v;
  auto add = [&v](const char* name, std::function<void(hm::Ensemble&)> run) {
    v.push_back(Variant{name, std::move(run), {}, {}});
  };
  add("advance_fixed (shipped)", [&](hm::Ensemble& e) { hm::advance_fixed(sys, M, e, h, steps); });
  add("one trajectory per work item",
      [&](hm::Ensemble& e) { launch(n, Current<HH, M>{sys, e.q, e.p, h, steps}); });
  add("tiles of 4, scalar lanes",
      [&](hm::Ensemble& e) { launch(tiles(4), Lanes<HH, M, 4>{sys, e.q, e.p, h, steps, n}); });
  add("tiles of 8, scalar lanes",
      [&](hm::Ensemble& e) { launch(tiles(8), Lanes<HH, M, 8>{sys, e.q, e.p, h, steps, n}); });
  add("tiles of 16, scalar lanes",
      [&](hm::Ensemble& e) { launch(tiles(16), Lanes<HH, M, 16>{sys, e.q, e.p, h, steps, n}); });
  add("tiles of 8, Pack<8>",
      [&](hm::Ensemble& e) { launch(tiles(8), Packed<HH, M, 8>{sys, e.q, e.p, h, steps, n}); });
  for (int r = 0; r < reps; ++r) {
    for (auto& x : v) {
      hm::Ensemble e = initial.clone();
      x.t.push_back(structura::bench::time_seconds([&] { x.run(e); }));
      x.out = e;
    }
  }
  const double t0 = structura::bench::median(v[0].t);
  fmt::print("\n{}: {} trajectories x {} steps, median of {}\n", hm::info(M).name, n, steps, reps);
  fmt::print("{:<28} {:>9} {:>14} {:>10} {:>12}\n", "kernel", "median s", "Mtraj-steps/s", "speed-up", "max|diff|");
  for (auto& x : v) {
    const double t = structura::bench::median(x.t);
    fmt::print("{:<28} {:>9.4f} {:>14.1f} {:>9.2f}x {:>12.1e}\n", x.name, t, double(n) * double(steps) / t / 1e6,
               t0 / t, max_abs_diff(v[0].out, x.out));
  }
}

}  // namespace

int main(int argc, char** argv) {
  structura::mpi::Environment mpi_env(argc, argv);
  structura::KokkosRuntime kokkos(argc, argv);
  const std::int64_t n = argc > 1 ? std::atoll(argv[1]) : 100000;
  const std::int64_t steps = argc > 2 ? std::atoll(argv[2]) : 1000;
  const int reps = argc > 3 ? std::atoi(argv[3]) : 5;
  hm::HenonHeiles sys;
  sys.lambda = 1.0;
  hm::Ensemble initial(0, n, 2);
  hm::ShellSampling shell;
  shell.energy = 0.1;
  shell.q_min = -0.5;
  shell.q_max = 0.5;
  hm::sample_initial_conditions(sys, shell, 20240611, initial);
  compare<hm::Method::StormerVerlet>(sys, initial, 0.01, steps, reps);
  compare<hm::Method::TripleJump4>(sys, initial, 0.01, steps, reps);
  return 0;
}
