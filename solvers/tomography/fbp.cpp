#include "tomography/fbp.hpp"

#include <fmt/format.h>
#include <mpi.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/collective_require.hpp"
#include "core/error.hpp"
#include "tomography/simd_lanes.hpp"

namespace structura::tomography {

namespace {

template <class T>
using Trig = Kokkos::View<const T* [4], Kokkos::LayoutLeft, MemSpace>;
template <class T>
using Padded = Kokkos::View<const T**, Kokkos::LayoutRight, MemSpace>;

// Independent partial sums over the angles: the sum over angles is a
// reduction, which the compiler may not reorder into SIMD lanes on its own
// (no -ffast-math), and a single accumulator would serialise on the add
// latency. With explicit lanes each block of angles is a fixed-width
// independent computation that vectorises (gathers) or at least pipelines.
constexpr int kLanes = 8;

// Row value at fractional detector index t (centres at integers), linear
// between centres, zero outside [0, last] as numpy.interp(left=0, right=0).
// Rows carry one extra zero column, so row[i + 1] is valid for i = last; out
// of range t is clamped to 0 before indexing and masked afterwards, which
// keeps the body branch-free.
template <class T>
KOKKOS_INLINE_FUNCTION T interpolate(const T* row, T t, T last) {
  const bool inside = (t >= T(0)) & (t <= last);  // false for NaN too; `&` keeps it branch-free
  const T tc = inside ? t : T(0);
  const int i = static_cast<int>(tc);  // tc >= 0: truncation is floor
  const T f = tc - static_cast<T>(i);
  const T v = row[i] + f * (row[i + 1] - row[i]);
  return inside ? v : T(0);
}

// interpolate() in a form that GCC vectorises over the columns of the row
// kernels below (it does not if-convert interpolate()'s selects): t clamped
// to [0, last] with max/min (NaN -> 0), masked by a multiplication with
// inside = (clamped == t). The same value for finite rows (times 1 or 0).
template <class T>
inline T interpolate_lanes(const T* row, T t, T last) {
  T tc = t > T(0) ? t : T(0);
  tc = tc < last ? tc : last;
  const T inside = tc == t ? T(1) : T(0);
  const int i = static_cast<int>(tc);  // tc >= 0: truncation is floor
  const T f = tc - static_cast<T>(i);
  return inside * (row[i] + f * (row[i + 1] - row[i]));
}

// What every kernel needs about the grid and the detector; plain data.
template <class T>
struct Grid {
  int nx;
  double x0, dx, y0, dy;  // pixel (r, c) centre: (x0 + c dx, y0 - r dy)
  T t0, last;             // detector index = (s - offset) / spacing + (n - 1) / 2 = ... + t0; valid in [0, last]
  int angles, stride;     // rows of `stride` = detectors + 1 values
};

template <class T>
struct ParallelKernel {
  Grid<T> g;
  Trig<T> trig;
  Padded<T> rows;
  Image<T> out;

  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t i) const {
    const int r = static_cast<int>(i / g.nx), c = static_cast<int>(i % g.nx);
    const T x = static_cast<T>(g.x0 + c * g.dx), y = static_cast<T>(g.y0 - r * g.dy);
    const T* kc = trig.data();  // LayoutLeft: column 0, then column 1
    const T* ks = trig.data() + trig.extent(0);
    const T* data = rows.data();
    T acc[kLanes] = {};
    int a = 0;
    for (; a + kLanes <= g.angles; a += kLanes)
      for (int l = 0; l < kLanes; ++l) {
        const int b = a + l;
        acc[l] += interpolate(data + static_cast<std::int64_t>(b) * g.stride, x * kc[b] + y * ks[b] + g.t0, g.last);
      }
    for (; a < g.angles; ++a)
      acc[0] += interpolate(data + static_cast<std::int64_t>(a) * g.stride, x * kc[a] + y * ks[a] + g.t0, g.last);
    T sum = T(0);
    for (int l = 0; l < kLanes; ++l) sum += acc[l];
    out(r, c) = sum;
  }
};

// Flat-detector fan beam: along = D - (x cos + y sin) is the distance from
// the source along the central ray; the detector index is
// (x (-sin) + y cos) D_sd / (spacing along) + t0 and the weight
// 1/U^2 = (D / along)^2 (fan_backprojection_sample()).
template <class T>
struct FanKernel {
  Grid<T> g;
  T source_origin;
  Trig<T> trig;
  Padded<T> rows;
  Image<T> out;

