// Filtered backprojection (FBP) for the geometries of geometry.hpp, with the
// filters and constants of filters.hpp, distributed over MPI like
// DistributedProjector: rank r holds the sinogram rows of its angles
// comm.block(n_angles), filters and backprojects them, and the partial images
// are summed (MPI_Allreduce), so every rank gets the whole image.
//
//   parallel: image(x, y) = c * sum_theta q_theta(x cos theta + y sin theta)
//   fan:      image(x, y) = c * sum_theta q_theta(s_u(x, y, theta)) / U^2
// with q the filtered (fan: pre-weighted, then filtered) rows, c =
// fbp_scale() and s_u, U as in fan_backprojection_sample(). A fan-beam scan
// of less than 2 pi (fan_scan() in parker.hpp says which angle sets count as
// full, which as short, and rejects the rest) multiplies the pre-weights by
// Parker's weights and uses c = fbp_scale(beam, 2 pi) * R / pi for its range
// R, so that its image has the full scan's scale (parker.hpp). q is
// interpolated linearly between detector centres and is zero outside
// [first centre, last centre], as numpy.interp(left=0, right=0) in
// scikit-image's iradon: for an odd image side N, an odd detector count,
// detector spacing = pixel size and offset 0, the result equals
// iradon(sinogram / spacing, circle=False, output_size=N) to rounding. For
// even N iradon's grid is ours shifted by (-1/2, +1/2) pixel (its rotation
// centre is the centre of pixel N/2, ours the image centre).
//
// The backprojector gathers into pixels, so it writes every pixel once and
// needs no atomics; on a GPU one work item per pixel loops over the rank's
// angles, on a CPU a work item takes a block of image rows and, angle by
// angle, vectorises across the columns of each row (fbp.cpp). It is not the
// adjoint of the Joseph projector (use Projector::adjoint for Aᵀ).
#pragma once

#include <Kokkos_Core.hpp>

#include <memory>
#include <vector>

#include "core/kokkos.hpp"
#include "core/mpi.hpp"
#include "core/partition.hpp"
#include "tomography/filters.hpp"
#include "tomography/geometry.hpp"
#include "tomography/parker.hpp"
#include "tomography/projector.hpp"

namespace structura::tomography {

template <class T>
class Fbp {
public:
  // Validates the geometries (InputError naming "image.nx", "beam.angles",
  // ...). angle_range is the span the angles cover, for fbp_scale(): 0 means
  // the full scan for parallel beam (pi; a range below pi is a limited-angle
  // scan). Fan beam takes its range from the angles (fan_scan(): a full 2 pi
  // turn, or a uniform short scan of at least pi + 2 gamma_max with Parker
  // weights; InputError naming beam.angles otherwise); a non-zero
  // angle_range must then equal that range (InputError naming angle_range).
  Fbp(const ImageGeometry& image, const BeamGeometry& beam, FilterKind filter = FilterKind::Ramp, mpi::Comm comm = {},
      double angle_range = 0.0);
  ~Fbp();
  Fbp(Fbp&&) noexcept;
  Fbp& operator=(Fbp&&) noexcept;

  const ImageGeometry& image_geometry() const { return image_; }
  const BeamGeometry& beam_geometry() const { return beam_; }
  FilterKind filter() const { return filter_kind_; }
  const mpi::Comm& comm() const { return comm_; }
  Range angles() const { return angles_; }         // this rank's rows
  double scale() const { return scale_; }          // c above
  bool short_scan() const { return short_scan_; }  // fan beam with Parker weights

  // Collective. local_rows: this rank's rows (angles().count, detectors),
  // left unchanged; out: (ny, nx), overwritten with the FBP image on every
  // rank. InputError naming "local_rows" or "out" on a shape mismatch, on
  // every rank when one rank's shape is refused.
  // Uses the object's filter buffers: one object must not reconstruct from
  // two threads at once.
  void reconstruct(const Sinogram<const T>& local_rows, const Image<T>& out) const;

  // Collective: the unfiltered, unscaled backprojection
  // out(x, y) = sum_theta rows_theta(s) (fan: times 1/U^2) over all ranks'
  // rows, as reconstruct() applies it to the filtered rows.
  void backproject(const Sinogram<const T>& local_rows, const Image<T>& out) const;

  Image<T> make_image() const;
  Sinogram<T> make_sinogram_slice() const;  // (angles().count, detectors)

private:
  // Backprojects rows already padded to detectors + 1 columns (last 0).
  void backproject_padded(const Kokkos::View<const T**, Kokkos::LayoutRight, MemSpace>& padded,
                          const Image<T>& out) const;

  ImageGeometry image_;
  BeamGeometry beam_;
  FilterKind filter_kind_;
  mpi::Comm comm_;
  Range angles_;
  double scale_;
  bool short_scan_ = false;
  std::vector<double> preweights_;  // fan beam only
  // Fan short scan only: pre-weight times Parker weight of this rank's rows,
  // (angles().count, detectors) row-major.
  std::vector<double> short_weights_;
  // Per local angle, one column per quantity (contiguous over angles, for
  // the kernels' inner loop): parallel (cos, sin) / spacing; fan cos, sin,
  // (-sin, cos) * D_sd / spacing.
  Kokkos::View<T* [4], Kokkos::LayoutLeft, MemSpace> trig_;
  std::unique_ptr<RowFilter<T>> row_filter_;  // FFTW buffers: not shared between objects
};

// One-shot convenience: Fbp<T>(image, beam, filter, comm).reconstruct(...).
template <class T>
void fbp(const ImageGeometry& image, const BeamGeometry& beam, FilterKind filter, const Sinogram<const T>& local_rows,
         const Image<T>& out, mpi::Comm comm = {});

extern template class Fbp<float>;
extern template class Fbp<double>;
extern template void fbp(const ImageGeometry&, const BeamGeometry&, FilterKind, const Sinogram<const float>&,
                         const Image<float>&, mpi::Comm);
extern template void fbp(const ImageGeometry&, const BeamGeometry&, FilterKind, const Sinogram<const double>&,
                         const Image<double>&, mpi::Comm);

}  // namespace structura::tomography
