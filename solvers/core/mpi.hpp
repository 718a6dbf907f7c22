// A thin, non-owning view of an MPI communicator with the few collectives the
// solvers need, each checked. Errors become structura::Error.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/partition.hpp"

namespace structura::mpi {

void check(int rc, const char* what);

class Comm {
public:
  Comm() : comm_(MPI_COMM_WORLD) {}
  explicit Comm(MPI_Comm comm) : comm_(comm) {}

  MPI_Comm get() const { return comm_; }
  int rank() const;
  int size() const;
  bool is_root() const { return rank() == 0; }
  void barrier() const;

  double sum(double local) const;
  double max(double local) const;
  double min(double local) const;
  std::int64_t sum(std::int64_t local) const;
  std::int64_t max(std::int64_t local) const;
  std::int64_t min(std::int64_t local) const;
  // Agreement on errors found independently by ranks: returns the message of
  // the lowest rank whose `local` is not empty, on every rank ("" if none).
  std::string first_error(const std::string& local) const;
  bool any(bool local) const;
  // Element-wise in-place sum over all ranks.
  void sum_in_place(std::vector<double>& values) const;
  void broadcast(std::string& text, int root = 0) const;
  void broadcast(double& value, int root = 0) const;
  void broadcast(std::int64_t& value, int root = 0) const;
  // Host names of all ranks, gathered on every rank (deduplicated, sorted).
  std::vector<std::string> host_names() const;

  Range block(std::int64_t n) const { return block_range(n, size(), rank()); }

private:
  MPI_Comm comm_;
};

// RAII MPI_Init_thread/MPI_Finalize for executables; does nothing if MPI is
// already initialised by someone else.
class Environment {
public:
  Environment(int& argc, char**& argv);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

private:
  bool owns_ = false;
};

// MPI library version string (MPI_Get_library_version), first line only.
std::string library_version();

}  // namespace structura::mpi
