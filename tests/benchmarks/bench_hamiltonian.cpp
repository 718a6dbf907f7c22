// Benchmark of the Hamiltonian ensemble integrator (hamiltonian/ensemble.hpp)
// on Henon-Heiles (lambda = 1), initial conditions on the energy shell
// H = 0.1 with q in [-0.5, 0.5]^2. Three parts, chosen with --part:
//
//   throughput  one rank: advance_fixed (the Kokkos kernel) against a plain
//               structure-of-arrays loop chunked to stay in L1 (same steps,
//               same arithmetic) and against Boost.Odeint's own symplectic
//               steppers at matched energy error (time to solution),
//               Stormer-Verlet and triple jump, measured in the same run.
//   scaling     every rank integrates its block of a large ensemble; the time
//               is the maximum over ranks after a barrier. Run it under
//               mpirun -n 1 and -n 2 (run_hamiltonian.sh does) and pass the
//               1-rank time as --reference-seconds to get the efficiency.
//   io          integration with a frame of positions and momenta written
//               every --output-every steps, collectively, to a parallel HDF5
//               file, against the same integration without writing.
//
// Prints a plain-text table per part, a Markdown block for the README
// (between <!-- bench:begin --> and <!-- bench:end -->) and RESULT lines
// (key=value) for scripts. Timings are medians over repetitions.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <span>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/kokkos.hpp"
#include "core/mpi.hpp"
#include "core/partition.hpp"
#include "hamiltonian/ensemble.hpp"
#include "peers.hpp"

namespace {

namespace hm = structura::hamiltonian;
namespace sb = structura::bench;
using structura::mpi::Comm;

#if defined(__clang__)
constexpr const char* compiler_name = "Clang";
#elif defined(__GNUC__)
constexpr const char* compiler_name = "GCC";
#else
constexpr const char* compiler_name = "C++";
#endif

#ifndef STRUCTURA_BENCH_FLAGS
#define STRUCTURA_BENCH_FLAGS "unknown"
#endif

struct Options {
  std::vector<std::string> parts{"throughput", "scaling", "io"};
  double lambda = 1.0;
  double energy = 0.1;
  double q_box = 0.5;
  double dt = 0.01;
  std::uint64_t seed = 20240611;

  std::int64_t trajectories = 100000;
  std::int64_t accuracy_trajectories = 2000;  // measured for energy errors (every k-th)
  std::int64_t steps = 1000;
  int reps = 5;

  std::int64_t scaling_trajectories = 1000000;
  std::int64_t scaling_steps = 500;
  int scaling_reps = 5;
  double reference_seconds = 0.0;
  double reference_rss_mib = 0.0;

  std::int64_t io_trajectories = 10000;
  std::int64_t io_steps = 1000;
  std::int64_t output_every = 100;  // the pipeline's defaults (integration.output_every, output.deflate)
  int deflate = 0;
  int io_reps = 5;
  bool io_variants = false;
  std::string output = "structura_bench_hamiltonian.h5";
  bool keep_output = false;

  bool wants(const std::string& part) const {
    return std::find(parts.begin(), parts.end(), part) != parts.end() ||
           std::find(parts.begin(), parts.end(), "all") != parts.end();
  }
};

hm::HenonHeiles henon_heiles(const Options& o) {
  hm::HenonHeiles s;
  s.lambda = o.lambda;
  return s;
}

hm::Sampling shell(const Options& o) {
  hm::ShellSampling s;
  s.energy = o.energy;
  s.q_min = -o.q_box;
  s.q_max = o.q_box;
  return s;
}

std::string method_name(hm::Method m) { return std::string(hm::info(m).name); }

// Markdown output is collected on rank 0, one section per part, and printed
// between <!-- bench:begin PART --> and <!-- bench:end --> so that
// run_hamiltonian.sh can pick sections from several runs.
struct Markdown {
  std::vector<std::pair<std::string, std::string>> sections;
  void section(const std::string& part) { sections.emplace_back(part, ""); }
  template <class... A>
  void line(fmt::format_string<A...> f, A&&... a) {
    if (sections.empty()) section("misc");
    sections.back().second += fmt::format(f, std::forward<A>(a)...) + "\n";
  }
};

void print_markdown(const Comm& comm, const Markdown& md) {
  if (!comm.is_root()) return;
  for (const auto& [part, text] : md.sections)
    fmt::print("\n<!-- bench:begin {} -->\n{}<!-- bench:end -->\n", part, text);
  fmt::print("\n");
}

template <class... A>
void say(const Comm& comm, fmt::format_string<A...> f, A&&... a) {
  if (comm.is_root()) fmt::print(f, std::forward<A>(a)...);
  std::fflush(stdout);
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown CPU";
}

// Largest |a - b| over all coordinates of the final states.
double max_abs_diff(const hm::Ensemble& e, const sb::PlainState& s) {
  auto q = Kokkos::create_mirror_view_and_copy(structura::HostSpace(), e.q);
  auto p = Kokkos::create_mirror_view_and_copy(structura::HostSpace(), e.p);
  double d = 0.0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const int k = static_cast<int>(i);
    d = std::max({d, std::abs(q(k, 0) - s.q0[i]), std::abs(q(k, 1) - s.q1[i]), std::abs(p(k, 0) - s.p0[i]),
                  std::abs(p(k, 1) - s.p1[i])});
  }
  return d;
}

