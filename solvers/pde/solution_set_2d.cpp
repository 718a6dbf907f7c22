#include "pde/solution_set_2d.hpp"

#include <fmt/format.h>

#include <exception>
#include <string>

#include "core/error.hpp"
#include "pde/ts_support.hpp"

namespace structura::pde {

void SolutionSet2dOptions::validate() const {
  solve.validate();
  if (samples < 0) throw InputError(fmt::format("samples: {} must be >= 0", samples));
  if (stride < 1 || solve.points % stride != 0)
    throw InputError(fmt::format("stride: {} must be >= 1 and divide the {} solve points", stride, solve.points));
}

std::vector<double> downsample_2d(const std::vector<double>& u, std::int64_t n, std::int64_t stride) {
  std::vector<double> out;
  out.reserve(static_cast<std::size_t>((n / stride) * (n / stride)));
  for (std::int64_t j = 0; j < n; j += stride)
    for (std::int64_t i = 0; i < n; i += stride) out.push_back(u[static_cast<std::size_t>(j * n + i)]);
  return out;
}

namespace {

// How a rank's failure travels to the others (the kind of error to rethrow).
enum Kind : std::int64_t { None = 0, Input = 1, Numerical = 2, Other = 3 };

}  // namespace

SolutionSet2dBlock solve_solution_set_2d(const SolutionSet2dOptions& o, const InitialCondition2dFn& initial,
                                         const mpi::Comm& comm) {
  o.validate();
  const Range block = comm.block(o.samples);
  SolutionSet2dBlock out;
  out.samples = o.samples;
  out.first = block.begin;
  out.count = block.count;
  out.times = detail::output_times(o.solve.output_times, o.solve.t_end);
  out.points = o.output_points();
  const auto per_sample = out.times.size() * static_cast<std::size_t>(out.points * out.points);
  out.values.reserve(static_cast<std::size_t>(block.count) * per_sample);

  // Each sample its own solver on this rank alone: the set-up of a small
  // grid is cheap next to its steps, and a solve on MPI_COMM_SELF is the
  // same on any rank count.
  const mpi::Comm self{MPI_COMM_SELF};
  std::int64_t kind = None;
  std::string message;
  for (std::int64_t index = block.begin; index < block.end() && kind == None; ++index) {
    const auto fail = [&](Kind k, const char* what) {
      kind = k;
      message = fmt::format("solution set: sample {}: {}", index, what);
    };
    try {
      const AllenCahn2dResult r = solve_allen_cahn_2d(initial(index), o.solve, self);
      for (const std::vector<double>& snapshot : r.snapshots) {
        const std::vector<double> kept = downsample_2d(snapshot, o.solve.points, o.stride);
        out.values.insert(out.values.end(), kept.begin(), kept.end());
      }
    } catch (const InputError& e) {
      fail(Input, e.what());
    } catch (const NumericalError& e) {
      fail(Numerical, e.what());
    } catch (const std::exception& e) {
      fail(Other, e.what());
    }
  }
  // One agreement after the loops: the lowest failing rank (holding the
  // lowest failing index, the blocks being in order) tells everyone.
  const std::int64_t root = comm.min(kind == None ? std::int64_t(comm.size()) : std::int64_t(comm.rank()));
  if (root == comm.size()) return out;
  comm.broadcast(kind, int(root));
  comm.broadcast(message, int(root));
  if (kind == Input) throw InputError(message);
  if (kind == Numerical) throw NumericalError(message);
  throw Error(message);
}

}  // namespace structura::pde
