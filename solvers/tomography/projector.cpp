#include "tomography/projector.hpp"

#include <fmt/format.h>
#include <mpi.h>

#include <climits>
#include <cmath>
#include <string>
#include <type_traits>

#include "core/error.hpp"

namespace structura::tomography {

// Kernels are functors rather than lambdas, as elsewhere in structura (CUDA
// restricts device lambdas in templated and generic contexts).

namespace {

// Everything a kernel needs to set up any ray; plain data, copied to devices.
struct RayGeometry {
  int nx, ny, detectors;
  double dx, dy, half_width, half_height;
  double spacing, offset;
  bool fan;
  double source_origin, origin_detector;
};

RayGeometry ray_geometry(const ImageGeometry& im, const BeamGeometry& beam) {
  return {im.nx,
          im.ny,
          beam.detectors,
          im.dx(),
          im.dy(),
          0.5 * im.width,
          0.5 * im.height,
          beam.detector_spacing,
          beam.detector_offset,
          beam.kind == BeamKind::Fan,
          beam.source_origin,
          beam.origin_detector};
}

// One ray in Joseph form: step k = first..last runs over the pixel rows
// (rows == true) or columns; at step k the ray is at fractional pixel index
// a + b k in the other direction (pixel centres at integers), and `length`
// is the ray length per step. Steps inner_first..inner_last lie well inside
// the image (both interpolation neighbours exist), so the kernels skip the
// bounds checks there.
template <class T>
struct Ray {
  bool rows;
  T a, b, length;
  int first, last;
  int inner_first, inner_last;
};

// The set-up is in double whatever T is, so that float and double
// projectors step along the same rays. Forward and adjoint kernels both call
// this, hence use identical weights.
template <class T>
KOKKOS_INLINE_FUNCTION Ray<T> make_ray(const RayGeometry& g, double c, double s, int u) {
  const double su = (u - 0.5 * (g.detectors - 1)) * g.spacing + g.offset;
  // The ray is the line {p : n . p = q} with unit normal n.
  double n0 = c, n1 = s, q = su;
  if (g.fan) {
    const double sx = g.source_origin * c, sy = g.source_origin * s;
    const double px = -g.origin_detector * c - su * s, py = -g.origin_detector * s + su * c;
    const double ex = px - sx, ey = py - sy;
    const double norm = std::sqrt(ex * ex + ey * ey);
    n0 = ey / norm;
    n1 = -ex / norm;
    q = n0 * sx + n1 * sy;
  }
  // Direction (-n1, n0): closer to vertical when |n0| >= |n1|.
  const bool rows = std::fabs(n0) >= std::fabs(n1);
  double a, b, length;
  int steps, across;
  if (rows) {
    // Row r at y = h/2 - (r + 1/2) dy; x = (q - n1 y) / n0; column index
    // x -> (x + w/2) / dx - 1/2.
    a = (q - n1 * (g.half_height - 0.5 * g.dy)) / (n0 * g.dx) + g.half_width / g.dx - 0.5;
    b = n1 * g.dy / (n0 * g.dx);
    length = g.dy / std::fabs(n0);
    steps = g.ny;
    across = g.nx;
  } else {
    // Column c at x = -w/2 + (c + 1/2) dx; y = (q - n0 x) / n1; row index
    // y -> (h/2 - y) / dy - 1/2.
    a = g.half_height / g.dy - 0.5 + (n0 * (0.5 * g.dx - g.half_width) - q) / (n1 * g.dy);
    b = n0 * g.dx / (n1 * g.dy);
    length = g.dx / std::fabs(n1);
    steps = g.nx;
    across = g.ny;
  }
  // Only steps with a + b k in (-1, across) touch the image. The bounds are
  // widened by one step so that rounding in T cannot drop a contribution;
  // the kernels check every index anyway.
  double lo = 0, hi = steps - 1;
  if (b == 0) {
    if (!(a > -1 && a < across)) hi = -1;
  } else {
    const double t1 = (-1 - a) / b, t2 = (across - a) / b;
    const double tmin = t1 < t2 ? t1 : t2, tmax = t1 < t2 ? t2 : t1;
    if (tmin - 1 > lo) lo = std::floor(tmin) - 1;
    if (tmax + 1 < hi) hi = std::ceil(tmax) + 1;
  }
  // Interior: a + b k in [1/2, across - 3/2] in exact arithmetic; the half
  // pixel margin dwarfs T's rounding of a + b k, so floor() there gives an
  // index i with 0 <= i and i + 1 < across.
  double in_lo = lo, in_hi = hi;
  if (b == 0) {
    if (!(a >= 0.5 && a <= across - 1.5)) in_hi = in_lo - 1;
  } else {
    const double t1 = (0.5 - a) / b, t2 = (across - 1.5 - a) / b;
    const double tmin = t1 < t2 ? t1 : t2, tmax = t1 < t2 ? t2 : t1;
    if (tmin > in_lo) in_lo = std::ceil(tmin);
    if (tmax < in_hi) in_hi = std::floor(tmax);
  }
  Ray<T> ray;
  ray.rows = rows;
  ray.a = static_cast<T>(a);
  ray.b = static_cast<T>(b);
  ray.length = static_cast<T>(length);
  ray.first = lo > hi ? 0 : static_cast<int>(lo);
  ray.last = lo > hi ? -1 : static_cast<int>(hi);
  const bool inner = lo <= hi && in_lo <= in_hi;
  ray.inner_first = inner ? static_cast<int>(in_lo) : ray.last + 1;
  ray.inner_last = inner ? static_cast<int>(in_hi) : ray.last;
  return ray;
}

// Visits the (row, column, interpolation weight) of every pixel the ray
// touches; the matrix entry is ray.length * weight. Forward and adjoint both
// walk with this, so their weights agree bit for bit.
// One step k of a ray: its two interpolation neighbours, as visit(row,
// column, weight, slot). Slot = 2 * Lane + neighbour lets a gather keep
// independent partial sums, so that consecutive steps do not wait on one
// another's additions (the forward kernel is otherwise latency-bound).
template <int Lane, class T, class Visit>
KOKKOS_INLINE_FUNCTION void visit_step(const Ray<T>& ray, int k, int across, bool checked, Visit& visit) {
  const T f = ray.a + ray.b * static_cast<T>(k);
  const T fl = std::floor(f);
  const int i = static_cast<int>(fl);
  const T w = f - fl;
  if (!checked || (i >= 0 && i < across)) {
    if (ray.rows) visit(k, i, T(1) - w, 2 * Lane);
    else visit(i, k, T(1) - w, 2 * Lane);
  }
  if (!checked || (i + 1 >= 0 && i + 1 < across)) {
    if (ray.rows) visit(k, i + 1, w, 2 * Lane + 1);
    else visit(i + 1, k, w, 2 * Lane + 1);
  }
}

// Visits the (row, column, interpolation weight) of every pixel the ray
// touches; the matrix entry is ray.length * weight. Forward and adjoint both
// walk with this, so their weights agree bit for bit.
template <class T, class Visit>
KOKKOS_INLINE_FUNCTION void walk(const Ray<T>& ray, int nx, int ny, Visit& visit) {
  const int across = ray.rows ? nx : ny;
  for (int k = ray.first; k < ray.inner_first; ++k) visit_step<0>(ray, k, across, true, visit);
  int k = ray.inner_first;
  for (; k < ray.inner_last; k += 2) {  // two steps at a time: two independent lanes
    visit_step<0>(ray, k, across, false, visit);
    visit_step<1>(ray, k + 1, across, false, visit);
  }
  if (k == ray.inner_last) visit_step<0>(ray, k, across, false, visit);
  for (k = ray.inner_last + 1; k <= ray.last; ++k) visit_step<0>(ray, k, across, true, visit);
}

using Trig = Kokkos::View<const double* [2], Kokkos::LayoutRight, MemSpace>;

template <class T>
struct GatherPixels {
  const Image<const T>& image;
  T sum[4];
  KOKKOS_INLINE_FUNCTION void operator()(int r, int c, T w, int slot) { sum[slot] += w * image(r, c); }
  KOKKOS_INLINE_FUNCTION T total() const { return (sum[0] + sum[1]) + (sum[2] + sum[3]); }
};

// One work item per ray (angle, detector); detectors vary fastest so that
// neighbouring work items read neighbouring pixels.
template <class T>
struct ForwardKernel {
  RayGeometry g;
  Trig trig;
  Image<const T> image;
  Sinogram<T> sinogram;

  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t i) const {
    const int a = static_cast<int>(i / g.detectors), u = static_cast<int>(i % g.detectors);
    const Ray<T> ray = make_ray<T>(g, trig(a, 0), trig(a, 1), u);
    GatherPixels<T> gather{image, {T(0), T(0), T(0), T(0)}};
    walk(ray, g.nx, g.ny, gather);
    sinogram(a, u) = ray.length * gather.total();
  }
};

#ifdef KOKKOS_ENABLE_SERIAL
constexpr bool serial_execution = std::is_same_v<ExecSpace, Kokkos::Serial>;
#else
constexpr bool serial_execution = false;
#endif

template <class T>
struct ScatterPixels {
  const Image<T>& image;
  T value;
  KOKKOS_INLINE_FUNCTION void operator()(int r, int c, T w, int) const {
    // Rays of different work items hit the same pixel: in parallel backends
    // the update must be atomic (float/double atomics are native on current
    // GPUs; on CPUs they cost a locked instruction). The Serial backend runs
    // one work item at a time and needs none.
    if constexpr (serial_execution) image(r, c) += w * value;
    else Kokkos::atomic_add(&image(r, c), w * value);
  }
};

// Aᵀ as the ray-driven scatter of the forward weights: one work item per ray.
template <class T>
struct AdjointKernel {
  RayGeometry g;
  Trig trig;
  Sinogram<const T> sinogram;
  Image<T> image;

  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t i) const {
    const int a = static_cast<int>(i / g.detectors), u = static_cast<int>(i % g.detectors);
    const Ray<T> ray = make_ray<T>(g, trig(a, 0), trig(a, 1), u);
    ScatterPixels<T> scatter{image, ray.length * sinogram(a, u)};
    walk(ray, g.nx, g.ny, scatter);
  }
};