sb::PlainState to_plain(const hm::Ensemble& e) {
  auto q = Kokkos::create_mirror_view_and_copy(structura::HostSpace(), e.q);
  auto p = Kokkos::create_mirror_view_and_copy(structura::HostSpace(), e.p);
  sb::PlainState s;
  const auto n = static_cast<std::size_t>(e.size());
  s.q0.resize(n), s.q1.resize(n), s.p0.resize(n), s.p1.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const int k = static_cast<int>(i);
    s.q0[i] = q(k, 0), s.q1[i] = q(k, 1), s.p0[i] = p(k, 0), s.p1[i] = p(k, 1);
  }
  return s;
}

// Largest |H - H0| over the ensemble: a cheap check that the sampler put
// every trajectory on the shell and that a run did not blow up.
double max_energy_error(const hm::System& sys, const hm::Ensemble& e, double h0) {
  Kokkos::View<double*, structura::MemSpace> h("h", e.size());
  hm::energies(sys, e, h);
  auto hh = Kokkos::create_mirror_view_and_copy(structura::HostSpace(), h);
  double d = 0.0;
  for (std::int64_t i = 0; i < e.size(); ++i) d = std::max(d, std::abs(hh(static_cast<int>(i)) - h0));
  return d;
}

// ---- part 1: one-rank throughput against the peers ------------------------------------

// Every stride-th trajectory: the ensemble on which energy errors are
// measured (the accuracy side of the comparison is untimed; a subset keeps
// the step-size searches short).
sb::PlainState subset(const sb::PlainState& s, std::size_t stride) {
  sb::PlainState r;
  for (std::size_t i = 0; i < s.size(); i += stride) {
    r.q0.push_back(s.q0[i]), r.q1.push_back(s.q1[i]), r.p0.push_back(s.p0[i]), r.p1.push_back(s.p1[i]);
  }
  return r;
}

hm::Ensemble from_plain(const sb::PlainState& s) {
  hm::Ensemble e(0, static_cast<std::int64_t>(s.size()), 2);
  auto q = Kokkos::create_mirror_view(e.q);
  auto p = Kokkos::create_mirror_view(e.p);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const int k = static_cast<int>(i);
    q(k, 0) = s.q0[i], q(k, 1) = s.q1[i], p(k, 0) = s.p0[i], p(k, 1) = s.p1[i];
  }
  Kokkos::deep_copy(e.q, q);
  Kokkos::deep_copy(e.p, p);
  return e;
}

// Largest |H - H(start)| over the trajectories and over the states after
// every step: advance_fixed one step at a time (the same arithmetic as one
// call of `steps` steps).
double kernel_max_energy_error(const hm::System& sys, hm::Method m, const sb::PlainState& s, double h,
                               std::int64_t steps) {
  hm::Ensemble e = from_plain(s);
  Kokkos::View<double*, structura::MemSpace> h0("h0", e.size()), hk("h", e.size());
  hm::energies(sys, e, h0);
  auto start = Kokkos::create_mirror_view_and_copy(structura::HostSpace(), h0);
  double worst = 0.0;
  for (std::int64_t k = 0; k < steps; ++k) {
    hm::advance_fixed(sys, m, e, h, 1);
    hm::energies(sys, e, hk);
    auto now = Kokkos::create_mirror_view_and_copy(structura::HostSpace(), hk);
    for (std::int64_t i = 0; i < e.size(); ++i) {
      const double d = std::abs(now(static_cast<int>(i)) - start(static_cast<int>(i)));
      worst = d > worst || std::isnan(d) ? d : worst;
    }
  }
  return worst;
}

// The smallest number of steps N over [0, t_end] (to within 1 %) whose
// largest energy error error(N) is at most `target`, for a method of order
// `order`, starting the search at `start`: power-law predictions until the
// answer is bracketed, then bisection. Returns 0 if more than `cap` steps
// would be needed (a 2nd-order stepper against a 4th-order target: its
// time to solution is not worth measuring).
template <class Error>
std::int64_t steps_for_energy_error(Error&& error, double target, int order, std::int64_t start, std::int64_t cap,
                                    double& found) {
  std::int64_t too_few = 0, enough = 0;  // 0: not known yet
  std::int64_t n = start;
  for (int it = 0; it < 60; ++it) {
    const double e = error(n);
    if (e <= target) {
      enough = n;
      found = e;
    } else {
      too_few = n;
      if (enough == 0) found = e;  // reported when the cap is hit
    }
    if (enough > 0 && enough - too_few <= std::max<std::int64_t>(1, enough / 100)) return enough;
    if (enough > 0 && too_few > 0) {
      n = (too_few + enough) / 2;
    } else {
      const double scale = std::isfinite(e) && e > 0 ? std::pow(e / target, 1.0 / order) : 2.0;
      n = enough == 0 ? std::max(n + 1, static_cast<std::int64_t>(std::ceil(n * scale * 1.02)))
                      : std::max<std::int64_t>(1, std::min(n - 1, static_cast<std::int64_t>(n * scale * 0.98)));
    }
    if (enough == 0 && n > cap) return 0;
  }
  throw structura::NumericalError(fmt::format("the step-count search for energy error {} did not settle", target));
}

struct Measured {
  std::vector<double> seconds;
  sb::PeakRss rss;
  double diff = 0.0;  // max |final state - reference's final state|
  double seconds_median() const { return sb::median(seconds); }
};

// Runs f once per chunk size (twice, keeping the faster) and returns the
// chunk size that was fastest: the peer at its best on this machine.
template <class F>
int fastest_chunk(std::span<const int> chunks, F&& f, std::string& report) {
  int best = chunks[0];
  double best_s = 1e300;
  for (int c : chunks) {
    const double s = std::min(sb::cpu_time_seconds([&] { f(c); }), sb::cpu_time_seconds([&] { f(c); }));
    report += fmt::format(" {}:{:.4f}s", c, s);
    if (s < best_s) best_s = s, best = c;
  }
  return best;
}

