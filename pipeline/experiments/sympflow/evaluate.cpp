// Stage `evaluate` of `sympflow`: every trained variant, the classical
// integrator at a step of equal cost and the accurate reference advance the
// same held-out initial conditions frame by frame (one frame = one flow-map
// interval). Errors are averaged over the ensemble (sums over ranks), so they
// do not depend on the decomposition beyond rounding. Small sets (phase-space
// trajectories, Poincare orbits) are computed identically on every rank.
// The stage keeps no checkpoint: on a signal it stops at the next frame (or
// within 256 samples of a phase or Poincare run) and a rerun starts it again.
#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "core/stats.hpp"
#include "experiments/sympflow/cost.hpp"
#include "experiments/sympflow/models.hpp"
#include "experiments/sympflow/propagators.hpp"
#include "experiments/sympflow/settings.hpp"
#include "experiments/sympflow/stages.hpp"
#include "hamiltonian/sympflow/sympflow.hpp"
#include "nn/device.hpp"
#include "run/collective_errors.hpp"
#include "run/log.hpp"

namespace structura::pipeline::sympflow {

using hamiltonian::Ensemble;

namespace {

struct Compared {
  Compared(std::string n, std::string f, std::unique_ptr<Propagator> p)
      : name(std::move(n)), family(std::move(f)), propagator(std::move(p)) {}
  std::string name;
  std::string family;  // "sympflow", "baseline", "classical", "reference"
  std::unique_ptr<Propagator> propagator;
  double seconds = 0;  // in advance(), this rank
  // Sums over this rank's trajectories, per frame.
  std::vector<double> energy, relative_energy, state, relative_state;
};

std::vector<double> host_energies(const hamiltonian::System& s, const Ensemble& e) {
  Kokkos::View<double*, MemSpace> h("energies", e.size());
  hamiltonian::energies(s, e, h);
  auto m = Kokkos::create_mirror_view_and_copy(HostSpace(), h);
  return std::vector<double>(m.data(), m.data() + e.size());
}

struct HostState {
  SoAView<double, HostSpace> q, p;
};
HostState host_state(const Ensemble& e) {
  return {Kokkos::create_mirror_view_and_copy(HostSpace(), e.q), Kokkos::create_mirror_view_and_copy(HostSpace(), e.p)};
}

// Adds frame k's errors of `e` against `ref` to m's sums.
void accumulate(Compared& m, std::size_t k, const hamiltonian::System& sys, const Ensemble& e, const HostState& ref,
                const std::vector<double>& h0) {
  const std::vector<double> h = host_energies(sys, e);
  const HostState x = host_state(e);
  const int n = e.dof();
  for (std::int64_t i = 0; i < e.size(); ++i) {
    const double de = std::fabs(h[i] - h0[i]);
    m.energy[k] += de;
    m.relative_energy[k] += de / std::max(std::fabs(h0[i]), 1e-300);
    double d2 = 0, r2 = 0;
    for (int c = 0; c < n; ++c) {
      const double dq = x.q(i, c) - ref.q(i, c), dp = x.p(i, c) - ref.p(i, c);
      d2 += dq * dq + dp * dp;
      r2 += ref.q(i, c) * ref.q(i, c) + ref.p(i, c) * ref.p(i, c);
    }
    m.state[k] += std::sqrt(d2);
    m.relative_state[k] += std::sqrt(d2) / std::max(std::sqrt(r2), 1e-300);
  }
}

void write_metric(h5::Group& g, const std::string& name, double value, const std::string& unit,
                  const std::string& meaning) {
  h5::Dataset d = g.write_dataset(name, std::vector<double>{value}, h5::Dims{1});
  d.set_attribute("unit", unit);
  d.set_attribute("meaning", meaning);
}

void write_series(h5::Group& g, const std::string& name, const std::vector<double>& values, const std::string& unit,
                  const std::string& meaning) {
  h5::Dataset d = g.write_dataset(name, values, h5::Dims{values.size()});
  d.set_attribute("unit", unit);
  d.set_attribute("meaning", meaning);
}

std::string time_tag(double t) { return fmt::format("t{:g}", t); }

// Every rank takes the same samples, so polling every 256th is collective.
constexpr std::int64_t kSamplesPerPoll = 256;

// Samples of `orbits` under one method: (samples, orbits, 2n) row-major, and the callback for crossings.
std::vector<double> dense_samples(Propagator& prop, Ensemble e, double delta, std::int64_t samples,
                                  const std::function<void()>& poll,
                                  const std::function<void(std::int64_t, const HostState&)>& also = {}) {
  const int n = e.dof();
  const std::int64_t m = e.size();
  std::vector<double> out(static_cast<std::size_t>(samples * m * 2 * n));
  prop.dense(e, delta, samples, [&](std::int64_t j, const Ensemble& x) {
    if (j % kSamplesPerPoll == kSamplesPerPoll - 1) poll();
    const HostState h = host_state(x);
    for (std::int64_t i = 0; i < m; ++i)
      for (int c = 0; c < n; ++c) {
        out[static_cast<std::size_t>((j * m + i) * 2 * n + c)] = h.q(i, c);
        out[static_cast<std::size_t>((j * m + i) * 2 * n + n + c)] = h.p(i, c);
      }
    if (also) also(j, h);
  });
  return out;
}

// Poincare section q1 = 0, p1 > 0 of Henon-Heiles orbits: (orbit, q2, p2)
// per upward crossing, linearly interpolated between samples.
std::vector<double> poincare_points(Propagator& prop, const Ensemble& orbits, double delta, std::int64_t samples,
                                    const std::function<void()>& poll) {
  Ensemble e(orbits.first, orbits.size(), orbits.dof());
  Kokkos::deep_copy(e.q, orbits.q);
  Kokkos::deep_copy(e.p, orbits.p);
  const std::int64_t m = e.size();
  std::vector<double> prev(static_cast<std::size_t>(m * 4)), points;
  prop.dense(e, delta, samples, [&](std::int64_t j, const Ensemble& x) {
    if (j % kSamplesPerPoll == kSamplesPerPoll - 1) poll();
    const HostState h = host_state(x);
    for (std::int64_t i = 0; i < m; ++i) {
      double* pv = &prev[static_cast<std::size_t>(i * 4)];
      const double q1 = h.q(i, 0), q2 = h.q(i, 1), p1 = h.p(i, 0), p2 = h.p(i, 1);
      if (j > 0 && pv[0] < 0 && q1 >= 0 && p1 > 0) {
        const double f = -pv[0] / (q1 - pv[0]);
        points.insert(points.end(), {double(i), pv[1] + f * (q2 - pv[1]), pv[3] + f * (p2 - pv[3])});
      }
      pv[0] = q1, pv[1] = q2, pv[2] = p1, pv[3] = p2;
    }
  });
  return points;
}

}  // namespace

void evaluate(StageContext& ctx) {
  const Settings s = read_settings(ctx.config);
  const std::function<void()> poll = [&] {
    if (ctx.checkpointer.stop_requested()) throw Interrupted();
  };
  const nn::TorchSettings ts = nn::parse_torch_settings("cpu", s.training.dtype, s.training.threads, "training");
  nn::apply(ts);
  const double dt = s.t_max;
  const double t_end = s.eval_times.back();
  const auto frames = static_cast<std::size_t>(std::llround(t_end / dt)) + 1;
  const double classical_h = s.verlet_dt > 0 ? s.verlet_dt : equal_cost_step(s.architecture, s.system, dt);
  const bool separable = std::visit([](const auto& x) { return std::decay_t<decltype(x)>::separable; }, s.system);
  const std::string classical_name = separable ? "verlet" : "implicit-midpoint";

  // ---- the compared methods ----
  std::vector<Compared> methods;
  const h5::Group models = ctx.file.open_group("/models");
  for (const auto& name : s.variants) {
    const Variant v = parse_variant(name);
    auto model = load_model(models, s, v, ts.dtype);
    Compared m{name, v.baseline ? "baseline" : "sympflow", nullptr};
    if (v.baseline) {
      m.propagator = torch_propagator(model, dt, ts.dtype);
    } else {
      auto* symp = dynamic_cast<hamiltonian::sympflow::SympFlow*>(model.get());
      m.propagator = flow_map_propagator(symp->export_weights(), dt);
    }
    methods.push_back(std::move(m));
  }
  methods.push_back({classical_name, "classical", classical_propagator(s.system, classical_h)});
  Compared reference{"reference", "reference", reference_propagator(s.system, s.rtol, s.atol)};
  auto zero = [frames](Compared& m) {
    for (auto* series : {&m.energy, &m.relative_energy, &m.state, &m.relative_state}) series->assign(frames, 0.0);
  };
  zero(reference);
  for (auto& m : methods) zero(m);

  // ---- held-out initial conditions and the frame loop ----
  const Range local = ctx.comm.block(s.eval_trajectories);
  Ensemble initial(local.begin, local.count, s.dof);
  agree_on_errors(ctx.comm, [&] { sample_below_energy(s, derived_seed(s.seed, Purpose::Evaluation), initial); });
  const std::vector<double> h0 = host_energies(s.system, initial);
  Ensemble ref_state = initial.clone();
  std::vector<Ensemble> states;
  for (std::size_t m = 0; m < methods.size(); ++m) states.push_back(initial.clone());

  Progress progress = ctx.progress("evaluate", static_cast<std::int64_t>(frames - 1), "frames");
  for (std::size_t k = 1; k < frames; ++k) {
    // A failing reference or implicit step is local to a rank's slice.
    agree_on_errors(ctx.comm, [&] { reference.propagator->advance(ref_state, dt); });
    const HostState ref = host_state(ref_state);
    accumulate(reference, k, s.system, ref_state, ref, h0);
    for (std::size_t m = 0; m < methods.size(); ++m) {
      agree_on_errors(ctx.comm, [&] {  // timed inside: the agreement is not the method's cost
        const auto start = std::chrono::steady_clock::now();
        methods[m].propagator->advance(states[m], dt);
        Kokkos::fence();
        methods[m].seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      });
      if (const std::int64_t bad = hamiltonian::first_non_finite(states[m]); ctx.comm.any(bad >= 0))
        throw NumericalError(fmt::format("evaluate: {} produced a non-finite state at t = {:g} (trajectory {})",
                                         methods[m].name, double(k) * dt, bad));
      accumulate(methods[m], k, s.system, states[m], ref, h0);
    }
    progress.update(static_cast<std::int64_t>(k));
    poll();
  }
  progress.finish();

  // ---- global means, written as time series and as metrics ----
  const double count = double(s.eval_trajectories);
  std::vector<double> times(frames);
  for (std::size_t k = 0; k < frames; ++k) times[k] = double(k) * dt;
  h5::Group ev = ctx.fresh_group("/evaluation");
  ev.write_dataset("times", times, h5::Dims{frames}).set_attribute("unit", "time");
  ev.set_attribute("interval", dt);
  ev.set_attribute("trajectories", s.eval_trajectories);
  ev.set_attribute("max_energy", s.eval_max_energy);
  ev.set_attribute("classical_method", classical_name);
  ev.set_attribute("classical_step", classical_h);
  ev.set_attribute("reference", hamiltonian::has_exact_solution(s.system) ? "exact" : "dopri5");
  h5::Group metrics = ctx.fresh_group("/metrics");
  metrics.set_attribute("classical_step", classical_h);
  metrics.set_attribute("flow_map_flops", flow_map_flops(s.architecture));
  metrics.set_attribute("classical_step_flops", classical_step_flops(s.system));

  std::vector<Compared*> all{&reference};
  for (auto& m : methods) all.push_back(&m);
  for (Compared* m : all) {
    for (auto* series : {&m->energy, &m->relative_energy, &m->state, &m->relative_state}) {
      ctx.comm.sum_in_place(*series);
      for (double& x : *series) x /= count;
    }
    h5::Group g = ev.require_group(m->name);
    g.set_attribute("family", m->family);
    write_series(g, "energy_error", m->energy, "energy", "mean |H(x(t)) - H(x0)|");
    write_series(g, "relative_energy_error", m->relative_energy, "1", "mean |H(x(t)) - H(x0)| / |H(x0)|");
    if (m == &reference) continue;
    write_series(g, "state_error", m->state, "1", "mean |x(t) - x_ref(t)| over [q, p]");
    write_series(g, "relative_state_error", m->relative_state, "1", "mean |x(t) - x_ref(t)| / |x_ref(t)|");

    h5::Group mg = metrics.require_group(m->name);
    for (double t : s.eval_times) {
      const auto k = static_cast<std::size_t>(std::llround(t / dt));
      const std::string tag = time_tag(t);
      write_metric(mg, "state_error_" + tag, m->state[k], "1", "mean |x - x_ref| at t = " + fmt::format("{:g}", t));
      write_metric(mg, "relative_state_error_" + tag, m->relative_state[k], "1", "mean |x - x_ref| / |x_ref|");
      write_metric(mg, "energy_error_" + tag, m->energy[k], "energy", "mean |H(x(t)) - H(x0)|");
      write_metric(mg, "relative_energy_error_" + tag, m->relative_energy[k], "1", "mean |H(x(t)) - H(x0)| / |H(x0)|");
    }
    // Energy error growth: log-log slope over the frames t >= 1 interval
    // (bounded error: ~0; linear drift: ~1).
    std::vector<double> tx(times.begin() + 1, times.end()), ey(m->energy.begin() + 1, m->energy.end());
    write_metric(mg, "energy_error_slope", frames > 2 ? log_log_slope(tx, ey) : 0.0, "1",
                 "log-log slope of the mean energy error against t");
    const double seconds = ctx.comm.max(m->seconds);
    write_metric(mg, "inference_time", seconds * ctx.comm.size() / (count * t_end), "s",
                 "core-seconds per trajectory per unit of simulated time");
    if (m->family != "classical") {
      const h5::Group tg = ctx.file.open_group("/training/" + m->name);
      write_metric(mg, "training_time_per_epoch", tg.double_attribute("seconds_per_epoch"), "s",
                   "wall time per training epoch");
      write_metric(mg, "parameters", double(models.open_group(m->name).int_attribute("parameter_count")), "1",
                   "trainable parameters");
    }
  }

  // ---- phase-space trajectories and the Poincare section (identical on every rank) ----
  auto all_propagators = [&](const std::function<void(const std::string&, Propagator&)>& f) {
    f("reference", *reference_propagator(s.system, s.rtol, s.atol));  // its own step sizes
    for (auto& m : methods) f(m.name, *m.propagator);
  };
  if (s.phase_trajectories > 0) {
    Ensemble few(0, s.phase_trajectories, s.dof);
    sample_below_energy(s, derived_seed(s.seed, Purpose::Evaluation), few);  // the first evaluation trajectories
    const double delta = dt / std::max(1.0, std::round(dt / s.phase_resolution));
    const auto samples = static_cast<std::int64_t>(std::llround(s.phase_t_end / delta)) + 1;
    h5::Group ph = ev.require_group("phase");
    std::vector<double> pt(static_cast<std::size_t>(samples));
    for (std::int64_t j = 0; j < samples; ++j) pt[static_cast<std::size_t>(j)] = double(j) * delta;
    ph.write_dataset("times", pt, h5::Dims{static_cast<hsize_t>(samples)}).set_attribute("unit", "time");
    all_propagators([&](const std::string& name, Propagator& prop) {
      Ensemble e = few.clone();
      const auto v = dense_samples(prop, e, delta, samples, poll);
      ph.write_dataset(name, v, h5::Dims{static_cast<hsize_t>(samples), static_cast<hsize_t>(few.size()),
                                         static_cast<hsize_t>(2 * s.dof)})
          .set_attribute("meaning", "states (time, trajectory, [q, p]) of the first evaluation trajectories");
    });
  }
  if (s.poincare_orbits > 0) {
    Ensemble orbits(0, s.poincare_orbits, s.dof);
    hamiltonian::sample_initial_conditions(s.system,
                                           hamiltonian::ShellSampling{s.poincare_energy, s.box.q_min, s.box.q_max},
                                           derived_seed(s.seed, Purpose::Poincare), orbits);
    const double delta = dt / std::max(1.0, std::round(dt / s.poincare_resolution));
    const auto samples = static_cast<std::int64_t>(std::llround(s.poincare_t_end / delta)) + 1;
    h5::Group pc = ev.require_group("poincare");
    pc.set_attribute("energy", s.poincare_energy);
    pc.set_attribute("t_end", s.poincare_t_end);
    Progress pp = ctx.progress("poincare", static_cast<std::int64_t>(methods.size() + 1), "methods");
    std::int64_t done = 0;
    all_propagators([&](const std::string& name, Propagator& prop) {
      const auto points = poincare_points(prop, orbits, delta, samples, poll);
      pc.write_dataset(name, points, h5::Dims{points.size() / 3, 3})
          .set_attribute("meaning", "(orbit, q2, p2) at each crossing of q1 = 0 with p1 > 0");
      pp.update(++done);
    });
    pp.finish();
  }
  log::info("evaluate: {} trajectories to t = {:g}; {} step {:.4g} (equal cost: {})", s.eval_trajectories, t_end,
            classical_name, classical_h, s.verlet_dt > 0 ? "no, set" : "yes");
}

}  // namespace structura::pipeline::sympflow
