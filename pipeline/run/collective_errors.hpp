// Errors that some ranks find and others do not must end every rank alike:
// a rank that throws alone leaves the others waiting in their next
// collective call forever.
//
// - agree_on_errors: errors found inside a stage (a trajectory of this rank's
//   slice diverges, a rejection sampler fails on this rank's points); the
//   runner closes the shared result file afterwards, which every rank has to
//   join.
// - on_root: work that only rank 0 does (the run directory, config.toml, the
//   lock, checking result.h5, renaming files): any exception there is
//   broadcast, and every rank throws it with rank 0's message.
#pragma once

#include <exception>
#include <string>

#include "core/error.hpp"
#include "core/mpi.hpp"

namespace structura::pipeline {

namespace detail {
// The kind of error as one letter ("I" input, "N" numerical, "E" other),
// then its message; "" for none.
template <class F>
std::string capture_error(F&& f, bool all_kinds) {
  try {
    f();
  } catch (const InputError& e) {
    return std::string("I") + e.what();
  } catch (const NumericalError& e) {
    return std::string("N") + e.what();
  } catch (const std::exception& e) {
    if (!all_kinds) throw;
    return std::string("E") + e.what();
  }
  return "";
}

[[noreturn]] inline void rethrow_captured(const std::string& captured) {
  const std::string message = captured.substr(1);
  if (captured[0] == 'I') throw InputError(message);
  if (captured[0] == 'N') throw NumericalError(message);
  throw Error(message);
}
}  // namespace detail

// Runs f on every rank. If it throws InputError or NumericalError on some
// ranks, every rank throws that error with the lowest such rank's message.
// Collective: one agreement (MPI) per call.
template <class F>
void agree_on_errors(const mpi::Comm& comm, F&& f) {
  const std::string first = comm.first_error(detail::capture_error(f, false));
  if (!first.empty()) detail::rethrow_captured(first);
}

// Runs f on rank 0 only; the other ranks wait for its outcome. If f throws
// (anything derived from std::exception), every rank throws the same kind
// (InputError, NumericalError, else structura::Error) with rank 0's message.
// Collective: one broadcast per call.
template <class F>
void on_root(const mpi::Comm& comm, F&& f) {
  std::string captured;
  if (comm.is_root()) captured = detail::capture_error(f, true);
  comm.broadcast(captured);
  if (!captured.empty()) detail::rethrow_captured(captured);
}

// Like on_root, for f returning a value that every rank needs: rank 0's
// result is broadcast (std::string, double or std::int64_t).
template <class T, class F>
T on_root_value(const mpi::Comm& comm, F&& f) {
  T value{};
  on_root(comm, [&] { value = f(); });
  comm.broadcast(value);
  return value;
}

}  // namespace structura::pipeline