// One Odeint stepper at the step count that matches structura's energy error.
struct OdeintAtMatch {
  sb::OdeintStepperInfo stepper;
  std::int64_t steps = 0;
  double energy_error = 0.0;
  int chunk = 0;  // of the ensemble layout
  Measured per_trajectory, ensemble;
  double best_seconds() const {
    return std::min(per_trajectory.seconds_median(), ensemble.seconds_median());
  }
};

struct ThroughputRow {
  hm::Method method;
  double energy_error = 0.0;  // structura's, over the run, on the subset
  int plain_chunk = 0;
  Measured kokkos, plain;
  std::vector<OdeintAtMatch> odeint;
};

void run_throughput(const Options& o, const Comm& comm, Markdown& md) {
  if (comm.size() != 1) {
    say(comm, "throughput: skipped (a one-rank measurement; run it under mpirun -n 1)\n");
    return;
  }
  const hm::System sys = henon_heiles(o);
  const std::int64_t n = o.trajectories;
  const double traj_steps = static_cast<double>(n) * static_cast<double>(o.steps);
  const double t_end = o.dt * static_cast<double>(o.steps);

  hm::Ensemble initial(0, n, 2);
  hm::sample_initial_conditions(sys, shell(o), o.seed, initial);
  const double shell_error = max_energy_error(sys, initial, o.energy);
  const sb::PlainState plain_initial = to_plain(initial);
  const std::size_t stride =
      std::max<std::size_t>(1, plain_initial.size() / static_cast<std::size_t>(std::max<std::int64_t>(1, o.accuracy_trajectories)));
  const sb::PlainState accuracy_set = subset(plain_initial, stride);
  fmt::print("\n== throughput ==\n");

  std::vector<ThroughputRow> rows;
  for (hm::Method m : {hm::Method::StormerVerlet, hm::Method::TripleJump4}) {
    ThroughputRow row{m, 0.0, 0, {}, {}, {}};
    const bool verlet = m == hm::Method::StormerVerlet;
    auto plain_fn = verlet ? sb::plain_verlet : sb::plain_triple_jump4;

    // Warm-up: touches every page and instruction once.
    {
      hm::Ensemble e = initial.clone();
      hm::advance_fixed(sys, m, e, o.dt, 10);
      sb::PlainState s = plain_initial;
      plain_fn(s, o.lambda, o.dt, 10, 16);
    }
    // The peers at their best: the fastest chunk size of the plain loop.
    std::string chunk_report;
    row.plain_chunk = fastest_chunk(sb::plain_chunk_sizes, [&](int c) {
      sb::PlainState s = plain_initial;
      plain_fn(s, o.lambda, o.dt, o.steps, c);
    }, chunk_report);
    fmt::print("{}: plain loop chunk sizes{} -> {}\n", method_name(m), chunk_report, row.plain_chunk);

    // Matched accuracy: each Odeint stepper at the step count whose largest
    // energy error over [0, t_end] is at most structura's.
    row.energy_error = kernel_max_energy_error(sys, m, accuracy_set, o.dt, o.steps);
    for (const auto& st : sb::odeint_steppers) {
      OdeintAtMatch x;
      x.stepper = st;
      x.steps = steps_for_energy_error(
          [&](std::int64_t k) {
            return sb::odeint_max_energy_error(accuracy_set, st.stepper, o.lambda, t_end / static_cast<double>(k), k);
          },
          row.energy_error, st.order, o.steps, 10 * o.steps, x.energy_error);
      if (x.steps == 0) {
        fmt::print("{}: Odeint {} needs more than {} steps for energy error {:.3e} (error {:.3e} there): not timed\n",
                   method_name(m), st.name, 10 * o.steps, row.energy_error, x.energy_error);
        row.odeint.push_back(std::move(x));
        continue;
      }
      const double h = t_end / static_cast<double>(x.steps);
      std::string report;
      x.chunk = fastest_chunk(sb::odeint_chunk_sizes, [&](int c) {
        sb::PlainState s = plain_initial;
        sb::odeint_ensemble(s, st.stepper, o.lambda, h, x.steps, c);
      }, report);
      fmt::print("{}: Odeint {} matches energy error {:.3e} with {} steps (error {:.3e}); ensemble chunk sizes{} -> {}\n",
                 method_name(m), st.name, row.energy_error, x.steps, x.energy_error, report, x.chunk);
      row.odeint.push_back(std::move(x));
    }
    std::fflush(stdout);

    hm::Ensemble e_final;
    sb::PlainState plain_final;
    std::vector<sb::PlainState> per_traj_final(row.odeint.size()), ensemble_final(row.odeint.size());
    // Interleaved repetitions: a disturbance on the shared machine hits all
    // implementations rather than one.
    for (int r = 0; r < o.reps; ++r) {
      hm::Ensemble e = initial.clone();
      row.kokkos.rss.measure([&] {
        row.kokkos.seconds.push_back(sb::cpu_time_seconds([&] { hm::advance_fixed(sys, m, e, o.dt, o.steps); }));
      });
      sb::PlainState s = plain_initial;
      row.plain.rss.measure([&] {
        row.plain.seconds.push_back(sb::cpu_time_seconds([&] { plain_fn(s, o.lambda, o.dt, o.steps, row.plain_chunk); }));
      });
      for (std::size_t k = 0; k < row.odeint.size(); ++k) {
        auto& x = row.odeint[k];
        if (x.steps == 0) continue;
        const double h = t_end / static_cast<double>(x.steps);
        sb::PlainState a = plain_initial, b = plain_initial;
        x.per_trajectory.rss.measure([&] {
          x.per_trajectory.seconds.push_back(
              sb::cpu_time_seconds([&] { sb::odeint_per_trajectory(a, x.stepper.stepper, o.lambda, h, x.steps); }));
        });
        x.ensemble.rss.measure([&] {
          x.ensemble.seconds.push_back(
              sb::cpu_time_seconds([&] { sb::odeint_ensemble(b, x.stepper.stepper, o.lambda, h, x.steps, x.chunk); }));
        });
        if (r == o.reps - 1) per_traj_final[k] = std::move(a), ensemble_final[k] = std::move(b);
      }
      if (r == o.reps - 1) {
        e_final = e;
        plain_final = std::move(s);
      }
    }
    row.plain.diff = max_abs_diff(e_final, plain_final);
    for (std::size_t k = 0; k < row.odeint.size(); ++k) {
      if (row.odeint[k].steps == 0) continue;
      // The two layouts do the same arithmetic: their final states agree.
      row.odeint[k].ensemble.diff = max_abs_diff(from_plain(per_traj_final[k]), ensemble_final[k]);
      row.odeint[k].per_trajectory.diff = max_abs_diff(e_final, per_traj_final[k]);
    }
    const double drift = max_energy_error(sys, e_final, o.energy);
    if (!std::isfinite(drift) || drift > 1e-2)
      throw structura::NumericalError(fmt::format("{}: energy error {} after the run", method_name(m), drift));
    rows.push_back(std::move(row));
  }

  // ---- report ----
  const std::string setup = fmt::format(
      "Henon-Heiles (lambda = {}), {} trajectories over t = [0, {}] (structura: {} steps of dt = {}), shell H = {} "
      "with q in [-{}, {}]^2, 1 rank, one thread, Kokkos {}, median of {} repetitions of the process's CPU time (the machine is shared: "
      "CPU time leaves out the time other processes held the core)",
      o.lambda, n, t_end, o.steps, o.dt, o.energy, o.q_box, o.q_box, structura::execution_space_description(),
      o.reps);
  const std::string accuracy = fmt::format(
      "energy error = max over {} of the trajectories (every {}th) and over all steps of |H - H(0)|",
      accuracy_set.size(), stride);
  fmt::print("\n{}\n(sampled energies within {:.1e} of the shell)\n{}\n\n", setup, shell_error, accuracy);
  md.section("throughput");
  md.line("**Throughput** — {}. *structura / peer* = time of the peer / time of structura (> 1: structura is "
          "faster).",
          setup);
  md.line("");
  md.line("Same method, same steps:");
  md.line("");
  md.line("| method | implementation | time [s] | 10^6 traj-steps/s | structura / peer | max abs diff vs structura | "
          "peak RSS [MiB] |");
  md.line("|---|---|---:|---:|---:|---:|---:|");
  fmt::print("{:<13} {:<40} {:>9} {:>9} {:>9} {:>14} {:>14} {:>10} {:>8}\n", "method", "implementation", "median s",
             "min s", "max s", "Mtraj-steps/s", "structura/peer", "max|diff|", "RSS MiB");
  for (const auto& row : rows) {
    const double tk = row.kokkos.seconds_median();
    const std::string plain = fmt::format("plain SoA loop, chunks of {} (L1), vectorised", row.plain_chunk);
    for (const auto* l : {&row.kokkos, &row.plain}) {
      const bool self = l == &row.kokkos;
      const double t = l->seconds_median();
      const std::string impl = self ? "structura advance_fixed (Kokkos)" : plain;
      fmt::print("{:<13} {:<40} {:>9.4f} {:>9.4f} {:>9.4f} {:>14.1f} {:>14} {:>10} {:>8.1f}\n",
                 self ? method_name(row.method) : "", impl, t, sb::min_of(l->seconds), sb::max_of(l->seconds),
                 traj_steps / t / 1e6, self ? "-" : fmt::format("{:.2f}", t / tk),
                 self ? "-" : fmt::format("{:.1e}", l->diff), l->rss.mib);
      md.line("| {} | {} | {:.4f} | {:.0f} | {} | {} | {:.1f} |", self ? method_name(row.method) : "", impl, t,
              traj_steps / t / 1e6, self ? "—" : fmt::format("**{:.2f}×**", t / tk),
              self ? "—" : fmt::format("{:.1e}", l->diff), l->rss.mib);
    }
  }
  md.line("");
  md.line("Boost.Odeint's own symplectic steppers at matched accuracy: for each structura method, the fewest steps "
          "over the same t_end (to 1 %) at which the Odeint stepper's energy error is at most structura's ({}); "
          "time to solution of the whole ensemble, one trajectory at a time (`std::array<double, 2>`) and as "
          "chunks of C trajectories in one state (`std::array<double, 2C>`, C the fastest of {{8, …, 128}}).",
          accuracy);
  md.line("");
  md.line("| target: structura method (energy error) | Odeint stepper | steps | energy error | force evaluations | "
          "one at a time [s] | ensemble state [s] (C) | structura / Odeint (faster layout) | peak RSS [MiB] |");
  md.line("|---|---|---:|---:|---:|---:|---:|---:|---:|");
  fmt::print("\nmatched energy error ({}):\n", accuracy);
  fmt::print("{:<28} {:<34} {:>6} {:>10} {:>8} {:>10} {:>10} {:>5} {:>10} {:>9}\n", "target", "Odeint stepper",
             "steps", "E error", "f-evals", "1-at-a-time", "ensemble", "C", "struct/ode", "diff C/1");
  for (const auto& row : rows) {
    const double tk = row.kokkos.seconds_median();
    md.line("| {} ({:.2e}), {:.4f} s | | {} | | {} | | | | {:.1f} |", method_name(row.method), row.energy_error, tk,
            o.steps, o.steps * hm::info(row.method).force_evaluations, row.kokkos.rss.mib);
    fmt::print("{:<28} {:<34} {:>6} {:>10.3e} {:>8} {:>10.4f} {:>10} {:>5} {:>10} {:>9}\n",
               fmt::format("{} {:.4f}s", method_name(row.method), tk), "(structura)", o.steps, row.energy_error,
               o.steps * hm::info(row.method).force_evaluations, tk, "", "", "", "");
    double best = 1e300;
    for (const auto& x : row.odeint) {
      if (x.steps == 0) {
        fmt::print("{:<28} {:<34} {:>6} {:>10} (not timed)\n", "", x.stepper.name, fmt::format(">{}", 10 * o.steps),
                   fmt::format(">{:.1e}", row.energy_error));
        md.line("| | `{}` | > {} | | | not timed | | | |", x.stepper.name, 10 * o.steps);
        continue;
      }
      const double t1 = x.per_trajectory.seconds_median(), te = x.ensemble.seconds_median();
      best = std::min(best, x.best_seconds());
      fmt::print("{:<28} {:<34} {:>6} {:>10.3e} {:>8} {:>10.4f} {:>10.4f} {:>5} {:>10.2f} {:>9.1e}\n", "",
                 x.stepper.name, x.steps, x.energy_error, x.steps * x.stepper.force_evaluations, t1, te, x.chunk,
                 x.best_seconds() / tk, x.ensemble.diff);
      md.line("| | `{}` | {} | {:.2e} | {} | {:.4f} | {:.4f} ({}) | **{:.2f}×** | {:.1f} |", x.stepper.name, x.steps,
              x.energy_error, x.steps * x.stepper.force_evaluations, t1, te, x.chunk, x.best_seconds() / tk,
              std::max(x.per_trajectory.rss.mib, x.ensemble.rss.mib));
    }
    fmt::print("RESULT part=throughput method={} kokkos_s={:.6g} plain_s={:.6g} plain_chunk={} vs_plain={:.4f} "
               "diff_plain={:.3g} energy_error={:.4g} odeint_best_s={:.6g} vs_odeint={:.4f}\n",
               method_name(row.method), tk, row.plain.seconds_median(), row.plain_chunk,
               row.plain.seconds_median() / tk, row.plain.diff, row.energy_error, best, best / tk);
  }
  md.line("");
  md.line("Force evaluations per trajectory over the run, as each implementation computes them (Odeint's "
          "symplectic_rkn steppers evaluate the force in their last stage too, whose coefficient is 0). The two "
          "Odeint layouts do the same arithmetic (final states equal to {:.0e}).",
          [&] {
            double d = 0;
            for (const auto& r : rows)
              for (const auto& x : r.odeint) d = std::max(d, x.ensemble.diff);
            return d;
          }());
  md.line("");
  fmt::print("\nstructura/peer = time of the peer / time of structura (> 1: structura is faster); struct/ode uses "
             "the faster Odeint layout.\ndiff C/1 = max |difference| between Odeint's two layouts' final states.\n");
}