  KOKKOS_INLINE_FUNCTION T sample(const T* data, int a, T x, T y) const {
    const T along = source_origin - (x * trig(a, 0) + y * trig(a, 1));
    const T inv = T(1) / along;
    const T t = (x * trig(a, 2) + y * trig(a, 3)) * inv + g.t0;
    const T w = source_origin * inv;
    return w * w * interpolate(data + static_cast<std::int64_t>(a) * g.stride, t, g.last);
  }

  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t i) const {
    const int r = static_cast<int>(i / g.nx), c = static_cast<int>(i % g.nx);
    const T x = static_cast<T>(g.x0 + c * g.dx), y = static_cast<T>(g.y0 - r * g.dy);
    const T* data = rows.data();
    T acc[kLanes] = {};
    int a = 0;
    for (; a + kLanes <= g.angles; a += kLanes)
      for (int l = 0; l < kLanes; ++l) acc[l] += sample(data, a + l, x, y);
    for (; a < g.angles; ++a) acc[0] += sample(data, a, x, y);
    T sum = T(0);
    for (int l = 0; l < kLanes; ++l) sum += acc[l];
    out(r, c) = sum;
  }
};

#ifdef STRUCTURA_AVX512
// GCC 12 reports the intrinsics' _mm512_undefined operands as maybe
// uninitialized when they are inlined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// AVX-512 lanes for the row kernels (simd_lanes.hpp). A block of W columns
// of one row and one angle touches a narrow band of detectors (|d index /
// d column| is about spacing ratio x |cos|), so instead of two gathers per
// block the band is loaded as two contiguous vectors and the two samples per
// column picked with permutes; blocks whose band is wider than 2W - 1
// detectors gather.
template <class T>
using Lanes = simd::Lanes<T>;

// out[c] += weight(c) * interpolate(row, t(c), last) for c < nx, where for
// parallel beam t = x[c] k0 + ys + t0 (weight 1) and for fan beam, with
// along = so - (x[c] k0 + ys): t = (x[c] k2 + yc) / along + t0, weight
// (so / along)^2. x has nx rounded up to a multiple of W entries (affine).
template <class T, bool Fan>
void row_pass(const T* x, const T* row, long stride, T* out, int nx, T k0, T ys, T k2, T yc, T so, T t0, T last) {
  using L = Lanes<T>;
  constexpr int W = L::W;
  const typename L::R vk0 = L::set1(k0), vys = L::set1(ys), vt0 = L::set1(t0), vlast = L::set1(last),
                      zero = L::set1(T(0)), vk2 = L::set1(k2), vyc = L::set1(yc), vso = L::set1(so);
  for (int c = 0; c < nx; c += W) {
    const typename L::R xc = L::load(x + c);
    typename L::R t, w;
    if constexpr (!Fan) {
      t = L::add(L::fmadd(xc, vk0, vys), vt0);
    } else {
      const typename L::R inv = L::div(L::set1(T(1)), L::sub(vso, L::fmadd(xc, vk0, vys)));
      t = L::fmadd(L::fmadd(xc, vk2, vyc), inv, vt0);
      w = L::mul(vso, inv);
      w = L::mul(w, w);
    }
    const typename L::R tc = L::min(L::max(t, zero), vlast);  // NaN -> 0, then masked
    const typename L::M inside = L::eq(tc, t) & L::prefix(nx - c);
    if (!inside) continue;
    const typename L::I i = L::trunc(tc);
    const typename L::R f = L::sub(tc, L::to_real(i));
    long lo, hi;
    if constexpr (!Fan) {  // t is monotonic in the column (fma, add, min, max, trunc are)
      lo = L::first(i), hi = L::last(i);
      if (lo > hi) std::swap(lo, hi);
    } else {
      lo = L::reduce_min(i), hi = L::reduce_max(i);
    }
    typename L::R v0, v1;
    if (hi - lo <= 2 * W - 2) {
      const long n = stride - lo;  // values of the row from row[lo]; masked loads stay inside it
      const typename L::R a = L::maskz_load(L::prefix(n), row + lo), b = L::maskz_load(L::prefix(n - W), row + lo + W);
      const typename L::I rel = L::offset(i, -lo);
      v0 = L::permute(a, rel, b);
      v1 = L::permute(a, L::offset(rel, 1), b);
    } else {
      v0 = L::gather(i, row);
      v1 = L::gather(L::offset(i, 1), row);
    }
    typename L::R v = L::fmadd(f, L::sub(v1, v0), v0);
    if constexpr (Fan) v = L::mul(w, v);
    L::mask_store(out + c, inside, L::add(L::load(out + c), v));
  }
}
#endif

