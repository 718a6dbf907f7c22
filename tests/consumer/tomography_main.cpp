// Downstream test of the installed structura::tomography (PETSc public, FFTW
// linked through the static library): a disc of radius r = 0.5 and
// intensity 1 on a 64^2 grid over [-1, 1]^2, scanned by the distributed
// parallel-beam Joseph projector over the ranks. Checked against facts that
// do not come from structura:
//   1. the centre ray of every angle crosses the disc along a diameter: its
//      line integral is the chord length 2r, to within one pixel dx (the
//      rasterised edge is uncertain by at most half a pixel at each end);
//   2. every angle's integral over the detector is the disc's area pi r^2
//      (to 1 %: rasterisation and detector sampling);
//   3. the adjoint identity <A x, y> = <x, A^T y> for pseudo-random x, y, to
//      1e-12 relative (A^T is a collective sum over the ranks);
//   4. FBP (ramp filter, FFTW) gives ~1 inside the disc and ~0 outside;
//   5. LSQR through PETSc KSP on the noise-free data fits them: the final
//      ||A x - y|| is below 1 % of ||y||.
// Exit status 0 only if every check holds on every rank.
#include <mpi.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <numbers>
#include <vector>

#include "core/kokkos.hpp"
#include "core/mpi.hpp"
#include "structura/version.hpp"
#include "tomography/fbp.hpp"
#include "tomography/iterative_krylov.hpp"
#include "tomography/petsc_operator.hpp"
#include "tomography/phantoms.hpp"
#include "tomography/projector.hpp"

namespace st = structura::tomography;
using structura::HostSpace;

namespace {

// A deterministic value in [-1, 1) from an index (splitmix64): the same on
// every rank and with every compiler.
double pseudo_random(std::uint64_t i) {
  std::uint64_t z = i + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-52 - 1.0;
}

int failures = 0;

void expect(const structura::mpi::Comm& comm, bool ok, const char* what, double value, double bound) {
  if (comm.is_root()) std::printf("  %-58s %.3e (bound %.1e) %s\n", what, value, bound, ok ? "ok" : "FAILED");
  if (!ok) ++failures;
}

}  // namespace

