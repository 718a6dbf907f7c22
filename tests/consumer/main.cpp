// Downstream smoke test of an installed structura: integrates an ensemble of
// harmonic oscillators over one period with Stormer-Verlet and compares with
// the exact solution, which after one period is the initial state. Verlet is
// second order, so the error must be small and shrink by 4 when h halves.
// Exit status 0 only if both hold on every rank.
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <numbers>

#include "core/kokkos.hpp"
#include "core/mpi.hpp"
#include "hamiltonian/ensemble.hpp"
#include "structura/version.hpp"

namespace sh = structura::hamiltonian;

namespace {

// Largest |x(T) - x(0)| over the global ensemble after one period T.
double period_error(const sh::System& system, double period, std::int64_t steps, const structura::mpi::Comm& comm) {
  constexpr std::int64_t trajectories = 1000;
  const structura::Range mine = comm.block(trajectories);
  sh::Ensemble initial(mine.begin, mine.count, sh::dof(system));
  sh::sample_initial_conditions(system, sh::BoxSampling{-1, 1, -2, 2}, 2024, initial);
  sh::Ensemble e = initial.clone();
  sh::advance_fixed(system, sh::Method::StormerVerlet, e, period / static_cast<double>(steps), steps);

  const auto q0 = Kokkos::create_mirror_view_and_copy(structura::HostSpace(), initial.q);
  const auto p0 = Kokkos::create_mirror_view_and_copy(structura::HostSpace(), initial.p);
  const auto q = Kokkos::create_mirror_view_and_copy(structura::HostSpace(), e.q);
  const auto p = Kokkos::create_mirror_view_and_copy(structura::HostSpace(), e.p);
  double error = 0;
  for (std::int64_t i = 0; i < e.size(); ++i) {
    const double d = std::hypot(q(i, 0) - q0(i, 0), p(i, 0) - p0(i, 0));
    error = std::isfinite(d) ? std::max(error, d) : INFINITY;
  }
  return comm.max(error);
}

}  // namespace

int main(int argc, char** argv) {
  structura::mpi::Environment mpi(argc, argv);
  structura::KokkosRuntime kokkos(argc, argv);
  const structura::mpi::Comm comm;
  try {
    sh::HarmonicOscillator oscillator;
    oscillator.stiffness = 4.0;
    oscillator.mass_ = 1.0;
    const double omega = 2.0;
    const double period = 2 * std::numbers::pi / omega;

    const double e1 = period_error(oscillator, period, 1000, comm);
    const double e2 = period_error(oscillator, period, 2000, comm);
    // Leading error of Verlet over one period, relative to |x0| <= sqrt(5):
    // a phase lag of 2 pi (omega h)^2 / 24 plus an O((omega h)^2) amplitude
    // wobble; 1e-4 bounds both with margin for h = T / 1000.
    const bool small = e1 < 1e-4;
    const double order = std::log2(e1 / e2);
    const bool second_order = std::fabs(order - 2.0) < 0.1;
    if (comm.is_root())
      std::printf("structura %s (%s): %d ranks, error %.3e (h = T/1000), %.3e (h = T/2000), observed order %.3f\n",
                  structura::build::version, structura::build::git_commit, comm.size(), e1, e2, order);
    if (!small || !second_order) {
      if (comm.is_root()) std::fprintf(stderr, "FAILED: expected error < 1e-4 and order 2 +- 0.1\n");
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rank %d: %s\n", comm.rank(), e.what());
    // The other ranks may wait in a collective; take them down too.
    if (comm.size() > 1) MPI_Abort(comm.get(), 1);
    return 1;
  }
  return 0;
}
