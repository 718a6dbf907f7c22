#include "hamiltonian/ensemble.hpp"

#include <fmt/format.h>

#include <cmath>
#include <type_traits>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "hamiltonian/exact.hpp"

namespace structura::hamiltonian {

// Kernels are functors rather than lambdas: CUDA does not allow device
// lambdas inside the generic lambdas that std::visit dispatches through.

int dof(const System& s) {
  return std::visit([](const auto& sys) { return sys.dof(); }, s);
}

std::string_view system_name(const System& s) {
  struct Names {
    std::string_view operator()(const HarmonicOscillator&) const { return "harmonic-oscillator"; }
    std::string_view operator()(const Pendulum&) const { return "pendulum"; }
    std::string_view operator()(const HenonHeiles&) const { return "henon-heiles"; }
    std::string_view operator()(const Kepler&) const { return "kepler"; }
    std::string_view operator()(const FermiPastaUlam&) const { return "fput"; }
    std::string_view operator()(const DampedOscillator&) const { return "damped-oscillator"; }
  };
  return std::visit(Names{}, s);
}

bool has_exact_solution(const System& s) {
  return std::holds_alternative<HarmonicOscillator>(s) || std::holds_alternative<Kepler>(s);
}

Ensemble::Ensemble(std::int64_t first_index, std::int64_t count, int n)
    : q("q", count, n), p("p", count, n), first(first_index) {}

Ensemble Ensemble::clone() const {
  Ensemble c(first, size(), dof());
  Kokkos::deep_copy(c.q, q);
  Kokkos::deep_copy(c.p, p);
  return c;
}

namespace {

template <class S>
struct Load {
  // Copies trajectory i into local arrays and back; the per-trajectory work
  // then runs in registers.
  KOKKOS_INLINE_FUNCTION static void in(const SoAView<double>& v, int i, int n, double* x) {
    for (int d = 0; d < n; ++d) x[d] = v(i, d);
  }
  KOKKOS_INLINE_FUNCTION static void out(const SoAView<double>& v, int i, int n, const double* x) {
    for (int d = 0; d < n; ++d) v(i, d) = x[d];
  }
};

template <class S>
struct SampleKernel {
  S sys;
  SoAView<double> q, p;
  Kokkos::View<int*, MemSpace> failed;
  std::int64_t first;
  std::uint64_t seed;
  bool shell;
  BoxSampling box;
  ShellSampling sh;

  // Uniform number k (any k) of attempt a for trajectory item.
  KOKKOS_INLINE_FUNCTION double uniform(const CounterRng& rng, std::uint64_t item, std::uint64_t attempt,
                                        int k) const {
    return rng.uniform4(item, attempt * 1024 + static_cast<std::uint64_t>(k / 4)).u[k % 4];
  }