// CPU path (host memory only): row-driven. For one image row and one angle
// the detector index is an affine (parallel beam) or rational (fan beam)
// function of the column, whose per-angle and per-row parts are hoisted, so
// the loop over the columns is a plain, branch-free loop that the compiler
// vectorises (two gathers from the filtered row per column, which lies in
// L1/L2: consecutive columns touch a narrow band of it). A work item is a
// block of kRowBlock rows: for each angle, all the block's rows, so the
// filtered row is reused across the block while the block's output rows
// (kRowBlock * nx values) stay in L1. The sum over the angles is in the
// same order as the device kernels' up to the lane split, so the two paths
// agree to rounding.
constexpr int kRowBlock = 4;

template <class T, bool Fan>
struct RowKernel {
  Grid<T> g;
  int ny;
  T source_origin;  // fan only
  const T* trig;    // (angles, 4) LayoutLeft: column q at trig + q * angles
  const T* data;    // (angles, stride)
  T* out;           // (ny, nx), rows ostride apart
  std::int64_t ostride;
  const T* xs;      // nx column centres, rounded to T as in the device kernels

  void operator()(int block) const {
    const int r0 = block * kRowBlock, r1 = r0 + kRowBlock < ny ? r0 + kRowBlock : ny;
    const int nx = g.nx, angles = g.angles;
    const T t0 = g.t0, last = g.last;
    for (int r = r0; r < r1; ++r)
      for (int c = 0; c < nx; ++c) out[r * ostride + c] = T(0);
    const T* __restrict__ x = xs;
    for (int a = 0; a < angles; ++a) {
      const T* __restrict__ row = data + static_cast<std::int64_t>(a) * g.stride;
      const T k0 = trig[a], k1 = trig[angles + a], k2 = trig[2 * angles + a], k3 = trig[3 * angles + a];
      for (int r = r0; r < r1; ++r) {
        const T y = static_cast<T>(g.y0 - r * g.dy);
        T* __restrict__ o = out + r * ostride;
#ifdef STRUCTURA_AVX512
        row_pass<T, Fan>(x, row, g.stride, o, nx, k0, y * k1, k2, y * k3, source_origin, t0, last);
#else
        if constexpr (!Fan) {
          const T ys = y * k1;
#pragma GCC ivdep
          for (int c = 0; c < nx; ++c) o[c] += interpolate_lanes(row, x[c] * k0 + ys + t0, last);
        } else {
          const T ys = y * k1, yc = y * k3, so = source_origin;
#pragma GCC ivdep
          for (int c = 0; c < nx; ++c) {
            const T along = so - (x[c] * k0 + ys);
            const T inv = T(1) / along;
            const T t = (x[c] * k2 + yc) * inv + t0;
            const T w = so * inv;
            o[c] += w * w * interpolate_lanes(row, t, last);
          }
        }
#endif
      }
    }
  }
};

#ifdef STRUCTURA_AVX512
#pragma GCC diagnostic pop
#endif

using Policy = Kokkos::RangePolicy<ExecSpace, Kokkos::IndexType<std::int64_t>>;

template <class T>
MPI_Datatype mpi_type() {
  return std::is_same_v<T, float> ? MPI_FLOAT : MPI_DOUBLE;
}

void require_shape(const char* what, const char* argument, std::size_t rows, std::size_t cols, long want_rows,
                   long want_cols) {
  require(static_cast<long>(rows) == want_rows && static_cast<long>(cols) == want_cols,
          fmt::format("{}: {} is {} x {}, expected {} x {}", what, argument, rows, cols, want_rows, want_cols));
}

double full_range(const BeamGeometry& beam, double angle_range) {
  require(std::isfinite(angle_range) && angle_range >= 0,
          fmt::format("angle_range must be finite and >= 0 (0: the full scan), got {}", angle_range));
  if (angle_range > 0) return angle_range;
  return beam.kind == BeamKind::Parallel ? std::numbers::pi : 2 * std::numbers::pi;
}

}  // namespace