using Policy = Kokkos::RangePolicy<ExecSpace, Kokkos::IndexType<std::int64_t>>;

void require_shape(const char* what, const char* argument, std::size_t rows, std::size_t cols, long want_rows,
                   long want_cols) {
  require(static_cast<long>(rows) == want_rows && static_cast<long>(cols) == want_cols,
          fmt::format("{}: {} is {} x {}, expected {} x {}", what, argument, rows, cols, want_rows, want_cols));
}

template <class T>
MPI_Datatype mpi_type() {
  return std::is_same_v<T, float> ? MPI_FLOAT : MPI_DOUBLE;
}

// Sum of squares of a 2D view, accumulated in double.
template <class T>
struct SumSquares {
  Kokkos::View<const T**, Kokkos::LayoutRight, MemSpace> v;
  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t i, double& acc) const {
    const double x = v.data()[i];
    acc += x * x;
  }
};

template <class T>
double sum_squares(const Kokkos::View<const T**, Kokkos::LayoutRight, MemSpace>& v) {
  double s = 0;
  Kokkos::parallel_reduce("tomography::sum_squares", Policy(0, static_cast<std::int64_t>(v.size())), SumSquares<T>{v},
                          s);
  return s;
}

template <class T>
struct Scale {
  Image<T> v;
  T factor;
  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t i) const { v.data()[i] *= factor; }
};

}  // namespace