// ---- part 2: strong scaling -----------------------------------------------------------

void run_scaling(const Options& o, const Comm& comm, Markdown& md) {
  const hm::System sys = henon_heiles(o);
  const int ranks = comm.size();
  const structura::Range r = structura::block_range(o.scaling_trajectories, ranks, comm.rank());
  hm::Ensemble initial(r.begin, r.count, 2);
  hm::sample_initial_conditions(sys, shell(o), o.seed, initial);

  {  // warm-up
    hm::Ensemble e = initial.clone();
    hm::advance_fixed(sys, hm::Method::StormerVerlet, e, o.dt, 10);
  }
  std::vector<double> max_times, min_times;
  sb::PeakRss rss;
  for (int rep = 0; rep < o.scaling_reps; ++rep) {
    hm::Ensemble e = initial.clone();
    comm.barrier();
    double local = 0.0;
    rss.measure([&] {
      const double t0 = MPI_Wtime();
      hm::advance_fixed(sys, hm::Method::StormerVerlet, e, o.dt, o.scaling_steps);
      local = MPI_Wtime() - t0;
    });
    max_times.push_back(comm.max(local));
    min_times.push_back(comm.min(local));
  }
  const double t = sb::median(max_times);
  const double imbalance = t / sb::median(min_times);
  const double rss_max = comm.max(rss.mib);
  const double rss_sum = comm.sum(rss.mib);
  const double traj_steps = static_cast<double>(o.scaling_trajectories) * static_cast<double>(o.scaling_steps);
  const double efficiency = o.reference_seconds > 0 ? o.reference_seconds / (ranks * t) : 0.0;

  if (!comm.is_root()) return;
  const std::string setup =
      fmt::format("Henon-Heiles, Stormer-Verlet, {} trajectories x {} steps, dt = {}, block partition, "
                  "time = max over ranks after a barrier, median of {}",
                  o.scaling_trajectories, o.scaling_steps, o.dt, o.scaling_reps);
  fmt::print("\n== strong scaling ==\n{}\n\n", setup);
  fmt::print("{:>5} {:>10} {:>10} {:>10} {:>14} {:>10} {:>11} {:>13} {:>13}\n", "ranks", "median s", "min s",
             "max s", "Mtraj-steps/s", "max/min", "efficiency", "RSS/rank MiB", "RSS total MiB");
  const std::string eff = efficiency > 0 ? fmt::format("{:.1f}%", 100 * efficiency) : "-";
  fmt::print("{:>5} {:>10.4f} {:>10.4f} {:>10.4f} {:>14.1f} {:>10.3f} {:>11} {:>13.1f} {:>13.1f}\n", ranks, t,
             sb::min_of(max_times), sb::max_of(max_times), traj_steps / t / 1e6, imbalance, eff, rss_max, rss_sum);
  if (efficiency > 0)
    fmt::print("efficiency = T(1 rank) / ({} x T({} ranks)) = {:.4f} / ({} x {:.4f}) = {:.1f}%\n", ranks, ranks,
               o.reference_seconds, ranks, t, 100 * efficiency);
  fmt::print("RESULT part=scaling ranks={} seconds={:.6g} efficiency={:.4f} rss_rank_mib={:.1f}\n", ranks, t,
             efficiency, rss_max);

  md.section("scaling");
  md.line("**Strong scaling** — {}.", setup);
  md.line("");
  md.line("| ranks | time [s] | 10^6 traj-steps/s | efficiency | peak RSS per rank [MiB] |");
  md.line("|---:|---:|---:|---:|---:|");
  if (o.reference_seconds > 0 && ranks > 1)
    md.line("| 1 | {:.4f} | {:.1f} | — | {} |", o.reference_seconds, traj_steps / o.reference_seconds / 1e6,
            o.reference_rss_mib > 0 ? fmt::format("{:.1f}", o.reference_rss_mib) : "(1-rank run)");
  md.line("| {} | {:.4f} | {:.1f} | {} | {:.1f} |", ranks, t, traj_steps / t / 1e6,
          ranks == 1 ? "—" : (efficiency > 0 ? fmt::format("{:.1f}%", 100 * efficiency) : "n/a"), rss_max);
  md.line("");
}

