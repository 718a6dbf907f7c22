#include "hamiltonian/flow_map_kernel.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"

namespace structura::hamiltonian {

namespace {

FlowMapArchitecture validated(const FlowMapArchitecture& a) {
  a.validate();
  return a;
}

// A functor rather than a lambda, like the kernels of ensemble.cpp.
struct FlowMapFunctor {
  FlowMapShape shape;
  Kokkos::View<const double*, MemSpace> w;
  SoAView<double> q, p;
  FlowMapSchedule plan;

  KOKKOS_INLINE_FUNCTION void operator()(int i) const {
    const int n = shape.dof;
    double lq[kMaxDof], lp[kMaxDof];
    for (int d = 0; d < n; ++d) {
      lq[d] = q(i, d);
      lp[d] = p(i, d);
    }
    flow_map_rollout(shape, w.data(), plan, lq, lp);
    for (int d = 0; d < n; ++d) {
      q(i, d) = lq[d];
      p(i, d) = lp[d];
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
  Kokkos::parallel_for("structura::hamiltonian::flow_map",
                       Kokkos::RangePolicy<ExecSpace>(0, static_cast<int>(e.size())),
                       FlowMapFunctor{shape_, weights_, e.q, e.p, plan});
  Kokkos::fence();
}

}  // namespace structura::hamiltonian
