// Errors that some ranks find and others do not (a trajectory of this rank's
// slice diverges, a rejection sampler fails on this rank's points) must be
// raised by all ranks together: the runner closes the shared result file
// after an InputError or NumericalError, which every rank has to join.
#pragma once

#include <string>

#include "core/error.hpp"
#include "core/mpi.hpp"

namespace structura::pipeline {

// Runs f on every rank. If it throws InputError or NumericalError on some
// ranks, every rank throws that error with the lowest such rank's message.
// Collective: one agreement (MPI) per call.
template <class F>
void agree_on_errors(const mpi::Comm& comm, F&& f) {
  std::string local;  // "I" or "N", then the message
  try {
    f();
  } catch (const InputError& e) {
    local = std::string("I") + e.what();
  } catch (const NumericalError& e) {
    local = std::string("N") + e.what();
  }
  const std::string first = comm.first_error(local);
  if (first.empty()) return;
  if (first[0] == 'I') throw InputError(first.substr(1));
  throw NumericalError(first.substr(1));
}

}  // namespace structura::pipeline