// ---- part 3: cost of writing trajectories ----------------------------------------------

struct IoCase {
  hm::Method method = hm::Method::StormerVerlet;
  std::int64_t every = 10;
  int deflate = 4;
};

struct IoResult {
  IoCase c;
  double nowrite_s = 0, nowrite_single_s = 0, write_s = 0;
  double setup_s = 0, frames_s = 0, close_s = 0;  // parts of write_s (max over ranks, medians)
  double bytes = 0;             // uncompressed bytes of all frames
  double file_bytes = 0;        // size of the file on disk
  double readback_diff = 0;     // last frame read back against the final state
  double rss_write = 0, rss_nowrite = 0;
  std::int64_t frames = 0;
  hsize_t chunk_rows = 0;
};

IoResult measure_io(const Options& o, const Comm& comm, const IoCase& c) {
  namespace h5 = structura::h5;
  if (o.io_steps % c.every != 0)
    throw structura::InputError(fmt::format("--io-steps {} is not a multiple of the output interval {}",
                                            o.io_steps, c.every));
  const hm::System sys = henon_heiles(o);
  const std::int64_t n = o.io_trajectories;
  const structura::Range r = structura::block_range(n, comm.size(), comm.rank());
  hm::Ensemble initial(r.begin, r.count, 2);
  hm::sample_initial_conditions(sys, shell(o), o.seed, initial);

  IoResult res;
  res.c = c;
  res.frames = o.io_steps / c.every + 1;  // frame 0 is the initial state
  // One frame per chunk, capped at 1 MiB (DESIGN: 10 KiB-1 MiB chunks).
  const hsize_t row_bytes = 2 * sizeof(double);
  res.chunk_rows = std::max<hsize_t>(1, std::min<hsize_t>(static_cast<hsize_t>(n), (1u << 20) / row_bytes));
  res.bytes = 2.0 * static_cast<double>(res.frames) * static_cast<double>(n) * static_cast<double>(row_bytes);
  const std::string path = o.output;

  std::vector<double> buffer(static_cast<std::size_t>(2 * r.count));
  // Packs one (trajectory, dof) view into the row-major [count, 2] hyperslab.
  auto pack = [&](const structura::SoAView<double>& v) {
    auto h = Kokkos::create_mirror_view_and_copy(structura::HostSpace(), v);
    for (std::int64_t i = 0; i < r.count; ++i) {
      buffer[2 * i] = h(static_cast<int>(i), 0);
      buffer[2 * i + 1] = h(static_cast<int>(i), 1);
    }
    return buffer.data();
  };

  // Times the parts of a writing run: open + create, the frame writes (pack
  // and H5Dwrite), close.
  struct Parts {
    double setup = 0, frames = 0, close = 0;
  };
  auto integrate_and_write = [&](hm::Ensemble& e, Parts& parts) {
    const double start = sb::now_seconds();
    double close_start = 0;
    {
      h5::File file = h5::File::open_parallel(path, h5::Mode::Create, comm.get());
      h5::DatasetOptions opt;
      opt.chunk = {1, res.chunk_rows, 2};
      opt.deflate_level = c.deflate;
      opt.unit = "1";
      const h5::Dims dims{static_cast<hsize_t>(res.frames), static_cast<hsize_t>(n), 2};
      h5::Dataset q = file.create_dataset<double>("/timeseries/position/value", dims, opt);
      h5::Dataset p = file.create_dataset<double>("/timeseries/momentum/value", dims, opt);
      const h5::Dims count{1, static_cast<hsize_t>(r.count), 2};
      parts.setup = sb::now_seconds() - start;
      for (std::int64_t f = 0; f < res.frames; ++f) {
        if (f > 0) hm::advance_fixed(sys, c.method, e, o.dt, c.every);
        const double t = sb::now_seconds();
        const h5::Dims offset{static_cast<hsize_t>(f), static_cast<hsize_t>(r.begin), 0};
        q.write(offset, count, pack(e.q));
        p.write(offset, count, pack(e.p));
        parts.frames += sb::now_seconds() - t;
      }
      close_start = sb::now_seconds();
    }  // closes the datasets, then the file
    parts.close = sb::now_seconds() - close_start;
  };

  std::vector<double> t_write, t_nowrite, t_single, t_setup, t_frames, t_close;
  sb::PeakRss rss_w, rss_n;
  hm::Ensemble written;
  for (int rep = 0; rep < o.io_reps; ++rep) {
    {
      hm::Ensemble e = initial.clone();
      comm.barrier();
      double local = 0;
      rss_n.measure([&] {
        local = sb::time_seconds([&] {
          for (std::int64_t f = 1; f < res.frames; ++f) hm::advance_fixed(sys, c.method, e, o.dt, c.every);
        });
      });
      t_nowrite.push_back(comm.max(local));
    }
    {
      hm::Ensemble e = initial.clone();
      comm.barrier();
      const double local = sb::time_seconds([&] { hm::advance_fixed(sys, c.method, e, o.dt, o.io_steps); });
      t_single.push_back(comm.max(local));
    }
    {
      hm::Ensemble e = initial.clone();
      comm.barrier();
      double local = 0;
      Parts parts;
      rss_w.measure([&] { local = sb::time_seconds([&] { integrate_and_write(e, parts); }); });
      t_write.push_back(comm.max(local));
      t_setup.push_back(comm.max(parts.setup));
      t_frames.push_back(comm.max(parts.frames));
      t_close.push_back(comm.max(parts.close));
      written = e;
    }
  }
  res.nowrite_s = sb::median(t_nowrite);
  res.nowrite_single_s = sb::median(t_single);
  res.write_s = sb::median(t_write);
  res.setup_s = sb::median(t_setup);
  res.frames_s = sb::median(t_frames);
  res.close_s = sb::median(t_close);
  res.rss_write = comm.max(rss_w.mib);
  res.rss_nowrite = comm.max(rss_n.mib);

  // Read the last frame back: the file holds what the integration produced.
  {
    h5::File file = h5::File::open_parallel(path, h5::Mode::ReadOnly, comm.get());
    std::vector<double> back(static_cast<std::size_t>(2 * r.count));
    const h5::Dims offset{static_cast<hsize_t>(res.frames - 1), static_cast<hsize_t>(r.begin), 0};
    const h5::Dims count{1, static_cast<hsize_t>(r.count), 2};
    file.open_dataset("/timeseries/position/value").read(offset, count, back.data());
    const double* expect = pack(written.q);
    double d = 0;
    for (std::size_t i = 0; i < back.size(); ++i) d = std::max(d, std::abs(back[i] - expect[i]));
    res.readback_diff = comm.max(d);
  }
  if (comm.is_root()) {
    res.file_bytes = static_cast<double>(std::filesystem::file_size(path));
    if (!o.keep_output) std::filesystem::remove(path);
  }
  if (res.readback_diff != 0.0)
    throw structura::NumericalError(
        fmt::format("io: the last frame read back differs from the final state by {}", res.readback_diff));
  return res;
}