  KOKKOS_INLINE_FUNCTION void operator()(int i) const {
    const CounterRng rng(seed, 0);
    const std::uint64_t item = static_cast<std::uint64_t>(first + i);
    const int n = sys.dof();
    double lq[S::max_dof], lp[S::max_dof];
    if (!shell) {
      for (int d = 0; d < n; ++d) {
        lq[d] = box.q_min + (box.q_max - box.q_min) * uniform(rng, item, 0, d);
        lp[d] = box.p_min + (box.p_max - box.p_min) * uniform(rng, item, 0, n + d);
      }
    } else {
      bool ok = false;
      if constexpr (!S::separable) {
        failed(0) = 2;  // rejected on the host before launching; kept for safety
        return;
      } else {
      for (int a = 0; a < sh.max_attempts && !ok; ++a) {
        for (int d = 0; d < n; ++d) lq[d] = sh.q_min + (sh.q_max - sh.q_min) * uniform(rng, item, a, d);
        const double v = sys.potential(lq);
        if (!(v < sh.energy)) continue;
        // Direction: normalised Gaussian vector (Box-Muller pairs).
        double norm2 = 0;
        for (int d = 0; d < n; d += 2) {
          double z1, z2;
          box_muller(uniform(rng, item, a, n + d), uniform(rng, item, a, n + d + 1), z1, z2);
          lp[d] = z1;
          if (d + 1 < n) lp[d + 1] = z2;
        }
        for (int d = 0; d < n; ++d) norm2 += lp[d] * lp[d];
        const double speed = std::sqrt(2.0 * sys.mass() * (sh.energy - v));
        for (int d = 0; d < n; ++d) lp[d] *= speed / std::sqrt(norm2);
        ok = true;
      }
      if (!ok) {
        failed(0) = 1;
        return;
      }
      }
    }
    Load<S>::out(q, i, n, lq);
    Load<S>::out(p, i, n, lp);
  }
};

// Trajectories advanced together by one work item of the fixed-step kernel.
// One trajectory is a chain of dependent floating-point operations, bound by
// their latency; on a CPU, W independent trajectories interleaved step by
// step keep the units busy (about 10x for W = 16 on x86, measured by
// tests/benchmarks/experiment_tiled.cpp). For systems of at most 2 degrees
// of freedom 64 lanes (a 2 KiB tile) are about 1.6x faster again than 16 with
// AVX-512: 16 lanes are only 2 vectors per coordinate, too few independent
// chains to cover the latency of a step (Henon-Heiles, CPU time, Verlet
// 0.0104 -> 0.0058 s and triple jump 0.029 -> 0.018 s for 2e4 x 1000
// steps); larger systems keep 16 so that the tile stays in L1. On a GPU each
// thread takes one trajectory. The implicit midpoint rule iterates a
// data-dependent number of times and stays at one. Every lane runs the same
// instructions, so a trajectory's result does not depend on its lane, on W
// (or on the rank count).
template <class S, Method M>
constexpr int lanes_per_item() {
  if constexpr (M == Method::ImplicitMidpoint) return 1;
  else if constexpr (!std::is_same_v<ExecSpace::memory_space, Kokkos::HostSpace>) return 1;
  else if constexpr (S::max_dof <= 2) return 64;
  else return 16;
}

// Steps a lane takes in one pass over the tile. Two steps per pass keep a
// lane's state in registers between them, which halves the tile's loads and
// stores; it pays where a step is only a few vector instructions, and costs
// where it is long or not vectorised (GCC 12, -O3 -march=native, CPU time,
// one pass of two steps against two passes of one):
//   harmonic oscillator  10^5 x 1000 steps: Verlet 0.073 s vs 0.098 s,
//                        triple jump 0.171 vs 0.195
//   Henon-Heiles         10^5 x 1000: Verlet 0.034 vs 0.036, symplectic
//                        Euler 0.028 vs 0.031; triple jump 0.105 vs 0.091
//                        (two steps run out of vector registers)
//   FPUT, 32 masses      2 10^4 x 200: Verlet 0.29 vs 0.35
//   pendulum             1 is faster (sin stays a scalar library call)
//   Kepler               no difference (its sqrt vectorises: -fno-math-errno,
//                        CMakeLists.txt; without it 1 was 10-15 % faster)
// FPUT's symplectic Euler stays at one: two per pass round differently from
// two passes of one, and a lane's result must not depend on how a run is
// split into calls (test_ensemble_mpi.cpp checks every system and method).
template <class S, Method M>
constexpr int steps_per_pass() {
  constexpr bool one_force = M == Method::StormerVerlet || M == Method::SymplecticEuler;
  if constexpr (std::is_same_v<S, HarmonicOscillator>) return one_force || M == Method::TripleJump4 ? 2 : 1;
  else if constexpr (std::is_same_v<S, HenonHeiles>) return one_force ? 2 : 1;
  else if constexpr (std::is_same_v<S, FermiPastaUlam>) return M == Method::StormerVerlet ? 2 : 1;
  else return 1;
}

// The tile's time loop is a separate, not inlined function on purpose. When
// GCC 12 (-O3) inlines it into the kernel, where the tile is a local array,
// it unrolls and jams the step loop by itself and, after distributing the
// loop nest, leaves behind an empty W-iteration loop run once per pair of
// steps: ~12 % of the Verlet kernel's time (perf), the whole gap to a plain
// chunked loop. Called through pointers, one call per tile, it compiles to
// the vector loop alone (objdump).
#if defined(__GNUC__) || defined(__clang__)
#define STRUCTURA_TILE_NOINLINE __attribute__((noinline))
#else
#define STRUCTURA_TILE_NOINLINE
#endif

template <class S, Method M>
struct FixedStepKernel {
  static constexpr int W = lanes_per_item<S, M>();
  S sys;
  SoAView<double> q, p;
  Kokkos::View<int*, MemSpace> failed;
  double h;
  std::int64_t steps;
  int count;  // trajectories

