// Strong scaling and memory of one large 2-D Allen-Cahn solve (issue 11 §7:
// 1024^2, 1 -> 2 ranks >= 1.7x, peak RSS per rank). On the ranks of
// MPI_COMM_WORLD it solves u_t = eps^2 Laplacian u + u - u^3 on the periodic
// unit square from a smooth multi-mode initial condition, with the solver's
// defaults (ARKIMEX 3, CG to 1e-12 per implicit stage) unless --petsc says
// otherwise, --steps fixed steps of --dt, --reps times; it prints the median
// wall time of the whole call (DMDA and TS set-up, the steps, and the gather
// of the final state onto every rank, as a caller gets it), the KSP
// iterations, the peak RSS (VmHWM) of every rank, and checksums (sum |u|, sum u^2, a weighted sum) of the
// final state so that run_allen_cahn_scaling.sh can compare rank counts.
//
// The preconditioner matters for the comparison: PETSc's default for CG in
// parallel is block Jacobi with ILU(0) per rank, whose iteration count
// grows with the number of blocks; the benchmark reports the iterations so
// that a speed-up is not read without them (--petsc pc_type=jacobi keeps
// them equal on any rank count).
//
// Wall clock only, on an idle machine with 2 free cores (see
// tomography/bench_ct_scaling.cpp for why CPU time misleads across ranks).
//
//   structura_bench_allen_cahn_scaling [--points 1024] [--steps 10] [--dt 1e-3] [--epsilon 0.01]
//       [--reps 3] [--petsc "pc_type=jacobi ..."]
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <mpi.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "core/mpi.hpp"
#include "pde/allen_cahn_2d.hpp"
#include "petsc/session.hpp"

using namespace structura;

namespace {

// VmHWM (peak resident set) of this process in MiB.
double vm_hwm_mib() {
  std::ifstream f("/proc/self/status");
  std::string key;
  while (f >> key) {
    if (key == "VmHWM:") {
      double kib = 0;
      f >> kib;
      return kib / 1024.0;
    }
    f.ignore(1 << 16, '\n');
  }
  return bench::peak_rss_mib();
}

// A smooth field with several modes and both phases present (values in
// about [-0.9, 0.9]), the same on every rank.
std::vector<double> initial_condition(std::int64_t n) {
  constexpr double two_pi = 2 * std::numbers::pi;
  std::vector<double> u(static_cast<std::size_t>(n * n));
  for (std::int64_t j = 0; j < n; ++j) {
    const double y = static_cast<double>(j) / static_cast<double>(n);
    for (std::int64_t i = 0; i < n; ++i) {
      const double x = static_cast<double>(i) / static_cast<double>(n);
      u[static_cast<std::size_t>(j * n + i)] = 0.5 * std::sin(two_pi * x) * std::cos(2 * two_pi * y) +
                                               0.3 * std::cos(3 * two_pi * (x + y)) +
                                               0.1 * std::sin(7 * two_pi * x - 5 * two_pi * y);
    }
  }
  return u;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int code = 0;
  {
    const mpi::Comm world;
    CLI::App app{"Strong scaling of one 2-D Allen-Cahn solve on a periodic DMDA"};
    std::int64_t points = 1024;
    int steps = 10, reps = 3;
    double dt = 1e-3, epsilon = 0.01;
    std::string petsc_options;
    app.add_option("--points", points, "grid points per side");
    app.add_option("--steps", steps, "fixed time steps per solve");
    app.add_option("--dt", dt, "time step");
    app.add_option("--epsilon", epsilon, "interface width parameter");
    app.add_option("--reps", reps, "repetitions (the median is reported)");
    app.add_option("--petsc", petsc_options, "PETSc options, space separated, without '-' or prefix");
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      code = app.exit(e);
    }
    if (code == 0) {
      petsc::PetscSession session;
      pde::AllenCahn2dOptions o;
      o.points = points;
      o.epsilon = epsilon;
      o.dt = dt;
      o.t_end = dt * steps;
      std::istringstream words(petsc_options);
      for (std::string w; words >> w;) o.petsc.options.push_back(w);
      const std::vector<double> u0 = initial_condition(points);

      std::vector<double> times;
      pde::AllenCahn2dResult result;
      for (int r = 0; r < reps; ++r) {
        world.barrier();
        const double t0 = bench::now_seconds();
        result = pde::solve_allen_cahn_2d(u0, o, world);
        times.push_back(world.max(bench::now_seconds() - t0));
      }
      double sum = 0, sum_sq = 0, weighted = 0;
      for (std::size_t k = 0; k < result.u.size(); ++k) {
        sum += std::abs(result.u[k]);
        sum_sq += result.u[k] * result.u[k];
        weighted += result.u[k] * static_cast<double>(k % 9973);
      }
      std::vector<double> rss(static_cast<std::size_t>(world.size()), 0.0);
      rss[static_cast<std::size_t>(world.rank())] = vm_hwm_mib();
      world.sum_in_place(rss);
      if (world.is_root()) {
        std::string rss_text;
        for (double v : rss) rss_text += fmt::format("{}{:.0f}", rss_text.empty() ? "" : ",", v);
        fmt::print(
            "RESULT ranks={} points={} steps={} ts={} seconds={:.4f} seconds_min={:.4f} seconds_max={:.4f} "
            "ksp_iterations={} peak_rss_mib={} checksum={:.15e},{:.15e},{:.15e}\n",
            world.size(), points, result.steps, result.ts_type, bench::median(times), bench::min_of(times),
            bench::max_of(times), result.linear_iterations, rss_text, sum, sum_sq, weighted);
      }
    }
  }
  MPI_Finalize();
  return code;
}
