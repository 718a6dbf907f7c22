#include "run/provenance.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <ctime>
#include <cstdlib>

#include "core/kokkos.hpp"
#include "structura/version.hpp"

extern char** environ;

namespace structura::pipeline {

std::string now_iso8601() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void write_provenance(h5::Group& root, const mpi::Comm& comm, const std::string& command_line,
                      const std::string& started) {
  // Every rank must write identical attribute values: take rank 0's.
  std::string now = now_iso8601();
  comm.broadcast(now);
  std::string cmd = command_line;
  comm.broadcast(cmd);
  std::string start = started;
  comm.broadcast(start);
  if (!root.has_attribute("start_time")) root.set_attribute("start_time", start);
  root.set_attribute("end_time", now);
  root.set_attribute("structura_version", build::version);
  root.set_attribute("git_commit", build::git_commit);
  root.set_attribute("build_type", build::build_type);
  root.set_attribute("command_line", cmd);
  root.set_attribute("mpi_size", static_cast<std::int64_t>(comm.size()));
  root.set_attribute("hostnames", fmt::format("{}", fmt::join(comm.host_names(), ",")));
  root.set_attribute("kokkos_execution_space", execution_space_description());
  root.set_attribute("mpi_library", mpi::library_version());
  root.set_attribute("compiler", build::compiler);
  root.set_attribute("hdf5_version", build::hdf5_version);
  root.set_attribute("petsc_version", build::petsc_version);
  root.set_attribute("kokkos_version", build::kokkos_version);
  root.set_attribute("torch_version", build::torch_version);
  root.set_attribute("fmt_version", build::fmt_version);
  // The Slurm job that ran the latest stage, as rank 0 sees it.
  std::string slurm;
  for (char** e = environ; *e; ++e) {
    const std::string kv = *e;
    for (const char* name : {"SLURM_JOB_ID=", "SLURM_ARRAY_JOB_ID=", "SLURM_ARRAY_TASK_ID=", "SLURM_JOB_NAME=",
                             "SLURM_JOB_PARTITION=", "SLURM_JOB_NODELIST=", "SLURM_NTASKS=", "SLURM_RESTART_COUNT=",
                             "SLURM_CLUSTER_NAME=", "SLURM_JOB_ACCOUNT="})
      if (kv.rfind(name, 0) == 0) slurm += kv + "\n";
  }
  comm.broadcast(slurm);
  root.set_attribute("slurm_environment", slurm);
}

std::string version_text() {
  return fmt::format(
      "structura {} (git {}, {} build)\n  compiler {}\n  MPI {}\n  HDF5 {}\n  PETSc {}\n  Kokkos {} ({})\n  "
      "libtorch {}\n  fmt {}, toml++ {}",
      build::version, build::git_commit, build::build_type, build::compiler, mpi::library_version(),
      build::hdf5_version, build::petsc_version, build::kokkos_version, ExecSpace::name(), build::torch_version,
      build::fmt_version, build::tomlplusplus_version);
}

}  // namespace structura::pipeline
