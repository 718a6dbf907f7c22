// Data generation for the neural PDE solvers (issue 11 §7: against a
// NumPy/SciPy pseudo-spectral solve_ivp solver, the same initial conditions,
// the same accuracy, per core): the viscous Burgers data set of Wang et al.
// (nu = 0.01, periodic [0, 1), initial conditions from the periodic Gaussian
// random field gamma = 4, tau = 5, sigma = 25^2, snapshots at equally spaced
// times on [0, t_end]) made by pde::solve_periodic_1d on one rank, one
// sample after another with one pde::Periodic1dSolver (its set-up counted),
// as a data set of independent solves does on each rank.
//
// The initial condition of sample i is the GRF's Fourier series with
// --modes modes, a pure function of (seed, i) at any grid, so the peer and a
// fine reference solve the same functions. Files (raw float64, little
// endian, C order) for run_burgers_data.sh:
//   --write-ics FILE --ic-points M   the initial conditions on M points: samples x M
//   --out FILE                       the snapshots restricted to every (points / --compare-points)-th
//                                    grid point: samples x snapshots x compare_points
// It prints one RESULT line: CPU seconds (all samples: the solver's set-up and the
// solves; CPU time, so that other work on a shared machine does not count), per sample,
// after a warm-up solve that is not counted (see --cold), and the set-up alone.
//
//   structura_bench_burgers_data [--samples 8] [--points 256] [--order 4] [--dt 1e-4]
//       [--snapshots 101] [--t-end 1] [--modes 32] [--seed 1] [--compare-points 64]
//       [--write-ics FILE --ic-points M] [--out FILE] [--petsc "ts_type=rosw ts_adapt_type=basic ..."]
//       [--discretisation differences|spectral] [--interpolate] [--cold]
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <mpi.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "core/mpi.hpp"
#include "pde/periodic_1d.hpp"
#include "pde/random_field.hpp"
#include "petsc/session.hpp"

using namespace structura;

namespace {

void write_raw(const std::string& path, const std::vector<double>& values) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(double)));
  if (!f) throw std::runtime_error("cannot write " + path);
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int code = 0;
  {
    CLI::App app{"Burgers data generation on one rank (the peer: burgers_spectral_peer.py)"};
    std::int64_t samples = 8, points = 256, snapshots = 101, modes = 32, compare_points = 64, ic_points = 0;
    int order = 4;
    double dt = 1e-4, t_end = 1.0;
    std::uint64_t seed = 1;
    std::string ics_file, out_file, petsc_options, discretisation = "differences";
    bool interpolate = false, cold = false;
    app.add_option("--samples", samples);
    app.add_option("--points", points);
    app.add_option("--order", order);
    app.add_option("--dt", dt);
    app.add_option("--snapshots", snapshots);
    app.add_option("--t-end", t_end);
    app.add_option("--modes", modes);
    app.add_option("--seed", seed);
    app.add_option("--compare-points", compare_points);
    app.add_option("--write-ics", ics_file);
    app.add_option("--ic-points", ic_points);
    app.add_option("--out", out_file);
    app.add_option("--discretisation", discretisation, "differences (order --order) or spectral")
        ->check(CLI::IsMember({"differences", "spectral"}));
    app.add_flag("--cold", cold, "count the process's first-solver costs too (no warm-up solve)");
    app.add_flag("--interpolate", interpolate, "snapshots by the TS's dense output (Periodic1dOptions::interpolate)");
    app.add_option("--petsc", petsc_options, "PETSc options of the TS, space separated, without '-' or prefix");
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      code = app.exit(e);
    }
    if (code == 0 && points % compare_points != 0) {
      fmt::print(stderr, "--points {} must be a multiple of --compare-points {}\n", points, compare_points);
      code = 2;
    }
    if (code == 0) {
      petsc::PetscSession session;
      pde::PeriodicGrfOptions grf;  // the Burgers data set's gamma, tau, sigma
      grf.modes = modes;
      if (!ics_file.empty()) {
        std::vector<double> ics;
        for (std::int64_t i = 0; i < samples; ++i) {
          const auto u0 = pde::periodic_grf(grf, ic_points, seed, static_cast<std::uint64_t>(i));
          ics.insert(ics.end(), u0.begin(), u0.end());
        }
        write_raw(ics_file, ics);
      }
      pde::Periodic1dOptions o;
      o.equation = pde::Equation1d::Burgers;
      o.points = points;
      o.order = order;
      o.discretisation = discretisation == "spectral" ? pde::Discretisation1d::Spectral : pde::Discretisation1d::Differences;
      o.interpolate = interpolate;
      o.dt = dt;
      o.t_end = t_end;
      o.output_times = pde::equally_spaced_times(0.0, t_end, snapshots);
      std::istringstream words(petsc_options);
      for (std::string w; words >> w;) o.petsc.options.push_back(w);
      const mpi::Comm self(MPI_COMM_SELF);
      std::vector<double> out;
      double seconds = 0;
      std::int64_t steps = 0;
      const std::int64_t stride = points / compare_points;
      // One solver for all samples, as the data stage uses it; its set-up is
      // counted in the time. What a process pays once before its first solver
      // (PETSc's package registration, the dynamic linker binding PETSc's
      // symbols: ~3 ms) is not, as the peer's imports of numpy and scipy are
      // not: a throw-away solver and solve first (--cold counts it).
      std::unique_ptr<pde::Periodic1dSolver> solver;
      if (!cold) {
        pde::Periodic1dSolver warm(o, self);
        (void)warm.solve(pde::periodic_grf(grf, points, seed + 1, 0));
      }
      const double setup =
          bench::cpu_time_seconds([&] { solver = std::make_unique<pde::Periodic1dSolver>(o, self); });
      seconds += setup;
      for (std::int64_t i = 0; i < samples; ++i) {
        const auto u0 = pde::periodic_grf(grf, points, seed, static_cast<std::uint64_t>(i));
        pde::Periodic1dResult r;
        seconds += bench::cpu_time_seconds([&] { r = solver->solve(u0); });
        steps += r.steps;
        for (const auto& snap : r.snapshots)
          for (std::int64_t k = 0; k < points; k += stride) out.push_back(snap[static_cast<std::size_t>(k)]);
      }
      if (!out_file.empty()) write_raw(out_file, out);
      fmt::print("RESULT discretisation={} samples={} points={} order={} dt={} steps_per_sample={} seconds={:.4f} seconds_per_sample={:.5f} "
                 "setup_seconds={:.5f} peak_rss_mib={:.0f}\n",
                 discretisation, samples, points, order, dt, steps / samples, seconds, seconds / static_cast<double>(samples),
                 setup, bench::peak_rss_mib());
    }
  }
  MPI_Finalize();
  return code;
}
