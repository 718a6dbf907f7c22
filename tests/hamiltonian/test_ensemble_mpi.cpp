// Decomposition independence: the ensemble drawn and integrated in slices
// over the ranks equals, bit for bit, the whole ensemble done on one rank.
// Also: energy-shell samples lie on the shell, box samples in the box.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "core/mpi.hpp"
#include "hamiltonian/ensemble.hpp"

using namespace structura;
using namespace structura::hamiltonian;

namespace {

std::vector<double> flatten(const Ensemble& e) {
  auto q = Kokkos::create_mirror_view_and_copy(HostSpace(), e.q);
  auto p = Kokkos::create_mirror_view_and_copy(HostSpace(), e.p);
  std::vector<double> out;
  for (std::int64_t i = 0; i < e.size(); ++i) {
    for (int d = 0; d < e.dof(); ++d) out.push_back(q(i, d));
    for (int d = 0; d < e.dof(); ++d) out.push_back(p(i, d));
  }
  return out;
}

// Gathers every rank's flattened slice on rank 0, in rank order.
std::vector<double> gather(const mpi::Comm& comm, const std::vector<double>& local) {
  int n = static_cast<int>(local.size());
  std::vector<int> counts(comm.size()), displs(comm.size());
  MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm.get());
  int total = 0;
  for (int r = 0; r < comm.size(); ++r) {
    displs[r] = total;
    total += counts[r];
  }
  std::vector<double> all(comm.is_root() ? total : 0);
  MPI_Gatherv(local.data(), n, MPI_DOUBLE, all.data(), counts.data(), displs.data(), MPI_DOUBLE, 0, comm.get());
  return all;
}

void check_decomposition(const System& sys, const Sampling& sampling, Method m) {
  mpi::Comm comm;
  const std::int64_t N = 1001;
  const Range mine = comm.block(N);
  Ensemble slice(mine.begin, mine.count, dof(sys));
  sample_initial_conditions(sys, sampling, 31337, slice);
  const auto initial = gather(comm, flatten(slice));
  advance_fixed(sys, m, slice, 0.01, 500);
  const auto final_state = gather(comm, flatten(slice));
  if (comm.is_root()) {
    Ensemble whole(0, N, dof(sys));
    sample_initial_conditions(sys, sampling, 31337, whole);
    CHECK(flatten(whole) == initial);
    advance_fixed(sys, m, whole, 0.01, 500);
    CHECK(flatten(whole) == final_state);
  }
}

}  // namespace

TEST_CASE("ensembles do not depend on the number of ranks") {
  check_decomposition(HenonHeiles{}, ShellSampling{0.1, -0.6, 0.6, 100000}, Method::StormerVerlet);
  check_decomposition(Kepler{}, ShellSampling{-0.5, 0.5, 1.4, 100000}, Method::TripleJump4);
  FermiPastaUlam chain;
  chain.length = 16;
  check_decomposition(chain, BoxSampling{-0.5, 0.5, -0.5, 0.5}, Method::RK4);
}

TEST_CASE("shell samples lie on the energy shell, box samples in the box") {
  const std::int64_t N = 2000;
  SUBCASE("Henon-Heiles shell") {
    Ensemble e(0, N, 2);
    sample_initial_conditions(HenonHeiles{}, ShellSampling{0.125, -0.6, 0.6, 100000}, 5, e);
    Kokkos::View<double*, MemSpace> h("h", N);
    energies(HenonHeiles{}, e, h);
    auto hh = Kokkos::create_mirror_view_and_copy(HostSpace(), h);
    double worst = 0;
    for (int i = 0; i < N; ++i) worst = std::max(worst, std::fabs(hh(i) - 0.125));
    CHECK(worst < 1e-14);
  }
  SUBCASE("FPUT box") {
    FermiPastaUlam chain;
    chain.length = 8;
    Ensemble e(0, N, 8);
    sample_initial_conditions(chain, BoxSampling{-0.3, 0.2, 0.1, 0.4}, 5, e);
    auto q = Kokkos::create_mirror_view_and_copy(HostSpace(), e.q);
    auto p = Kokkos::create_mirror_view_and_copy(HostSpace(), e.p);
    bool inside = true;
    double qmean = 0;
    for (int i = 0; i < N; ++i)
      for (int d = 0; d < 8; ++d) {
        inside = inside && q(i, d) > -0.3 && q(i, d) < 0.2 && p(i, d) > 0.1 && p(i, d) < 0.4;
        qmean += q(i, d);
      }
    CHECK(inside);
    // Uniform on [-0.3, 0.2]: mean -0.05, standard error 0.5/sqrt(12 * 16000).
    CHECK(std::fabs(qmean / (N * 8) + 0.05) < 5 * 0.5 / std::sqrt(12.0 * N * 8));
  }
  SUBCASE("an empty shell is a clear input error") {
    Ensemble e(0, 4, 2);
    CHECK_THROWS_AS(sample_initial_conditions(HenonHeiles{}, ShellSampling{-5.0, -0.1, 0.1, 1000}, 5, e), InputError);
  }
}

namespace {

// advance_fixed(n) against the same n steps split over several calls. The
// kernel fuses steps per pass over a tile of trajectories (two for Verlet on
// some systems, the rest one at a time), so the splits below run the fused
// and the single-step code paths in different orders; a lane's arithmetic
// must not depend on that: the pipeline advances in chunks of
// integration.output_every steps, the benchmark one step at a time.
void check_split_run(const System& sys, const Sampling& sampling, Method m) {
  CAPTURE(system_name(sys));
  CAPTURE(info(m).name);
  Ensemble whole(0, 203, dof(sys));  // 3 tiles of 64 and a partial one
  sample_initial_conditions(sys, sampling, 4242, whole);
  Ensemble split = whole.clone();
  advance_fixed(sys, m, whole, 0.01, 9);
  for (std::int64_t steps : {1, 3, 2, 3}) advance_fixed(sys, m, split, 0.01, steps);
  CHECK(flatten(split) == flatten(whole));
}

}  // namespace

TEST_CASE("a run split over several calls equals one call, bit for bit") {
  const BoxSampling box{-0.3, 0.3, -0.3, 0.3};
  FermiPastaUlam chain;
  chain.length = 12;
  for (Method m : {Method::SymplecticEuler, Method::StormerVerlet, Method::TripleJump4, Method::RK4}) {
    check_split_run(HarmonicOscillator{}, box, m);
    check_split_run(Pendulum{}, box, m);
    check_split_run(HenonHeiles{}, ShellSampling{0.1, -0.6, 0.6, 100000}, m);
    check_split_run(Kepler{}, ShellSampling{-0.5, 0.5, 1.4, 100000}, m);
    check_split_run(chain, box, m);
  }
  check_split_run(DampedOscillator{}, box, Method::RK4);
  check_split_run(DampedOscillator{}, box, Method::ImplicitMidpoint);
}
