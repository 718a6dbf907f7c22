// doctest main shared by every C++ test: initialises MPI and Kokkos around
// the test run. Under mpiexec each rank runs every test case; a test that
// communicates must be entered by all ranks (doctest runs cases in a fixed
// order, so they are). Only rank 0 reports, unless a rank fails.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <mpi.h>

#include "core/kokkos.hpp"
#include "core/mpi.hpp"

int main(int argc, char** argv) {
  structura::mpi::Environment mpi(argc, argv);
  structura::KokkosRuntime kokkos(argc, argv);
  doctest::Context context(argc, argv);
  const int rank = structura::mpi::Comm().rank();
  if (rank != 0) context.setOption("minimal", true);
  int failed = context.run();
  if (context.shouldExit()) return failed;
  // Any failing rank fails the test on every rank.
  int any = 0;
  MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return any ? 1 : 0;
}
