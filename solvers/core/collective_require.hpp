// Input checks in front of a collective call. A rank whose input is refused
// must not throw alone: the other ranks would wait in the collective (an
// MPI_Allreduce, MPI_Allgatherv, ...) for ever. Checking together makes
// every rank throw the same InputError.
#pragma once

#include <string>

#include "core/error.hpp"
#include "core/mpi.hpp"

namespace structura {

// Runs `check` on every rank of comm. If it throws InputError on some ranks,
// every rank throws InputError with the lowest such rank's message, which
// then names that rank ("... (rank r of n)"). Collective: one MPI_Allreduce
// per call (and a broadcast when a rank refused); on one rank it is `check`
// alone.
template <class F>
void require_on_every_rank(const mpi::Comm& comm, F&& check) {
  if (comm.size() == 1) {
    check();
    return;
  }
  std::string refused;
  try {
    check();
  } catch (const InputError& e) {
    refused = std::string(e.what()) + " (rank " + std::to_string(comm.rank()) + " of " +
              std::to_string(comm.size()) + ")";
  }
  const std::string first = comm.first_error(refused);
  if (!first.empty()) throw InputError(first);
}

}  // namespace structura