template <class T>
Projector<T>::Projector(const ImageGeometry& image, const BeamGeometry& beam, Range angles)
    : image_(image), beam_(beam), angles_(angles) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>);
  image_.validate("image");
  beam_.validate(image_, "beam");
  const auto n = static_cast<std::int64_t>(beam_.angles.size());
  require(
      angles.begin >= 0 && angles.count >= 0 && angles.end() <= n,
      fmt::format("Projector: angle range [{}, {}) is not within the beam's {} angles", angles.begin, angles.end(), n));
  require(angles.count * beam_.detectors < std::int64_t{1} << 40, "Projector: sinogram too large");
  Kokkos::View<double* [2], Kokkos::LayoutRight, MemSpace> trig("tomography::trig", angles.count);
  auto host = Kokkos::create_mirror_view(trig);
  for (std::int64_t a = 0; a < angles.count; ++a) {
    host(a, 0) = std::cos(beam_.angles[angles.begin + a]);
    host(a, 1) = std::sin(beam_.angles[angles.begin + a]);
  }
  Kokkos::deep_copy(trig, host);
  trig_ = trig;
}

template <class T>
Projector<T>::Projector(const ImageGeometry& image, const BeamGeometry& beam)
    : Projector(image, beam, Range{0, static_cast<std::int64_t>(beam.angles.size())}) {}

template <class T>
Image<T> Projector<T>::make_image() const {
  return Image<T>("tomography::image", image_.ny, image_.nx);
}

template <class T>
Sinogram<T> Projector<T>::make_sinogram() const {
  return Sinogram<T>("tomography::sinogram", angles_.count, beam_.detectors);
}

template <class T>
void Projector<T>::forward(const Image<const T>& image, const Sinogram<T>& sinogram) const {
  require_shape("Projector::forward", "image", image.extent(0), image.extent(1), image_.ny, image_.nx);
  require_shape("Projector::forward", "sinogram", sinogram.extent(0), sinogram.extent(1), angles_.count,
                beam_.detectors);
  Kokkos::parallel_for("tomography::forward", Policy(0, angles_.count * beam_.detectors),
                       ForwardKernel<T>{ray_geometry(image_, beam_), trig_, image, sinogram});
}

template <class T>
void Projector<T>::adjoint(const Sinogram<const T>& sinogram, const Image<T>& image) const {
  require_shape("Projector::adjoint", "sinogram", sinogram.extent(0), sinogram.extent(1), angles_.count,
                beam_.detectors);
  require_shape("Projector::adjoint", "image", image.extent(0), image.extent(1), image_.ny, image_.nx);
  Kokkos::deep_copy(image, T(0));
  Kokkos::parallel_for("tomography::adjoint", Policy(0, angles_.count * beam_.detectors),
                       AdjointKernel<T>{ray_geometry(image_, beam_), trig_, sinogram, image});
}

