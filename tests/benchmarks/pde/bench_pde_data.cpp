// Data generation benchmark (issue 11 §7): a Burgers data set in the layout
// of Wang, Wang, Perdikaris (2021) — GRF initial conditions (gamma 4, tau 5,
// sigma 25^2, a fixed number of modes so that the field is the same function
// on every grid), nu = 0.01 on [0, 1), 101 snapshots on [0, 1] at 101 points
// (the periodic end included) — made by pde::solve_solution_set on one rank,
// CPU time measured. Writes the values (samples x 101 x 101, float64, raw)
// and, for the peer, the initial conditions on a grid of --ic-points
// (samples x ic-points, raw). Run by run_pde_data.sh with the SciPy peer
// bench_pde_data.py.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "core/mpi.hpp"
#include "pde/solution_set.hpp"
#include "petsc/session.hpp"

using namespace structura;

namespace {

void write_raw(const std::string& path, const std::vector<double>& v) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size() * sizeof(double)));
  if (!f) throw std::runtime_error("cannot write " + path);
}

}  // namespace

int main(int argc, char** argv) {
  mpi::Environment env(argc, argv);
  CLI::App app{"Burgers data generation by structura::pde (one rank)"};
  std::int64_t samples = 8, points = 400, modes = 32, ic_points = 0;
  int order = 4;
  double dt = 1e-3;
  std::uint64_t seed = 2021;
  std::string out, ic_out;
  app.add_option("--samples", samples);
  app.add_option("--points", points, "solve grid (a multiple of 100)");
  app.add_option("--order", order, "2 or 4");
  app.add_option("--dt", dt, "RK4 step");
  app.add_option("--modes", modes, "GRF modes");
  app.add_option("--seed", seed);
  app.add_option("--out", out, "raw float64 samples x 101 x 101");
  app.add_option("--ic-out", ic_out, "raw float64 initial conditions, samples x ic-points");
  app.add_option("--ic-points", ic_points);
  CLI11_PARSE(app, argc, argv);
  petsc::PetscSession petsc;

  pde::SolutionSetOptions o;
  o.solve.equation = pde::Equation1d::Burgers;
  o.solve.points = points;
  o.solve.order = order;
  o.solve.dt = dt;
  o.solve.nu = 0.01;
  o.solve.t_end = 1;
  o.solve.output_times = pde::equally_spaced_times(0, 1, 101);
  o.grf.modes = modes;
  o.seed = seed;
  o.samples = samples;
  o.stride = points / 100;
  o.closed = true;
  if (!ic_out.empty()) {  // first: written even when the solve fails
    std::vector<double> ic;
    for (std::int64_t s = 0; s < samples; ++s) {
      const std::vector<double> u = pde::periodic_grf(o.grf, ic_points, seed, std::uint64_t(s));
      ic.insert(ic.end(), u.begin(), u.end());
    }
    write_raw(ic_out, ic);
  }
  const mpi::Comm self{MPI_COMM_SELF};
  pde::SolutionSetBlock block;
  const double wall0 = bench::now_seconds();
  double cpu = 0;
  try {
    cpu = bench::cpu_time_seconds([&] { block = pde::solve_solution_set(o, self); });
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
  const double wall = bench::now_seconds() - wall0;
  if (!out.empty()) write_raw(out, block.values);
  fmt::print("structura points={} order={} dt={} samples={} cpu_s={:.4f} wall_s={:.4f} cpu_per_sample_s={:.5f}\n",
             points, order, dt, samples, cpu, wall, cpu / double(samples));
  return 0;
}