  static int items(int count) { return (count + W - 1) / W; }

  // G steps of every lane of the tile (coordinate-major, [d][lane]): the
  // lane loop reads and writes contiguous memory and vectorises; each lane's
  // steps work on a copy in registers.
  template <int G>
  KOKKOS_INLINE_FUNCTION static bool pass(const S& sys, double (*tq)[W], double (*tp)[W], double h) {
    const int n = sys.dof();
    bool ok = true;
    for (int j = 0; j < W; ++j) {
      double a[S::max_dof], b[S::max_dof];
      for (int d = 0; d < n; ++d) {
        a[d] = tq[d][j];
        b[d] = tp[d][j];
      }
      ok = fixed_steps<M>(sys, a, b, h, G) && ok;
      for (int d = 0; d < n; ++d) {
        tq[d][j] = a[d];
        tp[d][j] = b[d];
      }
    }
    return ok;
  }

  STRUCTURA_TILE_NOINLINE static bool advance_tile(const S& sys, double (*tq)[W], double (*tp)[W], double h,
                                                   std::int64_t steps) {
    constexpr int G = steps_per_pass<S, M>();
    bool ok = true;
    std::int64_t k = 0;
    for (; k + G <= steps; k += G) ok = pass<G>(sys, tq, tp, h) && ok;
    for (; k < steps; ++k) ok = pass<1>(sys, tq, tp, h) && ok;
    return ok;
  }

  KOKKOS_INLINE_FUNCTION void operator()(int item) const {
    const int n = sys.dof();
    if constexpr (W == 1) {
      // One lane (GPUs, implicit midpoint): the whole run is one call.
      double a[S::max_dof], b[S::max_dof];
      Load<S>::in(q, item, n, a);
      Load<S>::in(p, item, n, b);
      if (!fixed_steps<M>(sys, a, b, h, steps)) failed(0) = 1;
      Load<S>::out(q, item, n, a);
      Load<S>::out(p, item, n, b);
    } else {
      const int first = item * W;
      const int lanes = count - first < W ? count - first : W;
      // Lanes past the end repeat the last trajectory (and are not stored),
      // so that the lane loop has a constant trip count.
      double tq[S::max_dof][W], tp[S::max_dof][W];
      for (int j = 0; j < W; ++j) {
        const int i = first + (j < lanes ? j : lanes - 1);
        for (int d = 0; d < n; ++d) {
          tq[d][j] = q(i, d);
          tp[d][j] = p(i, d);
        }
      }
      if (!advance_tile(sys, tq, tp, h, steps)) failed(0) = 1;
      for (int j = 0; j < lanes; ++j)
        for (int d = 0; d < n; ++d) {
          q(first + j, d) = tq[d][j];
          p(first + j, d) = tp[d][j];
        }
    }
  }
};

template <class S>
struct AdaptiveKernel {
  S sys;
  SoAView<double> q, p;
  Kokkos::View<double*, MemSpace> step_sizes;
  Kokkos::View<int*, MemSpace> failures;
  double t0, t1;
  Tolerances tol;

