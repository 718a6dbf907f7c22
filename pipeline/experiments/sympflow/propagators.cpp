#include "experiments/sympflow/propagators.hpp"

#include <cmath>

#include "core/error.hpp"

namespace structura::pipeline::sympflow {

using hamiltonian::Ensemble;

namespace {

// Whole number of pieces of length `piece` in `t` (they must divide).
std::int64_t pieces(double t, double piece) { return std::max<std::int64_t>(1, std::llround(t / piece)); }

void copy_into(const Ensemble& from, Ensemble& to) {
  Kokkos::deep_copy(to.q, from.q);
  Kokkos::deep_copy(to.p, from.p);
}

// Flow maps: dense samples are N(j delta) of the state at the last whole interval.
class FlowMapBase : public Propagator {
public:
  explicit FlowMapBase(double interval) : interval_(interval) {}
  void dense(Ensemble& e, double delta, std::int64_t samples,
             const std::function<void(std::int64_t, const Ensemble&)>& visit) override {
    const std::int64_t per_interval = pieces(interval_, delta);
    Ensemble sample(e.first, e.size(), e.dof());
    for (std::int64_t j = 0; j < samples; ++j) {
      const std::int64_t within = j % per_interval;
      if (j > 0 && within == 0) map(e, interval_);
      copy_into(e, sample);
      if (within > 0) map(sample, double(within) * delta);
      visit(j, sample);
    }
  }
  void advance(Ensemble& e, double t) override {
    for (std::int64_t k = pieces(t, interval_); k > 0; --k) map(e, interval_);
  }

protected:
  virtual void map(Ensemble& e, double t) = 0;
  double interval_;
};

class FlowMapPropagator : public FlowMapBase {
public:
  FlowMapPropagator(const hamiltonian::FlowMapWeights& w, double interval) : FlowMapBase(interval), kernel_(w) {}
  void advance(Ensemble& e, double t) override {  // one kernel for the whole composition
    kernel_.rollout(e, t, interval_);
  }

protected:
  void map(Ensemble& e, double t) override { kernel_.apply(e, t); }

private:
  hamiltonian::FlowMapKernel kernel_;
};

class TorchPropagator : public FlowMapBase {
public:
  TorchPropagator(std::shared_ptr<hamiltonian::sympflow::FlowModel> m, double interval, torch::Dtype dtype)
      : FlowMapBase(interval), model_(std::move(m)), dtype_(dtype) {}

protected:
  void map(Ensemble& e, double t) override {
    torch::NoGradGuard no_grad;
    const int n = e.dof();
    const std::int64_t m = e.size();
    auto q = Kokkos::create_mirror_view_and_copy(HostSpace(), e.q);
    auto p = Kokkos::create_mirror_view_and_copy(HostSpace(), e.p);
    // Ensemble views are (trajectory, coordinate) column-major: q.data() is (n, m) row-major.
    const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
    torch::Tensor x = torch::cat({torch::from_blob(q.data(), {n, m}, f64), torch::from_blob(p.data(), {n, m}, f64)}, 0)
                          .t()
                          .to(dtype_);
    torch::Tensor y = model_->flow(x, torch::full({m, 1}, t, x.options()), false).x.to(torch::kFloat64).t().contiguous();
    std::copy(y.data_ptr<double>(), y.data_ptr<double>() + n * m, q.data());
    std::copy(y.data_ptr<double>() + n * m, y.data_ptr<double>() + 2 * n * m, p.data());
    Kokkos::deep_copy(e.q, q);
    Kokkos::deep_copy(e.p, p);
  }

private:
  std::shared_ptr<hamiltonian::sympflow::FlowModel> model_;
  torch::Dtype dtype_;
};

class ClassicalPropagator : public Propagator {
public:
  ClassicalPropagator(const hamiltonian::System& s, double h)
      : system_(s),
        h_(h),
        method_(std::visit([](const auto& sys) { return std::decay_t<decltype(sys)>::separable; }, s)
                    ? hamiltonian::Method::StormerVerlet
                    : hamiltonian::Method::ImplicitMidpoint) {}
  void advance(Ensemble& e, double t) override { hamiltonian::advance_fixed(system_, method_, e, h_, pieces(t, h_)); }
  void dense(Ensemble& e, double delta, std::int64_t samples,
             const std::function<void(std::int64_t, const Ensemble&)>& visit) override {
    // Whole steps between samples: the step is rounded so that it divides delta.
    const std::int64_t steps = pieces(delta, h_);
    for (std::int64_t j = 0; j < samples; ++j) {
      if (j > 0) hamiltonian::advance_fixed(system_, method_, e, delta / double(steps), steps);
      visit(j, e);
    }
  }

private:
  hamiltonian::System system_;
  double h_;
  hamiltonian::Method method_;
};

class ReferencePropagator : public Propagator {
public:
  ReferencePropagator(const hamiltonian::System& s, double rtol, double atol) : system_(s), tol_{rtol, atol} {}
  void advance(Ensemble& e, double t) override {
    if (hamiltonian::has_exact_solution(system_)) {
      Ensemble out(e.first, e.size(), e.dof());
      hamiltonian::exact_solution(system_, e, t, out);
      copy_into(out, e);
      return;
    }
    if (steps_.data() == nullptr)  // first use: 0 lets each trajectory choose its step
      steps_ = Kokkos::View<double*, MemSpace>("reference_step_sizes", e.size());
    require(steps_.extent(0) == static_cast<std::size_t>(e.size()),
            "ReferencePropagator: one propagator per ensemble (it carries that ensemble's step sizes)");
    hamiltonian::advance_adaptive(system_, e, 0.0, t, steps_, tol_);
  }

private:
  hamiltonian::System system_;
  hamiltonian::Tolerances tol_;
  Kokkos::View<double*, MemSpace> steps_;  // of the one ensemble this propagator advances
};

}  // namespace

void Propagator::dense(Ensemble& e, double delta, std::int64_t samples,
                       const std::function<void(std::int64_t, const Ensemble&)>& visit) {
  for (std::int64_t j = 0; j < samples; ++j) {
    if (j > 0) advance(e, delta);
    visit(j, e);
  }
}

std::unique_ptr<Propagator> flow_map_propagator(const hamiltonian::FlowMapWeights& weights, double interval) {
  return std::make_unique<FlowMapPropagator>(weights, interval);
}
std::unique_ptr<Propagator> torch_propagator(std::shared_ptr<hamiltonian::sympflow::FlowModel> model, double interval,
                                             torch::Dtype dtype) {
  return std::make_unique<TorchPropagator>(std::move(model), interval, dtype);
}
std::unique_ptr<Propagator> classical_propagator(const hamiltonian::System& system, double h) {
  return std::make_unique<ClassicalPropagator>(system, h);
}
std::unique_ptr<Propagator> reference_propagator(const hamiltonian::System& system, double rtol, double atol) {
  return std::make_unique<ReferencePropagator>(system, rtol, atol);
}

}  // namespace structura::pipeline::sympflow