template <class T>
Fbp<T>::Fbp(const ImageGeometry& image, const BeamGeometry& beam, FilterKind filter, mpi::Comm comm, double angle_range)
    : image_(image), beam_(beam), filter_kind_(filter), comm_(comm) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>);
  image_.validate("image");
  beam_.validate(image_, "beam");
  angles_ = comm_.block(static_cast<std::int64_t>(beam_.angles.size()));
  if (beam_.kind == BeamKind::Parallel) {
    scale_ = fbp_scale(beam_, full_range(beam_, angle_range));
  } else {
    full_range(beam_, angle_range);  // the finite, >= 0 check
    const FanScan scan = fan_scan(beam_);
    require(angle_range == 0 || std::abs(angle_range - scan.range) <= 1e-9 * scan.range,
            fmt::format("angle_range {} does not match the {} rad that the fan-beam angles cover ({}); pass 0 to "
                        "take the range from the angles",
                        angle_range, scan.range, scan.full ? "a full turn" : "a short scan"));
    scale_ = fbp_scale(beam_, 2 * std::numbers::pi);
    preweights_ = fan_preweights(beam_);
    if (!scan.full) {
      short_scan_ = true;
      scale_ *= scan.range / std::numbers::pi;  // the weights count each line once (parker.hpp)
      short_weights_ = parker_weights(beam_, scan, angles_);
      const auto d = static_cast<std::size_t>(beam_.detectors);
      for (std::size_t i = 0; i < short_weights_.size(); ++i) short_weights_[i] *= preweights_[i % d];
    }
  }
  // The trigonometry in double, rounded to T once.
  Kokkos::View<T* [4], Kokkos::LayoutLeft, MemSpace> trig("tomography::fbp_trig", angles_.count);
  auto host = Kokkos::create_mirror_view(trig);
  const double tau = beam_.detector_spacing, dsd = beam_.source_origin + beam_.origin_detector;
  for (std::int64_t a = 0; a < angles_.count; ++a) {
    const double c = std::cos(beam_.angles[angles_.begin + a]), s = std::sin(beam_.angles[angles_.begin + a]);
    const bool fan = beam_.kind == BeamKind::Fan;
    host(a, 0) = static_cast<T>(fan ? c : c / tau);
    host(a, 1) = static_cast<T>(fan ? s : s / tau);
    host(a, 2) = static_cast<T>(fan ? -s * dsd / tau : 0.0);
    host(a, 3) = static_cast<T>(fan ? c * dsd / tau : 0.0);
  }
  Kokkos::deep_copy(trig, host);
  trig_ = trig;
  row_filter_ = std::make_unique<RowFilter<T>>(filter, beam_.detectors);
}

template <class T>
Fbp<T>::~Fbp() = default;
template <class T>
Fbp<T>::Fbp(Fbp&&) noexcept = default;
template <class T>
Fbp<T>& Fbp<T>::operator=(Fbp&&) noexcept = default;

template <class T>
Image<T> Fbp<T>::make_image() const {
  return Image<T>("tomography::image", image_.ny, image_.nx);
}

template <class T>
Sinogram<T> Fbp<T>::make_sinogram_slice() const {
  return Sinogram<T>("tomography::sinogram", angles_.count, beam_.detectors);
}

namespace {

// rows (count, n) on the host -> (count, n + 1) in MemSpace, last column 0.
template <class T>
Kokkos::View<T**, Kokkos::LayoutRight, MemSpace> pad(const Kokkos::View<T**, Kokkos::LayoutRight, HostSpace>& rows) {
  const std::size_t count = rows.extent(0), n = rows.extent(1);
  Kokkos::View<T**, Kokkos::LayoutRight, MemSpace> padded("tomography::fbp_rows", count, n + 1);
  auto host = Kokkos::create_mirror_view(padded);  // zero-initialised
  for (std::size_t a = 0; a < count; ++a)
    for (std::size_t u = 0; u < n; ++u) host(a, u) = rows(a, u);
  Kokkos::deep_copy(padded, host);
  return padded;
}

}  // namespace

template <class T>
void Fbp<T>::reconstruct(const Sinogram<const T>& local_rows, const Image<T>& out) const {
  require_on_every_rank(comm_, [&] {
    require_shape("Fbp::reconstruct", "local_rows", local_rows.extent(0), local_rows.extent(1), angles_.count,
                  beam_.detectors);
    require_shape("Fbp::reconstruct", "out", out.extent(0), out.extent(1), image_.ny, image_.nx);
  });
  // A host copy: the input stays unchanged and FFTW runs on the host.
  Kokkos::View<T**, Kokkos::LayoutRight, HostSpace> rows("tomography::fbp_filtered", angles_.count, beam_.detectors);
  Kokkos::deep_copy(rows, local_rows);
  if (short_scan_)
    for (std::int64_t a = 0; a < angles_.count; ++a)
      for (int u = 0; u < beam_.detectors; ++u)
        rows(a, u) *= static_cast<T>(short_weights_[static_cast<std::size_t>(a * beam_.detectors + u)]);
  else if (beam_.kind == BeamKind::Fan)
    for (std::int64_t a = 0; a < angles_.count; ++a)
      for (int u = 0; u < beam_.detectors; ++u) rows(a, u) *= static_cast<T>(preweights_[u]);
  row_filter_->apply(rows.data(), angles_.count, scale_);  // fbp_scale folded into the filter
  backproject_padded(pad(rows), out);
}