template <class T>
DistributedProjector<T>::DistributedProjector(const ImageGeometry& image, const BeamGeometry& beam, mpi::Comm comm)
    : local_(image, beam, comm.block(static_cast<std::int64_t>(beam.angles.size()))), comm_(comm) {}

template <class T>
void DistributedProjector<T>::adjoint(const Sinogram<const T>& sinogram_slice, const Image<T>& image) const {
  local_.adjoint(sinogram_slice, image);
  if (comm_.size() == 1) return;
  // Through host memory: MPI need not be GPU-aware. On a host backend the
  // mirror is the view itself and no copy is made.
  auto host = Kokkos::create_mirror_view(image);
  Kokkos::deep_copy(host, image);  // also fences the kernel
  require(image.size() <= static_cast<std::size_t>(INT_MAX), "DistributedProjector::adjoint: image too large");
  mpi::check(
      MPI_Allreduce(MPI_IN_PLACE, host.data(), static_cast<int>(host.size()), mpi_type<T>(), MPI_SUM, comm_.get()),
      "MPI_Allreduce (backprojection)");
  Kokkos::deep_copy(image, host);
}

template <class T>
Sinogram<T> DistributedProjector<T>::gather(const Sinogram<const T>& sinogram_slice) const {
  const BeamGeometry& beam = local_.beam_geometry();
  const auto n = static_cast<std::int64_t>(beam.angles.size());
  require_shape("DistributedProjector::gather", "sinogram_slice", sinogram_slice.extent(0), sinogram_slice.extent(1),
                angles().count, beam.detectors);
  require(n * beam.detectors <= INT_MAX, "DistributedProjector::gather: sinogram too large");
  std::vector<int> counts(comm_.size()), displs(comm_.size());
  for (int r = 0; r < comm_.size(); ++r) {
    const Range range = block_range(n, comm_.size(), r);
    counts[r] = static_cast<int>(range.count * beam.detectors);
    displs[r] = static_cast<int>(range.begin * beam.detectors);
  }
  auto local = Kokkos::create_mirror_view_and_copy(HostSpace{}, sinogram_slice);
  Sinogram<T, HostSpace> full("tomography::sinogram", n, beam.detectors);
  mpi::check(MPI_Allgatherv(local.data(), counts[comm_.rank()], mpi_type<T>(), full.data(), counts.data(),
                            displs.data(), mpi_type<T>(), comm_.get()),
             "MPI_Allgatherv (sinogram)");
  return Kokkos::create_mirror_view_and_copy(MemSpace{}, full);
}

template <class T>
double operator_norm(const DistributedProjector<T>& A, const PowerIteration& options) {
  require(options.max_iterations >= 1,
          fmt::format("operator_norm: max_iterations must be >= 1, got {}", options.max_iterations));
  require(options.tolerance >= 0, fmt::format("operator_norm: tolerance must be >= 0, got {}", options.tolerance));
  Image<T> x = A.make_image();
  Sinogram<T> y = A.make_sinogram_slice();
  Kokkos::deep_copy(x, static_cast<T>(1 / std::sqrt(static_cast<double>(x.size()))));
  double sigma = 0;
  for (int it = 0; it < options.max_iterations; ++it) {
    // With ‖x‖ = 1, ‖A x‖² = xᵀ AᵀA x is the Rayleigh quotient of AᵀA; the
    // sum over ranks is one Allreduce, so every rank sees the same value and
    // takes the same branch.
    A.forward(x, y);
    const double next = std::sqrt(A.comm().sum(sum_squares<T>(y)));
    if (!std::isfinite(next)) throw NumericalError("operator_norm: ‖A x‖ is not finite");
    const bool converged = it > 0 && std::fabs(next - sigma) <= options.tolerance * next;
    sigma = next;
    if (converged || sigma == 0) break;
    A.adjoint(y, x);
    const double norm = std::sqrt(sum_squares<T>(x));
    if (norm == 0) break;
    Kokkos::parallel_for("tomography::scale", Policy(0, static_cast<std::int64_t>(x.size())),
                         Scale<T>{x, static_cast<T>(1 / norm)});
  }
  return sigma;
}

template class Projector<float>;
template class Projector<double>;
template class DistributedProjector<float>;
template class DistributedProjector<double>;
template double operator_norm(const DistributedProjector<float>&, const PowerIteration&);
template double operator_norm(const DistributedProjector<double>&, const PowerIteration&);

}  // namespace structura::tomography
