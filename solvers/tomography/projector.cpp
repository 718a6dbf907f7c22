#include "tomography/projector.hpp"

#include <fmt/format.h>
#include <mpi.h>

#include <climits>
#include <cmath>
#include <string>
#include <type_traits>

#include "core/collective_require.hpp"
#include "core/error.hpp"
#include "tomography/adjoint_band.hpp"
#include "tomography/forward_band.hpp"
#include "tomography/ray.hpp"

namespace structura::tomography {

// Kernels are functors rather than lambdas, as elsewhere in structura (CUDA
// restricts device lambdas in templated and generic contexts).

namespace {

using detail::make_ray;
using detail::Ray;
using detail::ray_geometry;
using detail::RayGeometry;

using Trig = Kokkos::View<const double* [2], Kokkos::LayoutRight, MemSpace>;

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
    sinogram(a, u) = detail::project_ray(ray, image.data(), static_cast<std::int64_t>(image.stride(0)), g.nx, g.ny);
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
    detail::walk(ray, g.nx, g.ny, scatter);
  }
};

using Policy = Kokkos::RangePolicy<ExecSpace, Kokkos::IndexType<std::int64_t>>;

#ifdef STRUCTURA_AVX512
// The vectorised CPU forward path (forward_band.hpp) reads host memory
// directly; builds whose views live on a device use the portable kernel.
constexpr bool band_forward = Kokkos::SpaceAccessibility<Kokkos::HostSpace, MemSpace>::accessible;

using HostPolicy = Kokkos::RangePolicy<Kokkos::DefaultHostExecutionSpace, Kokkos::IndexType<std::int64_t>>;

// The vectorised adjoint adds into shared pixels without atomics: only
// where the host backend runs one work item at a time.
#ifdef KOKKOS_ENABLE_SERIAL
constexpr bool band_adjoint = band_forward && std::is_same_v<Kokkos::DefaultHostExecutionSpace, Kokkos::Serial>;
#else
constexpr bool band_adjoint = false;
#endif

// Steps per tile: a tile of `rows` image rows of `across` values stays in
// a core's L2 (1 MiB or more on current x86) with room to spare, so every
// ray passing through it reuses it instead of streaming the whole image
// once per angle.
int tile_steps(long across, std::size_t value_size, int steps) {
  const long bytes = 384 * 1024;
  long rows = bytes / (across * static_cast<long>(value_size));
  rows = rows < 4 ? 4 : rows;
  return rows < steps ? static_cast<int>(rows) : steps;
}

// out = in transposed (Add: out += in transposed), in tiles that stay in L1.
template <class T, bool Add>
void transpose_tiles(const Image<const T>& in, const Image<T>& out) {
  constexpr int tile = 32;
  const int rows = static_cast<int>(in.extent(0)), cols = static_cast<int>(in.extent(1));
  const int tiles_r = (rows + tile - 1) / tile, tiles_c = (cols + tile - 1) / tile;
  Kokkos::parallel_for("tomography::transpose", HostPolicy(0, static_cast<std::int64_t>(tiles_r) * tiles_c),
                       [=](std::int64_t t) {
                         const int r0 = static_cast<int>(t / tiles_c) * tile, c0 = static_cast<int>(t % tiles_c) * tile;
                         const int r1 = r0 + tile < rows ? r0 + tile : rows, c1 = c0 + tile < cols ? c0 + tile : cols;
                         for (int c = c0; c < c1; ++c)
                           for (int r = r0; r < r1; ++r) {
                             if constexpr (Add) out(c, r) += in(r, c);
                             else out(c, r) = in(r, c);
                           }
                       });
}

template <class T>
void transpose(const Image<const T>& in, const Image<T>& out) {
  transpose_tiles<T, false>(in, out);
}

template <class T>
void add_transpose(const Image<const T>& in, const Image<T>& out) {
  transpose_tiles<T, true>(in, out);
}
#endif

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
#ifdef STRUCTURA_AVX512
  if constexpr (band_forward) {
    std::vector<double> cos(static_cast<std::size_t>(angles.count)), sin(cos.size());
    for (std::int64_t a = 0; a < angles.count; ++a) {
      cos[static_cast<std::size_t>(a)] = host(a, 0);
      sin[static_cast<std::size_t>(a)] = host(a, 1);
    }
    band_plan_ =
        std::make_shared<const detail::BandPlan<T>>(detail::make_band_plan<T>(ray_geometry(image_, beam_), cos, sin));
  }