  KOKKOS_INLINE_FUNCTION void operator()(int i, std::int64_t& steps) const {
    const int n = sys.dof();
    double lq[S::max_dof], lp[S::max_dof];
    Load<S>::in(q, i, n, lq);
    Load<S>::in(p, i, n, lp);
    double h = step_sizes(i);
    const long accepted = dopri5_integrate(sys, lq, lp, t0, t1, h, tol);
    if (accepted < 0) {
      Kokkos::atomic_add(&failures(0), 1);
    } else {
      steps += accepted;
    }
    step_sizes(i) = h;
    Load<S>::out(q, i, n, lq);
    Load<S>::out(p, i, n, lp);
  }
};

template <class S>
struct ExactKernel {
  S sys;
  SoAView<double> q0, p0, q, p;
  double t;
  KOKKOS_INLINE_FUNCTION void operator()(int i, int& failures) const {
    const int n = sys.dof();
    double a[S::max_dof], b[S::max_dof], c[S::max_dof], d[S::max_dof];
    Load<S>::in(q0, i, n, a);
    Load<S>::in(p0, i, n, b);
    for (int k = 0; k < n; ++k) {
      c[k] = a[k];
      d[k] = b[k];
    }
    if (!exact_flow(sys, a, b, t, c, d)) failures += 1;
    Load<S>::out(q, i, n, c);
    Load<S>::out(p, i, n, d);
  }
};

template <class S>
struct EnergyKernel {
  S sys;
  SoAView<double> q, p;
  Kokkos::View<double*, MemSpace> out;
  KOKKOS_INLINE_FUNCTION void operator()(int i) const {
    const int n = sys.dof();
    double a[S::max_dof] = {}, b[S::max_dof] = {};  // zeroed: GCC cannot see that n >= 1
    Load<S>::in(q, i, n, a);
    Load<S>::in(p, i, n, b);
    out(i) = sys.energy(a, b);
  }
};

struct NonFiniteKernel {
  SoAView<double> q, p;
  int n;
  KOKKOS_INLINE_FUNCTION void operator()(int i, int& first) const {
    for (int d = 0; d < n; ++d) {
      const double a = q(i, d), b = p(i, d);
      if (!(a - a == 0) || !(b - b == 0)) {  // NaN or Inf
        if (i < first) first = i;
        return;
      }
    }
  }
};

Kokkos::RangePolicy<ExecSpace> range(const Ensemble& e) {
  return Kokkos::RangePolicy<ExecSpace>(0, static_cast<int>(e.size()));
}

int read_flag(const Kokkos::View<int*, MemSpace>& flag) {
  auto host = Kokkos::create_mirror_view_and_copy(HostSpace(), flag);
  return host(0);
}

template <class S>
void require_separable(Method m) {
  if constexpr (!S::separable) {
    if (m != Method::ImplicitMidpoint && m != Method::RK4)
      throw InputError(fmt::format("method '{}' needs a separable Hamiltonian", info(m).name));
  }
}

template <class S, Method M>
void run_fixed(const S& sys, Ensemble& e, double h, std::int64_t steps) {
  Kokkos::View<int*, MemSpace> failed("failed", 1);
  using Kernel = FixedStepKernel<S, M>;
  const int count = static_cast<int>(e.size());
  Kokkos::parallel_for("structura::hamiltonian::fixed_steps",
                       Kokkos::RangePolicy<ExecSpace>(0, Kernel::items(count)),
                       Kernel{sys, e.q, e.p, failed, h, steps, count});
  Kokkos::fence();
  if (read_flag(failed))
    throw NumericalError(fmt::format(
        "implicit midpoint: fixed-point iteration did not converge with step size {} (the step is too large)", h));
}

}  // namespace

void sample_initial_conditions(const System& s, const Sampling& sampling, std::uint64_t seed, Ensemble& e) {
  std::visit(
      [&](const auto& sys) {
        using S = std::decay_t<decltype(sys)>;
        if (e.dof() != sys.dof()) throw InputError("ensemble dof does not match the system");
        if (!S::separable && std::holds_alternative<ShellSampling>(sampling))
          throw InputError(fmt::format("energy-shell sampling needs a separable Hamiltonian; {} is not (use box)",
                                       system_name(s)));
        Kokkos::View<int*, MemSpace> failed("failed", 1);
        SampleKernel<S> k{sys, e.q, e.p, failed, e.first, seed, false, {}, {}};
        if (auto* box = std::get_if<BoxSampling>(&sampling)) {
          k.box = *box;
        } else {
          k.shell = true;
          k.sh = std::get<ShellSampling>(sampling);
        }
        Kokkos::parallel_for("structura::hamiltonian::sample", range(e), k);
        Kokkos::fence();
        if (read_flag(failed)) {
          const auto& sh = std::get<ShellSampling>(sampling);
          throw InputError(fmt::format(
              "energy shell H = {} of {} has no point with V(q) < H in the box [{}, {}] after {} attempts",
              sh.energy, system_name(s), sh.q_min, sh.q_max, sh.max_attempts));
        }
      },
      s);
}

void advance_fixed(const System& s, Method m, Ensemble& e, double h, std::int64_t steps) {
  std::visit(
      [&](const auto& sys) {
        using S = std::decay_t<decltype(sys)>;
        require_separable<S>(m);
        switch (m) {
          case Method::SymplecticEuler:
            if constexpr (S::separable) run_fixed<S, Method::SymplecticEuler>(sys, e, h, steps);
            break;
          case Method::StormerVerlet:
            if constexpr (S::separable) run_fixed<S, Method::StormerVerlet>(sys, e, h, steps);
            break;
          case Method::TripleJump4:
            if constexpr (S::separable) run_fixed<S, Method::TripleJump4>(sys, e, h, steps);
            break;
          case Method::ImplicitMidpoint: run_fixed<S, Method::ImplicitMidpoint>(sys, e, h, steps); break;
          case Method::RK4: run_fixed<S, Method::RK4>(sys, e, h, steps); break;
          case Method::DormandPrince: throw InputError("dopri5 is adaptive: use advance_adaptive");
        }
      },
      s);
}

std::int64_t advance_adaptive(const System& s, Ensemble& e, double t0, double t1,
                              Kokkos::View<double*, MemSpace> step_sizes, const Tolerances& tol) {
  std::int64_t steps = 0;
  Kokkos::View<int*, MemSpace> failed("failed", 1);
  std::visit(
      [&](const auto& sys) {
        using S = std::decay_t<decltype(sys)>;
        AdaptiveKernel<S> k{sys, e.q, e.p, step_sizes, failed, t0, t1, tol};
        Kokkos::parallel_reduce("structura::hamiltonian::dopri5", range(e), k, steps);
      },
      s);
  if (const int failures = read_flag(failed); failures > 0) {
    const std::int64_t bad = first_non_finite(e);
    throw NumericalError(fmt::format(
        "dopri5: {} trajectories failed between t = {} and t = {} (step size underflow, NaN, or more than {} "
        "steps){}",
        failures, t0, t1, tol.max_steps, bad >= 0 ? fmt::format("; trajectory {} is not finite", bad) : ""));
  }
  return steps;
}

void exact_solution(const System& s, const Ensemble& initial, double t, Ensemble& out) {
  int failures = 0;
  std::visit(
      [&](const auto& sys) {
        using S = std::decay_t<decltype(sys)>;
        if constexpr (std::is_same_v<S, HarmonicOscillator> || std::is_same_v<S, Kepler>) {
          ExactKernel<S> k{sys, initial.q, initial.p, out.q, out.p, t};
          Kokkos::parallel_reduce("structura::hamiltonian::exact", range(initial), k, failures);
        } else {
          throw InputError(fmt::format("no exact solution is known for {}", system_name(s)));
        }
      },
      s);
  if (failures > 0)
    throw NumericalError(fmt::format("exact Kepler flow: {} trajectories are not bound orbits (H >= 0)", failures));
}

void energies(const System& s, const Ensemble& e, Kokkos::View<double*, MemSpace> out) {
  std::visit(
      [&](const auto& sys) {
        using S = std::decay_t<decltype(sys)>;
        Kokkos::parallel_for("structura::hamiltonian::energy", range(e), EnergyKernel<S>{sys, e.q, e.p, out});
      },
      s);
  Kokkos::fence();
}

std::int64_t first_non_finite(const Ensemble& e) {
  int first = static_cast<int>(e.size());
  Kokkos::parallel_reduce("structura::hamiltonian::non_finite", range(e), NonFiniteKernel{e.q, e.p, e.dof()},
                          Kokkos::Min<int>(first));
  return first < e.size() ? e.first + first : -1;
}

}  // namespace structura::hamiltonian
