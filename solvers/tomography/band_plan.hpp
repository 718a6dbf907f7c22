// The rays of a projector laid out for the AVX-512 kernels (forward_band.hpp,
// adjoint_band.hpp), set up once per projector instead of once per product.
//
// Why: at 1024² every angle touches the whole image (8 MiB in double), so
// an angle-by-angle sweep streams the image from memory once per angle and
// two ranks on one socket fight for the bandwidth. The kernels instead
// sweep the image in tiles of rows that stay in the core's L2 and walk
// every ray through one tile at a time, which needs each ray many times:
// hence this plan. Per block of W neighbouring detectors of one angle: the
// lanes' positions, slopes and lengths as vectors (the slopes and lengths
// shared by the angle's blocks for a parallel beam), the union of their
// step ranges and whether the adjoint may skip its gap checks; the rays
// themselves for blocks whose lanes step in different directions (walked
// by the scalar code). The plan is part of every projector's set-up, so it
// is built with vector code too: the float plan's rays 8 at a time
// (ray_lanes.hpp), each block's fields by vector loads and reductions.
#pragma once

#include "tomography/simd_lanes.hpp"

#ifdef STRUCTURA_AVX512

#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "tomography/ray.hpp"
#include "tomography/ray_lanes.hpp"

namespace structura::tomography::detail {

// GCC 12 reports the _mm512_undefined operands inside the intrinsics as
// (maybe) uninitialized once they are inlined here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

// The lanes' slopes b and lengths per step, W each.
template <class T>
struct BandSlopes {
  static constexpr int W = simd::Lanes<T>::W;
  alignas(64) T b[W];
  alignas(64) T length[W];
};

// 128 bytes in float and double: the plan's memory is paged in by its
// first writes, which at 512² cost about as much as computing it.
template <class T>
struct BandBlock {
  static constexpr int W = simd::Lanes<T>::W;
  // Lane j = detector u0 + j; lanes past `lanes` repeat the last ray (so
  // they keep the band narrow) and are never stored.
  alignas(64) T a[W];
  // W values each in BandPlan::slopes: the block's own (fan beam) or its
  // angle's, as all rays of a parallel-beam angle have the same slope and
  // length (make_ray: they depend on the angle alone).
  const T* b;
  const T* length;
  std::int64_t angle;  // local angle index
  int u0, lanes;
  int k_first, k_last;  // union of the lanes' [first, last]; k_last < k_first: no lane meets the image
  int direction;        // 1: every lane steps over rows, 0: over columns, -1: mixed
  bool falling;         // the lanes' pixel positions decrease from lane to lane (adjoint_band.hpp)
  bool regular;         // neighbouring lanes 1 to 2 pixels apart at every step (regular_block())
  std::int64_t rays;    // mixed blocks: index of lane 0's ray in BandPlan::rays
};
static_assert(sizeof(BandBlock<float>) == 128 && sizeof(BandBlock<double>) == 128);

template <class T>
struct BandPlan {
  std::vector<BandBlock<T>> blocks;  // angle-major
  std::vector<BandSlopes<T>> slopes;  // per block (fan beam) or per angle (parallel beam)
  std::vector<Ray<T>> rays;          // the lanes of the mixed blocks only (few: fan beams near 45°)
  // Blocks point into `slopes`: moving keeps them valid, copying would not.
  BandPlan() = default;
  BandPlan(BandPlan&&) = default;
  BandPlan(const BandPlan&) = delete;
  BandPlan& operator=(const BandPlan&) = delete;
};

// Whether, at every step k of [k_first, k_last], the pixel indices
// floor(a + b k) of neighbouring lanes (in rising order: reversed where
// `falling`) differ by 1 or 2, as the positions computed in T do: the exact
// difference of neighbouring positions is linear in k, so its extremes are
// at the ends, and it must lie within [1, 2] by more than the rounding of
// the two positions in T (half an ulp of each, at most (|p| + |p'|) eps / 2;
// twice that is required). Then the adjoint's loop needs no check of the
// gaps (adjoint_band.hpp). For detectors about as fine as the pixels, most
// blocks are regular: lanes 1/|cos| to 1/|sin| pixels apart.
template <class T>
bool regular_block(const BandBlock<T>& block) {
  constexpr int W = BandBlock<T>::W, G = W / 8;  // groups of 8 double lanes
  if (block.direction < 0 || block.k_first > block.k_last) return false;
  const __m512d eps = _mm512_set1_pd(std::numeric_limits<T>::epsilon()), one = _mm512_set1_pd(1),
                two = _mm512_set1_pd(2), sign = _mm512_set1_pd(block.falling ? -1 : 1);
  const __m512i next = _mm512_setr_epi64(1, 2, 3, 4, 5, 6, 7, 8);  // lane j + 1, across two groups
  __m512d a[G], b[G];
  for (int g = 0; g < G; ++g) {
    if constexpr (std::is_same_v<T, float>) {
      a[g] = _mm512_cvtps_pd(_mm256_load_ps(block.a + 8 * g));
      b[g] = _mm512_cvtps_pd(_mm256_load_ps(block.b + 8 * g));
    } else {
      a[g] = _mm512_load_pd(block.a + 8 * g);
      b[g] = _mm512_load_pd(block.b + 8 * g);
    }
  }
  __mmask8 within = 0xFF;
  for (const int k : {block.k_first, block.k_last}) {
    __m512d p[G];
    for (int g = 0; g < G; ++g) p[g] = _mm512_fmadd_pd(b[g], _mm512_set1_pd(k), a[g]);
    for (int g = 0; g < G; ++g) {
      // Pairs (8g + j, 8g + j + 1) of the block's lanes.
      const __mmask8 pairs = static_cast<__mmask8>(simd::Lanes<double>::prefix(block.lanes - 1 - 8 * g));
      const __m512d following = _mm512_permutex2var_pd(p[g], next, g + 1 < G ? p[g + 1] : p[g]);
      const __m512d d = _mm512_mul_pd(sign, _mm512_sub_pd(following, p[g]));
      const __m512d rounding =
          _mm512_mul_pd(eps, _mm512_add_pd(_mm512_add_pd(_mm512_abs_pd(p[g]), _mm512_abs_pd(following)), one));
      within &= static_cast<__mmask8>(~pairs | (_mm512_cmp_pd_mask(_mm512_sub_pd(d, rounding), one, _CMP_GE_OQ) &
                                                 _mm512_cmp_pd_mask(_mm512_add_pd(d, rounding), two, _CMP_LE_OQ)));
    }
  }
  return within == 0xFF;
}

// One angle's rays, detector by detector (structure of arrays), padded to
// whole blocks by repeating the last detector's ray.
template <class T>
struct AngleRays {
  std::vector<T> a, b, length;
  std::vector<std::int32_t> first, last, inner_first, inner_last;
  std::vector<std::uint8_t> rows;
  explicit AngleRays(std::size_t padded)
      : a(padded), b(padded), length(padded), first(padded), last(padded), inner_first(padded),
        inner_last(padded), rows(padded) {}
  Ray<T> ray(std::size_t u) const {
    return Ray<T>{rows[u] != 0, a[u], b[u], length[u], first[u], last[u], inner_first[u], inner_last[u]};
  }
  void set(std::size_t u, const Ray<T>& r) {
    rows[u] = r.rows;
    a[u] = r.a;
    b[u] = r.b;
    length[u] = r.length;
    first[u] = r.first;
    last[u] = r.last;
    inner_first[u] = r.inner_first;
    inner_last[u] = r.inner_last;
  }
};

// The float plan sets its rays up 8 at a time (ray_lanes.hpp), the double
// plan by make_ray itself.
template <class T>
void set_up_angle(const RayGeometry& g, double c, double s, AngleRays<T>& rays) {
  const std::size_t padded = rays.a.size();
  if constexpr (std::is_same_v<T, float>) {
    // A parallel beam's rays share their normal, hence their slopes.
    const LaneSlopes shared = lane_slopes(g, lane_lines(g, c, s, 0));
    for (std::size_t u0 = 0; u0 < padded; u0 += 8) {
      const LaneLines lines = lane_lines(g, c, s, static_cast<int>(u0));
      const RayLanes r = make_ray_lanes(g, lines, g.fan ? lane_slopes(g, lines) : shared);
      _mm256_storeu_ps(rays.a.data() + u0, r.a);
      _mm256_storeu_ps(rays.b.data() + u0, r.b);
      _mm256_storeu_ps(rays.length.data() + u0, r.length);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(rays.first.data() + u0), r.first);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(rays.last.data() + u0), r.last);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(rays.inner_first.data() + u0), r.inner_first);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(rays.inner_last.data() + u0), r.inner_last);
      for (int j = 0; j < 8; ++j) rays.rows[u0 + j] = (r.rows >> j) & 1;
    }
  } else {
    for (int u = 0; u < g.detectors; ++u) rays.set(static_cast<std::size_t>(u), make_ray<T>(g, c, s, u));
    for (std::size_t u = static_cast<std::size_t>(g.detectors); u < padded; ++u)
      rays.set(u, rays.ray(static_cast<std::size_t>(g.detectors - 1)));
  }
}