template <class T>
void Fbp<T>::backproject(const Sinogram<const T>& local_rows, const Image<T>& out) const {
  require_on_every_rank(comm_, [&] {
    require_shape("Fbp::backproject", "local_rows", local_rows.extent(0), local_rows.extent(1), angles_.count,
                  beam_.detectors);
    require_shape("Fbp::backproject", "out", out.extent(0), out.extent(1), image_.ny, image_.nx);
  });
  Kokkos::View<T**, Kokkos::LayoutRight, HostSpace> rows("tomography::fbp_rows", angles_.count, beam_.detectors);
  Kokkos::deep_copy(rows, local_rows);
  backproject_padded(pad(rows), out);
}

template <class T>
void Fbp<T>::backproject_padded(const Padded<T>& padded, const Image<T>& out) const {
  Grid<T> g;
  g.nx = image_.nx;
  g.dx = image_.dx();
  g.dy = image_.dy();
  g.x0 = -0.5 * image_.width + 0.5 * g.dx;
  g.y0 = 0.5 * image_.height - 0.5 * g.dy;
  g.t0 = static_cast<T>(0.5 * (beam_.detectors - 1) - beam_.detector_offset / beam_.detector_spacing);
  g.last = static_cast<T>(beam_.detectors - 1);
  g.angles = static_cast<int>(angles_.count);
  g.stride = beam_.detectors + 1;
  const Policy policy(0, image_.pixels());
  if constexpr (Kokkos::SpaceAccessibility<Kokkos::DefaultHostExecutionSpace, MemSpace>::accessible) {
    std::vector<T> xs(static_cast<std::size_t>(g.nx + 16));  // padded for the lanes, affine
    for (int c = 0; c < g.nx + 16; ++c) xs[static_cast<std::size_t>(c)] = static_cast<T>(g.x0 + c * g.dx);
    const int blocks = (image_.ny + kRowBlock - 1) / kRowBlock;
    const Kokkos::RangePolicy<Kokkos::DefaultHostExecutionSpace> rows(0, blocks);
    if (beam_.kind == BeamKind::Parallel)
      Kokkos::parallel_for("tomography::fbp_parallel_rows", rows,
                           RowKernel<T, false>{g, image_.ny, T(0), trig_.data(), padded.data(), out.data(), static_cast<std::int64_t>(out.stride(0)), xs.data()});
    else
      Kokkos::parallel_for("tomography::fbp_fan_rows", rows,
                           RowKernel<T, true>{g, image_.ny, static_cast<T>(beam_.source_origin), trig_.data(),
                                              padded.data(), out.data(), static_cast<std::int64_t>(out.stride(0)), xs.data()});
    Kokkos::DefaultHostExecutionSpace().fence();
  } else if (beam_.kind == BeamKind::Parallel)
    Kokkos::parallel_for("tomography::fbp_parallel", policy, ParallelKernel<T>{g, trig_, padded, out});
  else
    Kokkos::parallel_for("tomography::fbp_fan", policy,
                         FanKernel<T>{g, static_cast<T>(beam_.source_origin), trig_, padded, out});
  if (comm_.size() == 1) return;
  // Through host memory: MPI need not be GPU-aware (as DistributedProjector).
  auto host = Kokkos::create_mirror_view(out);
  Kokkos::deep_copy(host, out);  // also fences the kernel
  require(out.size() <= static_cast<std::size_t>(INT_MAX), "Fbp: image too large for one MPI_Allreduce");
  mpi::check(
      MPI_Allreduce(MPI_IN_PLACE, host.data(), static_cast<int>(host.size()), mpi_type<T>(), MPI_SUM, comm_.get()),
      "MPI_Allreduce (FBP)");
  Kokkos::deep_copy(out, host);
}

template <class T>
void fbp(const ImageGeometry& image, const BeamGeometry& beam, FilterKind filter, const Sinogram<const T>& local_rows,
         const Image<T>& out, mpi::Comm comm) {
  Fbp<T>(image, beam, filter, comm).reconstruct(local_rows, out);
}

template class Fbp<float>;
template class Fbp<double>;
template void fbp(const ImageGeometry&, const BeamGeometry&, FilterKind, const Sinogram<const float>&,
                  const Image<float>&, mpi::Comm);
template void fbp(const ImageGeometry&, const BeamGeometry&, FilterKind, const Sinogram<const double>&,
                  const Image<double>&, mpi::Comm);

}  // namespace structura::tomography
