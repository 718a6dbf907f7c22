// A data set of many independent 1-D solves spread over the ranks of a
// communicator: sample indices [0, n) in contiguous blocks (core/partition:
// the first n % P ranks one more), each rank solving its own samples one by
// one on MPI_COMM_SELF (periodic_1d.hpp), so that each sample is a pure
// function of its index and the set is the same bit for bit on any number of
// ranks. Initial conditions: periodic_grf keyed by (seed, index) on the solve
// grid, or any function of the index the caller gives.
//
// Each rank gets its block: sample indices [first, first + count) and their
// snapshots, count x times x points row-major, which is the hyperslab
// [first, first + count) x T x P of an n x T x P data set (for a parallel
// HDF5 write by every rank at once).
//
// Output grid: the solve runs on N = solve.points points and every
// `stride`-th is kept (N divisible by stride): the data are the fine solve's
// values at the coarse points, not a coarse solve. `closed` appends the
// value at x = length (= x = 0, the period) to each snapshot, the layout of
// the Burgers data set of Wang, Wang, Perdikaris (2021): 101 points on
// [0, 1] both ends included, 101 times on [0, 1]; e.g. N = 400, stride 4,
// closed: 100 + 1 points, the solve on a grid 4 times finer than stored.
//
// Errors: a sample whose solve fails (an unstable dt, a bad initial
// condition) stops the set on every rank, not only on its own, with the same
// message: the lowest failing sample's index and seed and the solver's
// message (which names solve.dt_key); InputError or NumericalError as the
// solver threw it. The ranks agree once, after their loops: no hang.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/mpi.hpp"
#include "pde/periodic_1d.hpp"
#include "pde/random_field.hpp"

namespace structura::pde {

struct SolutionSetOptions {
  Periodic1dOptions solve;  // the solve grid, equation, dt, output_times (empty: t_end alone)
  PeriodicGrfOptions grf;   // the initial conditions' field (without an initial-condition function)
  std::uint64_t seed = 0;
  std::int64_t samples = 0;  // n >= 0
  std::int64_t stride = 1;   // keep grid points 0, stride, 2 stride, ...
  bool closed = false;       // append x = length (periodic copy of x = 0)

  // InputError naming samples, stride (and the solve's and field's keys).
  void validate() const;
  std::int64_t output_points() const { return solve.points / stride + (closed ? 1 : 0); }
};

struct SolutionSetBlock {
  std::int64_t samples = 0;  // n, the whole set
  std::int64_t first = 0;    // this rank's first sample index
  std::int64_t count = 0;    // this rank's number of samples
  std::vector<double> times;  // the output times, T of them
  std::int64_t points = 0;    // P, output points per snapshot
  std::vector<double> x;      // the P output points
  std::vector<double> values;  // count x T x P: values[(s T + k) P + i], sample first + s
};

// The initial condition of sample `index` on the solve grid (solve.points values).
using InitialConditionFn = std::function<std::vector<double>(std::int64_t index)>;

// Initial conditions from periodic_grf(grf, solve.points, seed, index).
SolutionSetBlock solve_solution_set(const SolutionSetOptions& options, const mpi::Comm& comm);
SolutionSetBlock solve_solution_set(const SolutionSetOptions& options, const InitialConditionFn& initial,
                                    const mpi::Comm& comm);

// One snapshot on the solve grid reduced to the output grid.
std::vector<double> downsample(const std::vector<double>& u, std::int64_t stride, bool closed);

}  // namespace structura::pde
