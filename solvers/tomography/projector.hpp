// The ray-driven Joseph projector A (2D ray transform) and its exact adjoint
// Aᵀ, as Kokkos kernels in float or double, for the geometries and the
// image/sinogram conventions of geometry.hpp.
//
// Joseph's method: each ray (one per angle and detector) is stepped one pixel
// row at a time if it is closer to vertical (|d_y| >= |d_x|), else one column
// at a time; at each step the image is interpolated linearly between the two
// nearest pixel centres in the other direction and weighted by the length of
// ray per step (dy / |d_y|, resp. dx / |d_x|). Pixels outside the image are
// zero. Aᵀ applies the transposed weights (ray-driven scatter), so
// <A x, y> = <x, Aᵀ y> holds to rounding.
//
// Distribution: the angles are block-partitioned over the ranks
// (core/partition.hpp), every rank holds the whole image and the sinogram
// rows of its own angles. A is then local; Aᵀ is a local partial
// backprojection summed over the ranks (MPI_Allreduce).
#pragma once

#include <Kokkos_Core.hpp>

#include <memory>
#include <vector>

#include "core/kokkos.hpp"
#include "core/mpi.hpp"
#include "core/partition.hpp"
#include "tomography/geometry.hpp"
#include "tomography/poll.hpp"

namespace structura::tomography {

namespace detail {
template <class T>
struct BandPlan;
}

// (ny rows, nx columns), row 0 at the top (geometry.hpp).
template <class T, class Space = MemSpace>
using Image = Kokkos::View<T**, Kokkos::LayoutRight, Space>;
// (angles, detectors); a rank's slice holds only its own angles.
template <class T, class Space = MemSpace>
using Sinogram = Kokkos::View<T**, Kokkos::LayoutRight, Space>;

// The projector for a contiguous range of the beam's angles, on this process
// only (no communication). T is float or double: images, sinograms and all
// accumulations are in T; the per-ray set-up is in double.
template <class T>
class Projector {
public:
  // Validates both geometries (InputError naming "image.nx", "beam.angles",
  // ...) and that `angles` lies within beam.angles.
  Projector(const ImageGeometry& image, const BeamGeometry& beam, Range angles);
  // All of the beam's angles.
  Projector(const ImageGeometry& image, const BeamGeometry& beam);

  const ImageGeometry& image_geometry() const { return image_; }
  const BeamGeometry& beam_geometry() const { return beam_; }
  Range angles() const { return angles_; }

  // sinogram(a, u) = (A image)(angles.begin + a, u); `sinogram` is
  // (angles.count, detectors) and overwritten. Throws InputError on a shape
  // mismatch.
  void forward(const Image<const T>& image, const Sinogram<T>& sinogram) const;
  // The same product by the portable Kokkos kernel (one work item per ray),
  // which forward() uses on devices and on CPUs without AVX-512; forward()
  // on AVX-512 CPUs agrees with it to rounding. Public for the tests that
  // compare the two.
  void forward_portable(const Image<const T>& image, const Sinogram<T>& sinogram) const;
  // image = Aᵀ sinogram restricted to this projector's angles (overwritten).
  void adjoint(const Sinogram<const T>& sinogram, const Image<T>& image) const;
  // The same by the portable Kokkos kernel (atomic ray-driven scatter), as
  // forward_portable() is to forward().
  void adjoint_portable(const Sinogram<const T>& sinogram, const Image<T>& image) const;

  // Views of the right shapes, zero-initialised.
  Image<T> make_image() const;
  Sinogram<T> make_sinogram() const;

private:
  // The AVX-512 products (forward_band.hpp, adjoint_band.hpp) and their
  // rays, set up once (band_plan.hpp); null where they are not used.
  void forward_band(const Image<const T>& image, const Sinogram<T>& sinogram) const;
  void adjoint_band(const Sinogram<const T>& sinogram, const Image<T>& image) const;

  ImageGeometry image_;
  BeamGeometry beam_;
  Range angles_;
  Kokkos::View<double* [2], Kokkos::LayoutRight, MemSpace> trig_;  // cos, sin per local angle
  std::shared_ptr<const detail::BandPlan<T>> band_plan_;
};

// A over the ranks of `comm`: rank r owns the angles comm.block(n_angles).
// forward is local; adjoint and gather are collective, and check their
// arguments together: a shape refused on one rank is an InputError on every
// rank (with that rank's message), never a rank left waiting.
template <class T>
class DistributedProjector {
public:
  DistributedProjector(const ImageGeometry& image, const BeamGeometry& beam, mpi::Comm comm = {});

  const Projector<T>& local() const { return local_; }
  const mpi::Comm& comm() const { return comm_; }
  Range angles() const { return local_.angles(); }  // this rank's

  // This rank's sinogram rows (angles().count, detectors); no communication.
  void forward(const Image<const T>& image, const Sinogram<T>& sinogram_slice) const {
    local_.forward(image, sinogram_slice);
  }
  // Collective: image = Aᵀ y summed over all ranks' slices, on every rank.
  void adjoint(const Sinogram<const T>& sinogram_slice, const Image<T>& image) const;
  // Collective: the full (n_angles, detectors) sinogram on every rank.
  Sinogram<T> gather(const Sinogram<const T>& sinogram_slice) const;

  Image<T> make_image() const { return local_.make_image(); }
  Sinogram<T> make_sinogram_slice() const { return local_.make_sinogram(); }

private:
  Projector<T> local_;
  mpi::Comm comm_;
};

struct PowerIteration {
  int max_iterations = 200;
  double tolerance = 1e-6;  // stop when the estimate changes by less (relative)
  IterationPoll poll{};     // after every iteration (poll.hpp)
};

// ‖A‖₂ (largest singular value) by power iteration on AᵀA from the all-ones
// image, estimated by the Rayleigh quotient ‖A x‖ for unit x. Collective;
// deterministic; the same value on every rank. A lower bound that converges
// from below; accuracy is limited by T's precision.
template <class T>
double operator_norm(const DistributedProjector<T>& A, const PowerIteration& options = {});

extern template class Projector<float>;
extern template class Projector<double>;
extern template class DistributedProjector<float>;
extern template class DistributedProjector<double>;
extern template double operator_norm(const DistributedProjector<float>&, const PowerIteration&);
extern template double operator_norm(const DistributedProjector<double>&, const PowerIteration&);

}  // namespace structura::tomography
