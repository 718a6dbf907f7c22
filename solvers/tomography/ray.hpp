// One ray of the Joseph projector: its set-up from the geometry (make_ray)
// and the walk over the pixels it touches (walk). Every projector kernel,
// forward or adjoint, scalar or vectorised, starts from make_ray, so all of
// them use the same matrix entries.
#pragma once

#include <Kokkos_Core.hpp>

#include <cmath>
#include <cstdint>

#include "tomography/geometry.hpp"

namespace structura::tomography::detail {

// Everything a kernel needs to set up any ray; plain data, copied to devices.
struct RayGeometry {
  int nx, ny, detectors;
  double dx, dy, half_width, half_height;
  double spacing, offset;
  bool fan;
  double source_origin, origin_detector;
};

inline RayGeometry ray_geometry(const ImageGeometry& im, const BeamGeometry& beam) {
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

// The fractional pixel index of the ray at step k, a + b k with one rounding
// (fma): the vectorised forward kernel computes it the same way, so every
// path sees the same interpolation weights.
template <class T>
KOKKOS_INLINE_FUNCTION T ray_position(const Ray<T>& ray, int k) {
  return std::fma(ray.b, static_cast<T>(k), ray.a);
}

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
  // An image one pixel across has no step with both neighbours inside
  // (the interval above is empty, which the sorted t1, t2 would hide).
  const bool inner = across >= 2 && lo <= hi && in_lo <= in_hi;
  ray.inner_first = inner ? static_cast<int>(in_lo) : ray.last + 1;
  ray.inner_last = inner ? static_cast<int>(in_hi) : ray.last;
  return ray;
}

// One step k of a ray: its two interpolation neighbours, as visit(row,
// column, weight, slot). Slot = 2 * Lane + neighbour lets a gather keep
// independent partial sums, so that consecutive steps do not wait on one
// another's additions (the forward kernel is otherwise latency-bound).
template <int Lane, class T, class Visit>
KOKKOS_INLINE_FUNCTION void visit_step(const Ray<T>& ray, int k, int across, bool checked, Visit& visit) {
  const T f = ray_position(ray, k);
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

// The forward projection of one ray: length times the interpolated image
// summed along the walk. `image` is (ny, nx), rows `stride` values apart.
template <class T>
struct GatherPixels {
  const T* image;
  std::int64_t stride;
  T sum[4];
  KOKKOS_INLINE_FUNCTION void operator()(int r, int c, T w, int slot) { sum[slot] += w * image[r * stride + c]; }
};

template <class T>
KOKKOS_INLINE_FUNCTION T project_ray(const Ray<T>& ray, const T* image, std::int64_t stride, int nx, int ny) {
  GatherPixels<T> gather{image, stride, {T(0), T(0), T(0), T(0)}};
  walk(ray, nx, ny, gather);
  return ray.length * ((gather.sum[0] + gather.sum[1]) + (gather.sum[2] + gather.sum[3]));
}

// Adds value * weight to every pixel the ray touches (the adjoint of
// project_ray) in a (ny, nx) image with rows `stride` apart; one ray at a
// time, no atomics. With one rounding (fma) written out: left to the
// compiler, whether the product and the sum were fused depended on how the
// walk was inlined at its call site, and the last bits of the vectorised
// adjoint (projector.cpp) changed with edits elsewhere in its function.
template <class T>
struct ScatterPixelsTo {
  T* image;
  std::int64_t stride;
  T value;
  KOKKOS_INLINE_FUNCTION void operator()(int r, int c, T w, int) const {
    image[r * stride + c] = std::fma(w, value, image[r * stride + c]);
  }
};

}  // namespace structura::tomography::detail
