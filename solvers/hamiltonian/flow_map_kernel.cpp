#include "hamiltonian/flow_map_kernel.hpp"

#include <fmt/format.h>

#include <cmath>
#include <type_traits>

#include "core/error.hpp"
#include "hamiltonian/lane_pack.hpp"

namespace structura::hamiltonian {

namespace {

FlowMapArchitecture validated(const FlowMapArchitecture& a) {
  a.validate();
  return a;
}

// Trajectories per work item: on a CPU a tile of W trajectories advances in
// lock step (Pack<W>: every arithmetic operation is W lanes wide, vector
// instructions across trajectories). W = 64 keeps eight AVX-512 (sixteen
// AVX2) accumulators in flight, which hides the latency of the dependent
// multiply-adds of each MLP row: W = 8 and 16 ran 2.5x slower, 32 1.1x
// (tests/benchmarks/sympflow, 2026-11-26). On a GPU each thread takes one.
constexpr int lanes_per_item() {
  if constexpr (std::is_same_v<ExecSpace::memory_space, Kokkos::HostSpace>) return 64;
  else return 1;
}

// A functor rather than a lambda, like the kernels of ensemble.cpp.
struct FlowMapFunctor {
  static constexpr int W = lanes_per_item();
  using Scalar = std::conditional_t<W == 1, double, Pack<W>>;
  FlowMapShape shape;
  Kokkos::View<const double*, MemSpace> w;
  SoAView<double> q, p;
  FlowMapSchedule plan;
  int count;  // trajectories

  static int items(int count) { return (count + W - 1) / W; }

  KOKKOS_INLINE_FUNCTION static double& lane(double& x, int) { return x; }
  template <int V>
  KOKKOS_INLINE_FUNCTION static double& lane(Pack<V>& x, int l) {
    return x.v[l];
  }

  KOKKOS_INLINE_FUNCTION void operator()(int item) const {
    const int n = shape.dof;
    const int first = item * W;
    const int lanes = count - first < W ? count - first : W;
    // Lanes past the end repeat the last trajectory and are not stored.
    Scalar lq[kMaxDof], lp[kMaxDof];
    for (int l = 0; l < W; ++l) {
      const int i = first + (l < lanes ? l : lanes - 1);
      for (int d = 0; d < n; ++d) {
        lane(lq[d], l) = q(i, d);
        lane(lp[d], l) = p(i, d);
      }
    }
    flow_map_rollout(shape, w.data(), plan, lq, lp);
    for (int l = 0; l < lanes; ++l)
      for (int d = 0; d < n; ++d) {
        q(first + l, d) = lane(lq[d], l);
        p(first + l, d) = lane(lp[d], l);
      }
  }
};
}  // namespace

FlowMapSchedule rollout_schedule(double t, double step) {
  if (!std::isfinite(t)) throw InputError(fmt::format("rollout time t = {} is not finite", t));
  if (!(step > 0) || !std::isfinite(step))
    throw InputError(fmt::format("rollout step = {} must be positive and finite", step));
  if (t < step) return {0, step, t};
  const double k = std::floor(t / step);
  // 2^53 repeats would not finish anyway; the bound keeps the cast defined.
  if (k > 9.0e15) throw InputError(fmt::format("rollout to t = {} in steps of {} needs too many steps", t, step));
  FlowMapSchedule plan{static_cast<std::int64_t>(k), step, t - k * step};
  if (plan.last <= 0) {  // t is a multiple of step, up to rounding
    plan.repeats -= 1;
    plan.last = step;
  }
  return plan;
}

FlowMapKernel::FlowMapKernel(const FlowMapWeights& weights)
    : architecture_(validated(weights.architecture)), shape_(architecture_) {
  const std::int64_t size = architecture_.size();
  if (static_cast<std::int64_t>(weights.values.size()) != size)
    throw InputError(
        fmt::format("flow map weights: {} values for an architecture of {} parameters", weights.values.size(), size));
  weights_ = Kokkos::View<double*, MemSpace>("structura::hamiltonian::flow_map_weights", size);
  Kokkos::View<const double*, HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>> host(weights.values.data(), size);
  Kokkos::deep_copy(weights_, host);
}

void FlowMapKernel::apply(Ensemble& e, double t) const { run(e, FlowMapSchedule{0, 0, t}); }

void FlowMapKernel::rollout(Ensemble& e, double t, double step) const { run(e, rollout_schedule(t, step)); }

void FlowMapKernel::run(Ensemble& e, const FlowMapSchedule& plan) const {
  if (e.dof() != shape_.dof)
    throw InputError(
        fmt::format("flow map of {} degrees of freedom applied to an ensemble of {}", shape_.dof, e.dof()));
  const auto count = static_cast<int>(e.size());
  Kokkos::parallel_for("structura::hamiltonian::flow_map",
                       Kokkos::RangePolicy<ExecSpace>(0, FlowMapFunctor::items(count)),
                       FlowMapFunctor{shape_, weights_, e.q, e.p, plan, count});
  Kokkos::fence();
}

}  // namespace structura::hamiltonian