template <class T>
BandPlan<T> make_band_plan(const RayGeometry& g, const std::vector<double>& cos, const std::vector<double>& sin) {
  constexpr int W = BandBlock<T>::W;
  BandPlan<T> plan;
  const std::int64_t angles = static_cast<std::int64_t>(cos.size());
  const int per_angle = (g.detectors + W - 1) / W;
  plan.blocks.resize(static_cast<std::size_t>(angles * per_angle));
  plan.slopes.resize(static_cast<std::size_t>(g.fan ? angles * per_angle : angles));
  AngleRays<T> rays(static_cast<std::size_t>(per_angle) * W);
  for (std::int64_t a = 0; a < angles; ++a) {
    set_up_angle<T>(g, cos[a], sin[a], rays);
    for (int blk = 0; blk < per_angle; ++blk) {
      BandBlock<T>& block = plan.blocks[static_cast<std::size_t>(a * per_angle + blk)];
      const std::size_t u0 = static_cast<std::size_t>(blk) * W;
      block.angle = a;
      block.u0 = static_cast<int>(u0);
      block.lanes = g.detectors - block.u0 < W ? g.detectors - block.u0 : W;
      // Lanes past `lanes` hold the last ray already (AngleRays).
      std::memcpy(block.a, rays.a.data() + u0, sizeof block.a);
      BandSlopes<T>& slopes = plan.slopes[static_cast<std::size_t>(g.fan ? a * per_angle + blk : a)];
      if (g.fan || blk == 0) {
        std::memcpy(slopes.b, rays.b.data() + u0, sizeof slopes.b);
        std::memcpy(slopes.length, rays.length.data() + u0, sizeof slopes.length);
      }
      block.b = slopes.b;
      block.length = slopes.length;
      // The union of the step ranges of the lanes that meet the image, and
      // the lanes that step over rows.
      const __mmask16 lanes = static_cast<__mmask16>(simd::Lanes<float>::prefix(block.lanes));
      const __m512i first = _mm512_maskz_loadu_epi32(lanes, rays.first.data() + u0);
      const __m512i last = _mm512_maskz_loadu_epi32(lanes, rays.last.data() + u0);
      const __mmask16 meets = _mm512_mask_cmple_epi32_mask(lanes, first, last);
      block.k_first = meets ? _mm512_mask_reduce_min_epi32(meets, first) : 1 << 30;
      block.k_last = meets ? _mm512_mask_reduce_max_epi32(meets, last) : -1;
      const __m512i rows_bytes = _mm512_maskz_loadu_epi8(lanes, rays.rows.data() + u0);
      const auto rows = static_cast<__mmask16>(_mm512_mask_test_epi8_mask(lanes, rows_bytes, rows_bytes));
      block.direction = rows == lanes ? 1 : rows == 0 ? 0 : -1;
      // Along a step the positions a + b k of neighbouring detectors are
      // monotone in the detector index, one way for the whole block; its
      // middle step says which. (A step where they are not is caught by the
      // adjoint, which then adds lane by lane.)
      const int l = block.lanes - 1;
      const T middle = static_cast<T>(block.k_first <= block.k_last ? (block.k_first + block.k_last) / 2 : 0);
      block.falling = block.a[l] + block.b[l] * middle < block.a[0] + block.b[0] * middle;
      block.regular = regular_block(block);
      block.rays = -1;
      if (block.direction < 0) {
        block.rays = static_cast<std::int64_t>(plan.rays.size());
        for (int j = 0; j < block.lanes; ++j) plan.rays.push_back(rays.ray(u0 + j));
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

#pragma GCC diagnostic pop

}  // namespace structura::tomography::detail

#endif