#endif
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
#ifdef STRUCTURA_AVX512
  if constexpr (band_forward) {
    forward_band(image, sinogram);
    return;
  }
#endif
  forward_portable(image, sinogram);
}

template <class T>
void Projector<T>::forward_portable(const Image<const T>& image, const Sinogram<T>& sinogram) const {
  require_shape("Projector::forward_portable", "image", image.extent(0), image.extent(1), image_.ny, image_.nx);
  require_shape("Projector::forward_portable", "sinogram", sinogram.extent(0), sinogram.extent(1), angles_.count,
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
#ifdef STRUCTURA_AVX512
  if constexpr (band_adjoint) {
    adjoint_band(sinogram, image);
    return;
  }
#endif
  adjoint_portable(sinogram, image);
}

template <class T>
void Projector<T>::adjoint_portable(const Sinogram<const T>& sinogram, const Image<T>& image) const {
  require_shape("Projector::adjoint_portable", "sinogram", sinogram.extent(0), sinogram.extent(1), angles_.count,
                beam_.detectors);
  require_shape("Projector::adjoint_portable", "image", image.extent(0), image.extent(1), image_.ny, image_.nx);
  Kokkos::deep_copy(image, T(0));
  Kokkos::parallel_for("tomography::adjoint", Policy(0, angles_.count * beam_.detectors),
                       AdjointKernel<T>{ray_geometry(image_, beam_), trig_, sinogram, image});
}

#ifdef STRUCTURA_AVX512
// The AVX-512 products sweep the image in tiles of steps (tile_steps()):
// first the rays that step over rows, tile by tile of image rows, then
// those that step over columns, tile by tile of the transpose's rows. In a
// tile every block of the plan walks only its steps inside the tile.
// Blocks whose lanes step in different directions walk ray by ray (scalar),
// each ray in the sweep of its own direction.

template <class T>
void Projector<T>::forward_band(const Image<const T>& image, const Sinogram<T>& sinogram) const {
  using L = simd::Lanes<T>;
  const detail::BandPlan<T>& plan = *band_plan_;
  Image<T> transposed(Kokkos::view_alloc("tomography::transposed", Kokkos::WithoutInitializing), image_.nx, image_.ny);
  transpose<T>(image, transposed);
  Kokkos::deep_copy(sinogram, T(0));
  const auto sino_stride = static_cast<std::int64_t>(sinogram.stride(0));
  T* const sino = sinogram.data();
  const std::int64_t image_stride = static_cast<std::int64_t>(image.stride(0));
  for (int direction : {1, 0}) {
    const T* source = direction ? image.data() : transposed.data();
    const std::int64_t stride = direction ? image_stride : static_cast<std::int64_t>(transposed.stride(0));
    const long across = direction ? image_.nx : image_.ny;
    const int steps = direction ? image_.ny : image_.nx;
    const int tile = tile_steps(across, sizeof(T), steps);
    for (int t0 = 0; t0 < steps; t0 += tile) {
      const int t1 = t0 + tile < steps ? t0 + tile - 1 : steps - 1;
      Kokkos::parallel_for("tomography::forward_band", HostPolicy(0, static_cast<std::int64_t>(plan.blocks.size())),
                           [&, t0, t1](std::int64_t b) {
                             const detail::BandBlock<T>& block = plan.blocks[static_cast<std::size_t>(b)];
                             T* out = sino + block.angle * sino_stride + block.u0;
                             if (block.direction == direction) {
                               const int k_lo = block.k_first > t0 ? block.k_first : t0;
                               const int k_hi = block.k_last < t1 ? block.k_last : t1;
                               if (k_lo > k_hi) return;
                               const typename L::R sums = detail::band_sums(block, k_lo, k_hi, source, stride, across);
                               const typename L::M lanes = L::prefix(block.lanes);
                               L::mask_store(out, lanes,
                                             L::fmadd(L::load(block.length), sums, L::maskz_load(lanes, out)));
                             } else if (block.direction < 0) {
                               const detail::Ray<T>* rays = plan.rays.data() + block.rays;
                               for (int j = 0; j < block.lanes; ++j)
                                 if ((rays[j].rows ? 1 : 0) == direction)
                                   out[j] += detail::project_ray(detail::clip_steps(rays[j], t0, t1), image.data(),
                                                                 image_stride, image_.nx, image_.ny);
                             }
                           });
    }
  }
}

template <class T>
void Projector<T>::adjoint_band(const Sinogram<const T>& sinogram, const Image<T>& image) const {
  using L = simd::Lanes<T>;
  const detail::BandPlan<T>& plan = *band_plan_;
  // Rays that step over columns accumulate in the transpose, added back at
  // the end. `image` is zero on entry.
  Image<T> columns("tomography::adjoint_columns", image_.nx, image_.ny);
  // k as T for every step k (band_scatter).
  std::vector<T> step_values(static_cast<std::size_t>(image_.nx > image_.ny ? image_.nx : image_.ny));
  for (std::size_t k = 0; k < step_values.size(); ++k) step_values[k] = static_cast<T>(k);
  const auto sino_stride = static_cast<std::int64_t>(sinogram.stride(0));
  const T* const sino = sinogram.data();
  const std::int64_t image_stride = static_cast<std::int64_t>(image.stride(0));
  for (int direction : {1, 0}) {
    T* destination = direction ? image.data() : columns.data();
    const std::int64_t stride = direction ? image_stride : static_cast<std::int64_t>(columns.stride(0));
    const long across = direction ? image_.nx : image_.ny;
    const int steps = direction ? image_.ny : image_.nx;
    const int tile = tile_steps(across, sizeof(T), steps);
    for (int t0 = 0; t0 < steps; t0 += tile) {
      const int t1 = t0 + tile < steps ? t0 + tile - 1 : steps - 1;
      for (const detail::BandBlock<T>& block : plan.blocks) {
        const T* y = sino + block.angle * sino_stride + block.u0;
        if (block.direction == direction) {
          const int k_lo = block.k_first > t0 ? block.k_first : t0;
          const int k_hi = block.k_last < t1 ? block.k_last : t1;
          if (k_lo > k_hi) continue;
          // v = length y per lane, rounded as the portable kernel's
          // ray.length * sinogram(a, u); lanes past the block are zero.
          const typename L::R v = L::mul(L::load(block.length), L::maskz_load(L::prefix(block.lanes), y));
          detail::band_scatter(block, v, k_lo, k_hi, destination, stride, across, step_values.data());
        } else if (block.direction < 0) {
          const detail::Ray<T>* rays = plan.rays.data() + block.rays;
          for (int j = 0; j < block.lanes; ++j)
            if ((rays[j].rows ? 1 : 0) == direction) {
              detail::ScatterPixelsTo<T> scatter{image.data(), image_stride, rays[j].length * y[j]};
              detail::walk(detail::clip_steps(rays[j], t0, t1), image_.nx, image_.ny, scatter);
            }
        }
      }
    }
  }
  add_transpose<T>(columns, image);
}
#endif

template <class T>
DistributedProjector<T>::DistributedProjector(const ImageGeometry& image, const BeamGeometry& beam, mpi::Comm comm)
    : local_(image, beam, comm.block(static_cast<std::int64_t>(beam.angles.size()))), comm_(comm) {}

template <class T>
void DistributedProjector<T>::adjoint(const Sinogram<const T>& sinogram_slice, const Image<T>& image) const {
  // Checked together: a rank refused alone would leave the others in the
  // reduction below (collective_require.hpp).
  require_on_every_rank(comm_, [&] {
    require_shape("DistributedProjector::adjoint", "sinogram_slice", sinogram_slice.extent(0),
                  sinogram_slice.extent(1), angles().count, local_.beam_geometry().detectors);
    require_shape("DistributedProjector::adjoint", "image", image.extent(0), image.extent(1),
                  local_.image_geometry().ny, local_.image_geometry().nx);
  });
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
  require_on_every_rank(comm_, [&] {
    require_shape("DistributedProjector::gather", "sinogram_slice", sinogram_slice.extent(0),
                  sinogram_slice.extent(1), angles().count, beam.detectors);
  });
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
  require_on_every_rank(A.comm(), [&] {
    require(options.max_iterations >= 1,
            fmt::format("operator_norm: max_iterations must be >= 1, got {}", options.max_iterations));
    require(options.tolerance >= 0, fmt::format("operator_norm: tolerance must be >= 0, got {}", options.tolerance));
  });
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
    if (options.poll) options.poll(it + 1);
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