void run_io(const Options& o, const Comm& comm, Markdown& md) {
  std::vector<IoCase> cases{{hm::Method::StormerVerlet, o.output_every, o.deflate}};
  if (o.io_variants) {
    cases.push_back({hm::Method::StormerVerlet, o.output_every, 0});
    if (o.deflate > 1) cases.push_back({hm::Method::StormerVerlet, o.output_every, 1});
    cases.push_back({hm::Method::TripleJump4, o.output_every, o.deflate});
    for (std::int64_t every = 10 * o.output_every; every <= o.io_steps; every *= 10)
      if (o.io_steps % every == 0) cases.push_back({hm::Method::StormerVerlet, every, o.deflate});
  }
  std::vector<IoResult> results;
  for (const auto& c : cases) results.push_back(measure_io(o, comm, c));
  if (!comm.is_root()) return;

  const std::string setup = fmt::format(
      "Henon-Heiles, {} trajectories x {} steps, dt = {}, {} rank(s); frames of position and momentum "
      "([T, N, 2] datasets, one frame per chunk, collective writes of each rank's hyperslab) to a parallel HDF5 "
      "file on local disk; median of {}",
      o.io_trajectories, o.io_steps, o.dt, comm.size(), o.io_reps);
  fmt::print("\n== trajectory output ==\n{}\nfile: {}\n\n", setup, std::filesystem::absolute(o.output).string());
  fmt::print("{:<13} {:>5} {:>6} {:>7} {:>10} {:>10} {:>9} {:>8} {:>8} {:>8} {:>9} {:>7} {:>7} {:>8} {:>8}\n",
             "method", "every", "frames", "deflate", "no write s", "(1 call) s", "write s", "setup s", "frames s",
             "close s", "overhead", "MB raw", "MB file", "RSS w", "RSS nw");
  md.section("io");
  md.line("**Trajectory output** — {}. Overhead = (T_write − T_nowrite) / T_write; T_nowrite runs the same "
          "advance_fixed calls without writing.",
          setup);
  md.line("");
  md.line("| method | output every | frames | deflate | no write [s] | write [s] | overhead | raw MB | file MB | "
          "peak RSS write / no write [MiB] |");
  md.line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const auto& x : results) {
    const double overhead = (x.write_s - x.nowrite_s) / x.write_s;
    fmt::print(
        "{:<13} {:>5} {:>6} {:>7} {:>10.4f} {:>10.4f} {:>9.4f} {:>8.4f} {:>8.4f} {:>8.4f} {:>8.1f}% {:>7.1f} {:>7.1f} "
        "{:>8.1f} {:>8.1f}\n",
        method_name(x.c.method), x.c.every, x.frames, x.c.deflate, x.nowrite_s, x.nowrite_single_s, x.write_s,
        x.setup_s, x.frames_s, x.close_s, 100 * overhead, x.bytes / 1e6, x.file_bytes / 1e6, x.rss_write,
        x.rss_nowrite);
    md.line("| {} | {} | {} | {} | {:.4f} | {:.4f} | {:.1f}% | {:.1f} | {:.1f} | {:.1f} / {:.1f} |",
            method_name(x.c.method), x.c.every, x.frames, x.c.deflate, x.nowrite_s, x.write_s, 100 * overhead,
            x.bytes / 1e6, x.file_bytes / 1e6, x.rss_write, x.rss_nowrite);
    fmt::print("RESULT part=io ranks={} method={} every={} deflate={} nowrite_s={:.6g} write_s={:.6g} "
               "overhead={:.4f} write_MBps={:.1f}\n",
               comm.size(), method_name(x.c.method), x.c.every, x.c.deflate, x.nowrite_s, x.write_s, overhead,
               x.bytes / (x.write_s - x.nowrite_s) / 1e6);
  }
  md.line("");
  fmt::print("(1 call) = the same integration as one advance_fixed call. Parts of 'write s': setup = open + create "
             "the datasets,\nframes = packing and H5Dwrite of all frames, close = closing datasets and file; the "
             "rest is integration.\nChunk = [1, {}, 2] (one frame); RSS in MiB; the last frame read back matches "
             "the final state exactly.\n",
             results.front().chunk_rows);
}

}  // namespace

