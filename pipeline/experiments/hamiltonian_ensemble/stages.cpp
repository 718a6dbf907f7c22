#include "experiments/hamiltonian_ensemble/stages.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <future>

#include "core/stats.hpp"
#include "run/log.hpp"

namespace structura::pipeline::hamiltonian_ensemble {

using namespace structura::hamiltonian;

namespace {

using h5::Dims;

// Runs f and returns the message of an E it throws ("" if none), so that
// ranks can agree on an error before raising it together.
template <class E, class F>
std::string capture_error(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

// One frame per chunk, at most ~1 MiB: split the trajectory axis if needed.
Dims frame_chunk(std::int64_t n_traj, int n) {
  const std::int64_t per_chunk = std::max<std::int64_t>(1, (1 << 20) / (8 * std::max(n, 1)));
  const hsize_t c = static_cast<hsize_t>(std::min(n_traj, per_chunk));
  return n > 0 ? Dims{1, c, static_cast<hsize_t>(n)} : Dims{1, c};
}

h5::DatasetOptions options(const Settings& s, const Dims& chunk, const std::string& unit) {
  return {chunk, s.deflate, unit};
}

void from_host(Ensemble& e, const std::vector<double>& q, const std::vector<double>& p) {
  auto hq = Kokkos::create_mirror_view(e.q);
  auto hp = Kokkos::create_mirror_view(e.p);
  const int n = e.dof();
  for (std::int64_t i = 0; i < e.size(); ++i)
    for (int d = 0; d < n; ++d) {
      hq(i, d) = q[i * n + d];
      hp(i, d) = p[i * n + d];
    }
  Kokkos::deep_copy(e.q, hq);
  Kokkos::deep_copy(e.p, hp);
}

void write_rows(h5::Dataset& d, const Range& local, int n, const std::vector<double>& v) {
  d.write(Dims{static_cast<hsize_t>(local.begin), 0},
          Dims{static_cast<hsize_t>(local.count), static_cast<hsize_t>(n)}, v.data());
}

// The datasets of one trajectory group /timeseries/<name>: position and
// momentum value[T, N, n] (optional), energy value[T, N], each with step[T]
// and time[T] (H5MD-like).
struct Series {
  std::optional<h5::Dataset> position, momentum;
  h5::Dataset energy;
};

void write_axes(h5::Group& g, const Layout& l) {
  std::vector<std::int64_t> step(l.frames);
  std::vector<double> time(l.frames);
  for (std::int64_t k = 0; k < l.frames; ++k) {
    step[k] = k * l.every;
    time[k] = static_cast<double>(k * l.every) * l.dt;
  }
  g.write_dataset("step", step, Dims{static_cast<hsize_t>(l.frames)});
  g.write_dataset("time", time, Dims{static_cast<hsize_t>(l.frames)}, {{}, 0, "time"});
}

Series create_series(StageContext& ctx, const Settings& settings, const std::string& group, const Layout& l) {
  auto T = static_cast<hsize_t>(l.frames), N = static_cast<hsize_t>(l.trajectories),
       n = static_cast<hsize_t>(l.dof);
  h5::Group g = ctx.file.require_group(group);
  auto observable = [&](const std::string& name, const Dims& dims, const Dims& chunk, const std::string& unit) {
    h5::Group o = g.require_group(name);
    write_axes(o, l);
    return o.create_dataset<double>("value", dims, options(settings, chunk, unit));
  };
  Series s{std::nullopt, std::nullopt,
           observable("energy", Dims{T, N}, frame_chunk(l.trajectories, 0), "energy")};
  if (settings.states) {
    s.position = observable("position", Dims{T, N, n}, frame_chunk(l.trajectories, l.dof), "length");
    s.momentum = observable("momentum", Dims{T, N, n}, frame_chunk(l.trajectories, l.dof), "momentum");
  }
  g.set_attribute("frames", l.frames);
  g.set_attribute("trajectories", l.trajectories);
  g.set_attribute("dt", l.dt);
  g.set_attribute("output_every", l.every);
  return s;
}

Series open_series(StageContext& ctx, const std::string& group) {
  h5::Group g = ctx.file.open_group(group);
  Series s{std::nullopt, std::nullopt, g.open_dataset("energy/value")};
  if (g.exists("position/value")) {
    s.position = g.open_dataset("position/value");
    s.momentum = g.open_dataset("momentum/value");
  }
  return s;
}

// One frame of this rank's trajectories in host memory: what is written to
// the time series and, when a checkpoint falls on the frame, to /checkpoint.
// Taking it is a plain copy (memcpy on a CPU); the conversion to the file's
// row-major layout happens while the next frame is being computed.
struct Snapshot {
  Kokkos::View<double**, Kokkos::LayoutLeft, HostSpace> q, p;
  Kokkos::View<double*, HostSpace> energy, carried;

  Snapshot(std::int64_t m, int n)
      : q("snapshot q", m, n), p("snapshot p", m, n), energy("snapshot energy", m), carried("snapshot carried", m) {}

  // Copies the ensemble's state and the energies computed for it.
  void take(const Ensemble& e, const Kokkos::View<double*, MemSpace>& energies_of_e) {
    Kokkos::deep_copy(q, e.q);
    Kokkos::deep_copy(p, e.p);
    Kokkos::deep_copy(energy, energies_of_e);
  }

  // Row-major [m, n] copies of q and p, as the datasets store them.
  std::vector<double> rows(const Kokkos::View<double**, Kokkos::LayoutLeft, HostSpace>& v) const {
    const std::int64_t m = static_cast<std::int64_t>(v.extent(0));
    const int n = static_cast<int>(v.extent(1));
    std::vector<double> out(static_cast<std::size_t>(m * n));
    for (int d = 0; d < n; ++d)
      for (std::int64_t i = 0; i < m; ++i) out[i * n + d] = v(i, d);
    return out;
  }
};

void write_frame(Series& s, const Layout& l, std::int64_t k, const Snapshot& f) {
  const auto K = static_cast<hsize_t>(k), b = static_cast<hsize_t>(l.local.begin),
             m = static_cast<hsize_t>(l.local.count), n = static_cast<hsize_t>(l.dof);
  s.energy.write(Dims{K, b}, Dims{1, m}, f.energy.data());
  if (s.position) {
    s.position->write(Dims{K, b, 0}, Dims{1, m, n}, f.rows(f.q).data());
    s.momentum->write(Dims{K, b, 0}, Dims{1, m, n}, f.rows(f.p).data());
  }
}

// Advances `e` from frame k-1 to frame k (local work only; a NumericalError
// it throws is agreed on by all ranks in run_frames).
using Advance = std::function<void(Ensemble& e, std::int64_t k)>;

// Extra per-trajectory state a method carries between frames (the adaptive
// step sizes of dopri5), saved in checkpoints so that a resume is exact.
struct CarriedState {
  Kokkos::View<double*, MemSpace> values;
  std::string name;
};

// The frame loop shared by the reference and the integrators: frame 0 from
// the initial conditions, then advance/check/write/poll per frame, with
// checkpoints that make a resumed run identical to an uninterrupted one.
//
// Output overlaps computation: while a worker thread advances the ensemble
// to frame k+1, the main thread writes frame k from a host snapshot (and
// does all MPI and HDF5 calls: MPI_THREAD_FUNNELED, HDF5 not thread-safe).
// Kokkos is used by one thread at a time: snapshots are taken before the
// worker starts and after it is joined. The arithmetic is unchanged, so
// results are identical to a sequential loop.
double run_frames(StageContext& ctx, const Settings& settings, const std::string& group, const std::string& label,
                  const Advance& advance, std::optional<CarriedState> carried = std::nullopt) {
  const Layout l = layout(settings, ctx);
  const System& sys = settings.system;
  Ensemble e(l.local.begin, l.local.count, l.dof);
  std::int64_t first_frame = 1;
  double kernel_seconds = 0;
  Series s;
  // Energies of the current state, computed where the state is (by the
  // worker after each step), and the host snapshot they are copied into.
  Kokkos::View<double*, MemSpace> energy("energy", l.local.count);
  Snapshot frame(l.local.count, l.dof);
  auto take_snapshot = [&] {
    frame.take(e, energy);
    if (carried) Kokkos::deep_copy(frame.carried, carried->values);
  };
  auto restore_carried = [&](const h5::Group& ck) {
    if (!carried) return;
    std::vector<double> v = read_rows(ck.open_dataset(carried->name), l.local, 1);
    auto h = Kokkos::create_mirror_view(carried->values);
    for (std::int64_t i = 0; i < l.local.count; ++i) h(i) = v[i];
    Kokkos::deep_copy(carried->values, h);
  };
  if (ctx.resuming) {
    h5::Group ck = ctx.file.open_group("/checkpoint");
    from_host(e, read_rows(ck.open_dataset("position"), l.local, l.dof),
              read_rows(ck.open_dataset("momentum"), l.local, l.dof));
    restore_carried(ck);
    first_frame = ck.int_attribute("next_frame");
    kernel_seconds = ck.double_attribute("kernel_seconds");
    s = open_series(ctx, group);
    log::info("{}: resuming at frame {} of {}", label, first_frame, l.frames - 1);
  } else {
    h5::Group init = ctx.file.open_group("/data/initial");
    from_host(e, read_rows(init.open_dataset("position"), l.local, l.dof),
              read_rows(init.open_dataset("momentum"), l.local, l.dof));
    s = create_series(ctx, settings, group, l);
    energies(sys, e, energy);
    take_snapshot();
    write_frame(s, l, 0, frame);
  }

  // Advances to frame k on a worker thread, then evaluates the energies and
  // looks for non-finite states there too. Only the advance is timed (the
  // throughput); the agreement on errors that follows is communication.
  struct Step {
    std::string failure;
    double seconds = 0;
    std::int64_t bad = -1;  // first non-finite trajectory (global index)
  };
  auto start_step = [&](std::int64_t k) {
    return std::async(std::launch::async, [&e, &advance, &energy, &sys, k] {
      Step r;
      const auto t0 = std::chrono::steady_clock::now();
      r.failure = capture_error<NumericalError>([&] {
        advance(e, k);
        Kokkos::fence();
      });
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (r.failure.empty()) {
        r.bad = first_non_finite(e);
        energies(sys, e, energy);
      }
      return r;
    });
  };
  // Joins the step to frame k and checks it on every rank.
  auto finish_step = [&](std::future<Step>& pending, std::int64_t k) {
    const Step r = pending.get();
    kernel_seconds += r.seconds;
    if (const std::string error = ctx.comm.first_error(r.failure); !error.empty())
      throw NumericalError(fmt::format("{}: {}", label, error));
    const std::int64_t bad_local = r.bad;
    const std::int64_t none = l.trajectories;
    const std::int64_t bad = ctx.comm.min(bad_local < 0 ? none : bad_local);
    if (bad < none)
      throw NumericalError(fmt::format(
          "{}: trajectory {} is no longer finite (NaN or Inf) between t = {} and t = {}; the integration "
          "diverged, try a smaller integration.dt",
          label, bad, (k - 1) * l.every * l.dt, k * l.every * l.dt));
  };
  auto write_checkpoint = [&](const Snapshot& f, std::int64_t next_frame) {
    h5::Group ck = ctx.checkpoint_group();
    const auto N = static_cast<hsize_t>(l.trajectories), n = static_cast<hsize_t>(l.dof);
    h5::Dataset dq = ck.create_dataset<double>("position", Dims{N, n});
    h5::Dataset dp = ck.create_dataset<double>("momentum", Dims{N, n});
    write_rows(dq, l.local, l.dof, f.rows(f.q));
    write_rows(dp, l.local, l.dof, f.rows(f.p));
    if (carried) {
      h5::Dataset dc = ck.create_dataset<double>(carried->name, Dims{N, 1});
      write_rows(dc, l.local, 1, std::vector<double>(f.carried.data(), f.carried.data() + l.local.count));
    }
    ck.set_attribute("next_frame", next_frame);
    ck.set_attribute("kernel_seconds", ctx.comm.max(kernel_seconds));
    ctx.file.flush();
  };

  Progress progress = ctx.progress(label, l.frames - 1, "frames");
  if (first_frame < l.frames) {
    std::future<Step> pending = start_step(first_frame);
    for (std::int64_t k = first_frame; k < l.frames; ++k) {
      finish_step(pending, k);
      take_snapshot();
      if (k + 1 < l.frames) pending = start_step(k + 1);
      // A failure below must not leave the worker running on `e`.
      struct JoinOnExit {
        std::future<Step>& f;
        ~JoinOnExit() {
          if (f.valid()) f.wait();
        }
      } join{pending};
      write_frame(s, l, k, frame);
      progress.update(k);
      const auto action = ctx.checkpointer.poll();
      if (action != Checkpointer::Action::Continue && k + 1 < l.frames) {
        write_checkpoint(frame, k + 1);
        log::info("{}: checkpoint at frame {} of {}", label, k, l.frames - 1);
        if (action == Checkpointer::Action::SaveAndStop) throw Interrupted();
      }
    }
  }
  kernel_seconds = ctx.comm.max(kernel_seconds);
  progress.finish(fmt::format("{:.3g} trajectory-steps/s",
                              kernel_seconds > 0 ? double(l.trajectories) * double(l.steps) / kernel_seconds : 0.0));
  return kernel_seconds;
}

}  // namespace

// ---- configuration helpers ----------------------------------------------------------------

Layout layout(const Settings& s, const StageContext& ctx) {
  Layout l;
  l.trajectories = s.trajectories;
  l.dof = dof(s.system);
  l.dt = s.dt;
  l.steps = s.steps;
  l.every = s.output_every;
  l.frames = l.steps / l.every + 1;
  l.local = ctx.comm.block(l.trajectories);
  return l;
}

std::vector<double> read_rows(const h5::Dataset& d, const Range& local, int n) {
  std::vector<double> out(static_cast<std::size_t>(local.count * n));
  d.read(h5::Dims{static_cast<hsize_t>(local.begin), 0},
         h5::Dims{static_cast<hsize_t>(local.count), static_cast<hsize_t>(n)}, out.data());
  return out;
}

Method parse_method(const std::string& name) {
  for (const auto& i : method_table)
    if (i.name == name) return i.method;
  throw InputError(fmt::format("unknown integration method '{}'", name));
}

// ---- stages -------------------------------------------------------------------------------------

void initial(StageContext& ctx) {
  const Settings s = read_settings(ctx.config);
  const Layout l = layout(s, ctx);
  const System& sys = s.system;
  Sampling sampling;
  if (s.sampling == "box") {
    sampling = BoxSampling{s.q_min, s.q_max, s.p_min, s.p_max};
  } else {
    sampling = ShellSampling{s.energy, s.q_min, s.q_max, 100000};
  }
  Ensemble e(l.local.begin, l.local.count, l.dof);
  // A shell with no admissible point fails on some rank; agree before raising.
  const std::string error = ctx.comm.first_error(capture_error<InputError>(
      [&] { sample_initial_conditions(sys, sampling, static_cast<std::uint64_t>(s.seed), e); }));
  if (!error.empty()) throw InputError(fmt::format("{}: ensemble: {}", ctx.config.source_file(), error));
  Kokkos::View<double*, MemSpace> energy("energy", l.local.count);
  energies(sys, e, energy);
  Snapshot f(l.local.count, l.dof);
  f.take(e, energy);
  const auto N = static_cast<hsize_t>(l.trajectories), n = static_cast<hsize_t>(l.dof);
  h5::Group g = ctx.fresh_group("/data/initial");
  h5::Dataset dq = g.create_dataset<double>("position", Dims{N, n}, {{}, 0, "length"});
  h5::Dataset dp = g.create_dataset<double>("momentum", Dims{N, n}, {{}, 0, "momentum"});
  h5::Dataset de = g.create_dataset<double>("energy", Dims{N}, {{}, 0, "energy"});
  write_rows(dq, l.local, l.dof, f.rows(f.q));
  write_rows(dp, l.local, l.dof, f.rows(f.p));
  de.write(Dims{static_cast<hsize_t>(l.local.begin)}, Dims{static_cast<hsize_t>(l.local.count)}, f.energy.data());
  g.set_attribute("system", std::string(system_name(sys)));
  g.set_attribute("sampling", s.sampling);
  g.set_attribute("seed", s.seed);
}

void reference(StageContext& ctx) {
  const Settings s = read_settings(ctx.config);
  const Layout l = layout(s, ctx);
  const System& sys = s.system;
  const std::string& kind = s.reference;
  const double frame_time = static_cast<double>(l.every) * l.dt;
  std::optional<CarriedState> carried;
  Advance advance;
  if (kind == "exact") {
    // The exact flow from the initial state to each frame time (no error
    // accumulates from frame to frame).
    auto initial = std::make_shared<Ensemble>(l.local.begin, l.local.count, l.dof);
    h5::Group init = ctx.file.open_group("/data/initial");
    from_host(*initial, read_rows(init.open_dataset("position"), l.local, l.dof),
              read_rows(init.open_dataset("momentum"), l.local, l.dof));
    advance = [=, &sys](Ensemble& e, std::int64_t k) { exact_solution(sys, *initial, k * frame_time, e); };
  } else {
    Kokkos::View<double*, MemSpace> h("dopri5 step sizes", l.local.count);
    carried = CarriedState{h, "step_size"};
    Tolerances tol;
    tol.rtol = s.rtol;
    tol.atol = s.atol;
    advance = [=, &sys](Ensemble& e, std::int64_t k) {
      advance_adaptive(sys, e, (k - 1) * frame_time, k * frame_time, h, tol);
    };
  }
  run_frames(ctx, s, "/timeseries/reference", "reference (" + kind + ")", advance, carried);
  ctx.file.open_group("/timeseries/reference").set_attribute("method", kind);
}

void integrate(StageContext& ctx, const std::string& method_name) {
  const Settings s = read_settings(ctx.config);
  const Layout l = layout(s, ctx);
  const System& sys = s.system;
  const Method m = parse_method(method_name);
  Advance advance = [&](Ensemble& e, std::int64_t) {
    try {
      advance_fixed(sys, m, e, l.dt, l.every);
    } catch (const NumericalError& err) {  // the solver does not know which key set the step
      throw NumericalError(fmt::format("{}; reduce integration.dt", err.what()));
    }
  };
  const std::string group = "/timeseries/" + method_name;
  const double seconds = run_frames(ctx, s, group, "integrate/" + method_name, advance);
  h5::Group g = ctx.file.open_group(group);
  g.set_attribute("method", method_name);
  g.set_attribute("order", static_cast<std::int64_t>(info(m).order));
  g.set_attribute("symplectic", static_cast<std::int64_t>(info(m).symplectic));
  g.set_attribute("kernel_seconds", seconds);
  g.set_attribute("throughput", seconds > 0 ? double(l.trajectories) * double(l.steps) / seconds : 0.0);
}

}  // namespace structura::pipeline::hamiltonian_ensemble
