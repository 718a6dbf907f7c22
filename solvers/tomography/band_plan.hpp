// The rays of a projector laid out for the AVX-512 kernels (forward_band.hpp,
// adjoint_band.hpp), set up once per projector instead of once per product.
//
// Why: at 1024² every angle touches the whole image (8 MiB in double), so
// an angle-by-angle sweep streams the image from memory once per angle and
// two ranks on one socket fight for the bandwidth. The kernels instead
// sweep the image in tiles of rows that stay in the core's L2 and walk
// every ray through one tile at a time, which needs each ray many times:
// hence this plan. Per block of W neighbouring detectors of one angle: the
// lanes' positions and lengths as vectors, and the union of their step
// ranges; the rays themselves for blocks whose lanes step in different
// directions (walked by the scalar code).
#pragma once

#include "tomography/simd_lanes.hpp"

#ifdef STRUCTURA_AVX512

#include <cstdint>
#include <vector>

#include "tomography/ray.hpp"

namespace structura::tomography::detail {

template <class T>
struct BandBlock {
  static constexpr int W = simd::Lanes<T>::W;
  // Lane j = detector u0 + j; lanes past `lanes` repeat the last ray (so
  // they keep the band narrow) and are never stored.
  alignas(64) T a[W];
  alignas(64) T b[W];
  alignas(64) T length[W];
  std::int64_t angle;  // local angle index
  int u0, lanes;
  int k_first, k_last;  // union of the lanes' [first, last]; k_last < k_first: no lane meets the image
  int direction;        // 1: every lane steps over rows, 0: over columns, -1: mixed
  bool falling;         // the lanes' pixel positions decrease from lane to lane (adjoint_band.hpp)
  std::int64_t rays;    // mixed blocks: index of lane 0's ray in BandPlan::rays
};

template <class T>
struct BandPlan {
  std::vector<BandBlock<T>> blocks;  // angle-major
  std::vector<Ray<T>> rays;          // the lanes of the mixed blocks only (few: fan beams near 45°)
};

template <class T>
BandPlan<T> make_band_plan(const RayGeometry& g, const std::vector<double>& cos, const std::vector<double>& sin) {
  constexpr int W = BandBlock<T>::W;
  BandPlan<T> plan;
  const std::int64_t angles = static_cast<std::int64_t>(cos.size());
  const int per_angle = (g.detectors + W - 1) / W;
  plan.blocks.resize(static_cast<std::size_t>(angles * per_angle));
  std::vector<Ray<T>> rays(static_cast<std::size_t>(g.detectors));  // one angle's
  for (std::int64_t a = 0; a < angles; ++a) {
    for (int u = 0; u < g.detectors; ++u) rays[u] = make_ray<T>(g, cos[a], sin[a], u);
    for (int blk = 0; blk < per_angle; ++blk) {
      BandBlock<T>& block = plan.blocks[static_cast<std::size_t>(a * per_angle + blk)];
      block.angle = a;
      block.u0 = blk * W;
      block.lanes = g.detectors - block.u0 < W ? g.detectors - block.u0 : W;
      block.k_first = 1 << 30;
      block.k_last = -1;
      block.direction = rays[block.u0].rows ? 1 : 0;
      for (int j = 0; j < W; ++j) {
        const Ray<T>& ray = rays[block.u0 + (j < block.lanes ? j : block.lanes - 1)];
        block.a[j] = ray.a;
        block.b[j] = ray.b;
        block.length[j] = ray.length;
        if (j >= block.lanes) continue;
        if ((ray.rows ? 1 : 0) != block.direction) block.direction = -1;
        if (ray.first <= ray.last) {
          block.k_first = ray.first < block.k_first ? ray.first : block.k_first;
          block.k_last = ray.last > block.k_last ? ray.last : block.k_last;
        }
      }
      // Along a step the positions a + b k of neighbouring detectors are
      // monotone in the detector index, one way for the whole block; its
      // middle step says which. (A step where they are not is caught by the
      // adjoint, which then adds lane by lane.)
      const Ray<T>& first = rays[block.u0];
      const Ray<T>& last = rays[block.u0 + block.lanes - 1];
      const T middle = static_cast<T>(block.k_first <= block.k_last ? (block.k_first + block.k_last) / 2 : 0);
      block.falling = last.a + last.b * middle < first.a + first.b * middle;
      block.rays = -1;
      if (block.direction < 0) {
        block.rays = static_cast<std::int64_t>(plan.rays.size());
        plan.rays.insert(plan.rays.end(), rays.begin() + block.u0, rays.begin() + block.u0 + block.lanes);
      }
    }
  }
  return plan;
}

// Near the ends of a row the band [base, base + 2W) is read or written as
// two masked vectors: the lanes of [start, start + W) with 0 <= start + t <
// across, and their address, formed as an integer since start may be
// negative (masked-off lanes are never touched).
template <class T>
typename simd::Lanes<T>::M row_mask(long start, long across) {
  using L = simd::Lanes<T>;
  using M = typename L::M;
  return static_cast<M>(L::prefix(across - start) & static_cast<M>(~L::prefix(-start)));
}

template <class P>
P* unchecked_offset(P* row, long offset) {
  return reinterpret_cast<P*>(reinterpret_cast<std::uintptr_t>(row) +
                              static_cast<std::intptr_t>(offset) * static_cast<std::intptr_t>(sizeof(P)));
}

// The ray restricted to steps [k_lo, k_hi] (a tile), with its interior
// clipped alike, for the scalar walk.
template <class T>
Ray<T> clip_steps(Ray<T> ray, int k_lo, int k_hi) {
  ray.first = ray.first > k_lo ? ray.first : k_lo;
  ray.last = ray.last < k_hi ? ray.last : k_hi;
  const int inner_first = ray.inner_first > ray.first ? ray.inner_first : ray.first;
  const int inner_last = ray.inner_last < ray.last ? ray.inner_last : ray.last;
  if (inner_first <= inner_last) {
    ray.inner_first = inner_first;
    ray.inner_last = inner_last;
  } else {  // no interior steps: walk() then checks every step
    ray.inner_first = ray.last + 1;
    ray.inner_last = ray.last;
  }
  return ray;
}

}  // namespace structura::tomography::detail

#endif