int main(int argc, char** argv) {
  structura::mpi::Environment mpi(argc, argv);
  structura::KokkosRuntime kokkos(argc, argv);
  const structura::mpi::Comm comm;
  try {
    constexpr int n = 64, detectors = 65, angles = 90;  // odd detector count: a detector centre at s = 0
    constexpr double r = 0.5;
    const st::ImageGeometry image{n, n, 2.0, 2.0};
    const double dx = image.dx();
    st::BeamGeometry beam;
    beam.kind = st::BeamKind::Parallel;
    beam.angles = st::uniform_angles(angles, std::numbers::pi);
    beam.detectors = detectors;
    beam.detector_spacing = dx;

    // The disc (unit-square coordinates map to [-1, 1]^2 as they are).
    const std::vector<double> disc = st::rasterise({st::Ellipse{1.0, r, r, 0.0, 0.0, 0.0}}, image, 8);
    st::DistributedProjector<double> A(image, beam, comm);
    st::Image<double> x = A.make_image();
    {
      auto h = Kokkos::create_mirror_view(x);
      for (int i = 0; i < n * n; ++i) h.data()[i] = disc[static_cast<std::size_t>(i)];
      Kokkos::deep_copy(x, h);
    }
    st::Sinogram<double> y = A.make_sinogram_slice();
    A.forward(x, y);
    const auto sino = Kokkos::create_mirror_view_and_copy(HostSpace(), A.gather(y));  // (angles, detectors)

    if (comm.is_root())
      std::printf("consumer_tomography: structura %s, %d ranks, disc r = %g on %d^2, %d angles x %d detectors\n",
                  structura::build::version, comm.size(), r, n, angles, detectors);
    double chord = 0, area = 0;
    for (int a = 0; a < angles; ++a) {
      chord = std::fmax(chord, std::fabs(sino(a, detectors / 2) - 2 * r));
      double s = 0;
      for (int u = 0; u < detectors; ++u) s += sino(a, u);
      area = std::fmax(area, std::fabs(s * dx / (std::numbers::pi * r * r) - 1));
    }
    expect(comm, chord <= dx, "1. centre ray vs chord 2r, max |error| over angles", chord, dx);
    expect(comm, area <= 0.01, "2. detector integral vs pi r^2, max relative error", area, 0.01);

    // 3. Adjoint identity with pseudo-random x and y (y keyed by the global row).
    st::Image<double> xr = A.make_image(), aty = A.make_image();
    st::Sinogram<double> yr = A.make_sinogram_slice(), axr = A.make_sinogram_slice();
    auto hx = Kokkos::create_mirror_view(xr);
    auto hy = Kokkos::create_mirror_view(yr);
    for (int i = 0; i < n * n; ++i) hx.data()[i] = pseudo_random(static_cast<std::uint64_t>(i));
    const structura::Range mine = A.angles();
    for (std::int64_t a = 0; a < mine.count; ++a)
      for (int u = 0; u < detectors; ++u)
        hy(a, u) = pseudo_random(1000000 + static_cast<std::uint64_t>((mine.begin + a) * detectors + u));
    Kokkos::deep_copy(xr, hx);
    Kokkos::deep_copy(yr, hy);
    A.forward(xr, axr);
    A.adjoint(yr, aty);
    const auto h_axr = Kokkos::create_mirror_view_and_copy(HostSpace(), axr);
    const auto h_aty = Kokkos::create_mirror_view_and_copy(HostSpace(), aty);
    double local = 0, scale = 0;
    for (std::int64_t a = 0; a < mine.count; ++a)
      for (int u = 0; u < detectors; ++u) {
        local += h_axr(a, u) * hy(a, u);
        scale += std::fabs(h_axr(a, u) * hy(a, u));
      }
    const double lhs = comm.sum(local), magnitude = comm.sum(scale);
    double rhs = 0;  // the whole image on every rank: no sum over ranks
    for (int i = 0; i < n * n; ++i) rhs += hx.data()[i] * h_aty.data()[i];
    const double adjoint = std::fabs(lhs - rhs) / magnitude;
    expect(comm, adjoint <= 1e-12, "3. |<Ax, y> - <x, A^T y>| / sum |Ax . y|", adjoint, 1e-12);

    // 4. FBP (FFTW): interior ~1, exterior ~0, away from the edge by 3 pixels.
    st::Fbp<double> fbp(image, beam, st::FilterKind::Ramp, comm);
    st::Image<double> rec = A.make_image();
    fbp.reconstruct(y, rec);
    const auto h_rec = Kokkos::create_mirror_view_and_copy(HostSpace(), rec);
    double inside = 0, outside = 0;
    long n_in = 0, n_out = 0;
    for (int row = 0; row < n; ++row)
      for (int col = 0; col < n; ++col) {
        const double px = -1 + (col + 0.5) * dx, py = 1 - (row + 0.5) * dx, rho = std::hypot(px, py);
        if (rho < r - 3 * dx) inside += std::fabs(h_rec(row, col) - 1), ++n_in;
        if (rho > r + 3 * dx && rho < 1) outside += std::fabs(h_rec(row, col)), ++n_out;
      }
    inside /= double(n_in);
    outside /= double(n_out);
    expect(comm, inside <= 0.02, "4. FBP: mean |x - 1| inside the disc", inside, 0.02);
    expect(comm, outside <= 0.02, "   FBP: mean |x| outside the disc", outside, 0.02);

    // 5. LSQR through PETSc KSP on the consistent data.
    {
      structura::petsc::PetscSession petsc;
      st::Image<double> xl = A.make_image();
      const st::IterationHistory h = st::lsqr(A, y, xl, {.max_iterations = 50});
      const double y_norm = h.residual_norms.at(0);  // from x = 0
      const double fit = h.final_residual_norm / y_norm;
      expect(comm, fit <= 0.01 && h.iterations >= 1, "5. LSQR (PETSc): ||A x - y|| / ||y|| after <= 50 iterations",
             fit, 0.01);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rank %d: %s\n", comm.rank(), e.what());
    if (comm.size() > 1) MPI_Abort(comm.get(), 1);  // the others may wait in a collective
    return 1;
  }
  const bool ok = comm.max(static_cast<std::int64_t>(failures)) == 0;
  if (comm.is_root()) std::printf("consumer_tomography: %s\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