int main(int argc, char** argv) {
  structura::mpi::Environment mpi_env(argc, argv);
  structura::KokkosRuntime kokkos(argc, argv);
  const Comm comm;

  Options o;
  CLI::App app{"Benchmark of structura's Hamiltonian ensemble integrator (Henon-Heiles)"};
  app.add_option("--part", o.parts, "parts to run: throughput, scaling, io, all")
      ->check(CLI::IsMember({"throughput", "scaling", "io", "all"}))
      ->delimiter(',');
  app.add_option("--dt", o.dt, "step size")->capture_default_str();
  app.add_option("--seed", o.seed, "seed of the initial conditions")->capture_default_str();
  app.add_option("--trajectories", o.trajectories, "throughput: trajectories")->capture_default_str();
  app.add_option("--steps", o.steps, "throughput: steps")->capture_default_str();
  app.add_option("--reps", o.reps, "throughput: repetitions")->capture_default_str();
  app.add_option("--accuracy-trajectories", o.accuracy_trajectories,
                 "throughput: about this many trajectories (every k-th) give the energy errors matched")
      ->capture_default_str();
  app.add_option("--scaling-trajectories", o.scaling_trajectories, "scaling: global trajectories")
      ->capture_default_str();
  app.add_option("--scaling-steps", o.scaling_steps, "scaling: steps")->capture_default_str();
  app.add_option("--scaling-reps", o.scaling_reps, "scaling: repetitions")->capture_default_str();
  app.add_option("--reference-seconds", o.reference_seconds,
                 "scaling: the 1-rank time, to print the efficiency T1 / (P T_P)");
  app.add_option("--reference-rss-mib", o.reference_rss_mib, "scaling: the 1-rank peak RSS, for the table");
  app.add_option("--io-trajectories", o.io_trajectories, "io: global trajectories")->capture_default_str();
  app.add_option("--io-steps", o.io_steps, "io: steps")->capture_default_str();
  app.add_option("--output-every", o.output_every, "io: steps between frames")->capture_default_str();
  app.add_option("--deflate", o.deflate, "io: deflate level (0: none)")->capture_default_str();
  app.add_option("--io-reps", o.io_reps, "io: repetitions")->capture_default_str();
  app.add_flag("--io-variants", o.io_variants,
               "io: also measure with deflate 0 and 1, with the triple jump, and with 10x, 100x, ... fewer frames");
  app.add_option("--output", o.output, "io: the HDF5 file to write (removed afterwards)")->capture_default_str();
  app.add_flag("--keep-output", o.keep_output, "io: keep the HDF5 file");
  try {
    app.parse(argc, argv);
    if (o.reps < 1 || o.scaling_reps < 1 || o.io_reps < 1) throw CLI::ValidationError("repetitions must be >= 1");
    if (o.output_every < 1) throw CLI::ValidationError("--output-every must be >= 1");
  } catch (const CLI::ParseError& e) {
    const int rc = comm.is_root() ? app.exit(e) : (e.get_exit_code() == 0 ? 0 : 2);
    return rc == 0 ? 0 : 2;
  }

  try {
    say(comm, "structura_bench_hamiltonian: {} rank(s), Kokkos {}, {}\ncompiler: {} {}, {}\n", comm.size(),
        structura::execution_space_description(), cpu_model(), compiler_name, __VERSION__, STRUCTURA_BENCH_FLAGS);
    Markdown md;
    if (o.wants("throughput")) run_throughput(o, comm, md);
    if (o.wants("scaling")) run_scaling(o, comm, md);
    if (o.wants("io")) run_io(o, comm, md);
    const double rss = sb::process_peak_rss_mib();
    say(comm, "\npeak RSS per configuration is measured with the high-water mark reset before each ({}).\n",
        sb::rss_record().resettable ? "/proc/self/clear_refs" : "not resettable here: peaks are cumulative");
    say(comm, "process peak RSS (getrusage ru_maxrss, whole run): max over ranks {:.1f} MiB\n", comm.max(rss));
    print_markdown(comm, md);
  } catch (const std::exception& e) {
    std::cerr << fmt::format("rank {}: error: {}\n", comm.rank(), e.what());
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  return 0;
}
