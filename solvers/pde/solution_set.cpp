#include "pde/solution_set.hpp"

#include <fmt/format.h>

#include <exception>
#include <limits>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "pde/ts_support.hpp"

namespace structura::pde {

void SolutionSetOptions::validate() const {
  solve.validate();
  grf.validate();
  if (samples < 0) throw InputError(fmt::format("samples: {} must be >= 0", samples));
  if (stride < 1 || solve.points % stride != 0)
    throw InputError(fmt::format("stride: {} must be >= 1 and divide the {} solve points", stride, solve.points));
}

std::vector<double> downsample(const std::vector<double>& u, std::int64_t stride, bool closed) {
  std::vector<double> out;
  for (std::size_t i = 0; i < u.size(); i += static_cast<std::size_t>(stride)) out.push_back(u[i]);
  if (closed && !u.empty()) out.push_back(u.front());
  return out;
}

namespace {

// How a rank's failure travels to the others (the kind of error to rethrow).
enum Kind : std::int64_t { None = 0, Input = 1, Numerical = 2, Other = 3 };

}  // namespace

SolutionSetBlock solve_solution_set(const SolutionSetOptions& o, const InitialConditionFn& initial,
                                    const mpi::Comm& comm) {
  o.validate();
  const Range block = comm.block(o.samples);
  SolutionSetBlock out;
  out.samples = o.samples;
  out.first = block.begin;
  out.count = block.count;
  out.times = detail::output_times(o.solve.output_times, o.solve.t_end);
  out.points = o.output_points();
  out.x = downsample(periodic_grid(o.solve.points, o.solve.length), o.stride, false);
  if (o.closed) out.x.push_back(o.solve.length);
  out.values.reserve(static_cast<std::size_t>(block.count) * out.times.size() * static_cast<std::size_t>(out.points));

  const mpi::Comm self{MPI_COMM_SELF};
  // One solver per rank for all its samples: its set-up (DMDA, TS, options)
  // costs more than a small grid's whole solve; the results are those of a
  // new solver per sample, bit for bit (pde_periodic_1d_reuse).
  std::unique_ptr<Periodic1dSolver> solver;
  if (block.count > 0) solver = std::make_unique<Periodic1dSolver>(o.solve, self);
  std::int64_t kind = None;
  std::string message;
  for (std::int64_t index = block.begin; index < block.end() && kind == None; ++index) {
    const auto fail = [&](Kind k, const char* what) {
      kind = k;
      message = fmt::format("solution set: sample {} (seed {}): {}", index, o.seed, what);
    };
    try {
      const Periodic1dResult r = solver->solve(initial(index));
      for (const std::vector<double>& snapshot : r.snapshots) {
        const std::vector<double> kept = downsample(snapshot, o.stride, o.closed);
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

SolutionSetBlock solve_solution_set(const SolutionSetOptions& o, const mpi::Comm& comm) {
  o.validate();
  return solve_solution_set(
      o, [&o](std::int64_t index) { return periodic_grf(o.grf, o.solve.points, o.seed, std::uint64_t(index)); },
      comm);
}

}  // namespace structura::pde
