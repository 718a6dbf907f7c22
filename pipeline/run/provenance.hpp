// Attributes on the root of result.h5 that say what produced it: versions,
// git commit, command line, ranks, hosts, Kokkos space, Slurm job.
#pragma once

#include <string>

#include "core/h5.hpp"
#include "core/mpi.hpp"

namespace structura::pipeline {

// Collective on a parallel file. Sets start_time to `started` unless the file
// has one already (from an earlier invocation), and end_time to now.
void write_provenance(h5::Group& root, const mpi::Comm& comm, const std::string& command_line,
                      const std::string& started);
std::string now_iso8601();
// One line per dependency, for `structura --version`.
std::string version_text();

}  // namespace structura::pipeline
