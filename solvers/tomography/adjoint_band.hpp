// The adjoint Joseph projector (ray-driven backprojection) on CPUs with
// AVX-512: W neighbouring detectors of one angle scatter in lock step, the
// mirror image of forward_band.hpp.
//
// At a step, lane j adds (1 - w_j) v_j to pixel i_j and w_j v_j to pixel
// i_j + 1 of the row, v_j = length_j y_j. Where the lanes' pixels are strictly
// increasing (or decreasing) across the lanes and lie in a band of 2W, the
// near and the far contributions each go to distinct, ordered band positions,
// which is what AVX-512's expand does: it spreads consecutive lanes to the
// set bits of a mask. The band is then loaded, added to and stored as two
// vectors. A step whose lanes share a pixel (detectors finer than pixels) or
// spread wider falls back to scalar adds; a block whose rays step in
// different directions, or a partial block, is scattered ray by ray. Weights
// are those of make_ray and ray_position, as in every kernel, so A and Aᵀ
// stay matched; only the order of the additions into a pixel differs.
//
// Rays that step over columns scatter into a transposed image (columns),
// which the caller adds back, so that their neighbours are adjacent too.
// Not thread-safe: one block at a time (the Serial backend).
#pragma once

#include "tomography/simd_lanes.hpp"

#ifdef STRUCTURA_AVX512

#include <climits>
#include <cstdint>

#include "tomography/ray.hpp"

namespace structura::tomography::detail {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

// Where the adjoint accumulates: rows (ny, nx) for rays that step over rows,
// columns (nx, ny), the transpose, for rays that step over columns.
template <class T>
struct BandTarget {
  T* rows;
  std::int64_t row_stride;
  T* columns;
  std::int64_t column_stride;
  int nx, ny;
};

// One ray's scatter of `value` (= length * y) by the scalar walk.
template <class T>
struct ScatterToTarget {
  const BandTarget<T>& target;
  T value;
  void operator()(int r, int c, T w, int) const {
    // walk() passes image coordinates; rays that step over columns live in
    // the transpose.
    if (by_rows) target.rows[r * target.row_stride + c] += w * value;
    else target.columns[c * target.column_stride + r] += w * value;
  }
  bool by_rows;
};

template <class T>
void scatter_ray(const Ray<T>& ray, T value, const BandTarget<T>& target) {
  ScatterToTarget<T> visit{target, value, ray.rows};
  walk(ray, target.nx, target.ny, visit);
}

// Adds the contributions of rays[0..lanes) with values[j] = length_j y_j.
template <class T>
void backproject_band(const Ray<T>* rays, const T* values, int lanes, const BandTarget<T>& target) {
  using L = simd::Lanes<T>;
  using R = typename L::R;
  using I = typename L::I;
  using M = typename L::M;
  constexpr int W = L::W;
  constexpr std::uint64_t low_half = (std::uint64_t{1} << W) - 1;

  bool same_direction = lanes == W;
  int k_first = INT_MAX, k_last = -1;
  for (int j = 0; j < lanes; ++j) {
    same_direction = same_direction && rays[j].rows == rays[0].rows;
    if (rays[j].first <= rays[j].last) {
      k_first = rays[j].first < k_first ? rays[j].first : k_first;
      k_last = rays[j].last > k_last ? rays[j].last : k_last;
    }
  }
  if (!same_direction) {
    for (int j = 0; j < lanes; ++j) scatter_ray(rays[j], values[j], target);
    return;
  }
  alignas(64) T a[W], b[W];
  for (int j = 0; j < W; ++j) {
    a[j] = rays[j].a;
    b[j] = rays[j].b;
  }
  const bool by_rows = rays[0].rows;
  T* const destination = by_rows ? target.rows : target.columns;
  const std::int64_t stride = by_rows ? target.row_stride : target.column_stride;
  const long across = by_rows ? target.nx : target.ny;
  const R va = L::load(a), vb = L::load(b), v = L::load(values), one = L::set1(T(1));
  const I iota = L::iota(), reversed = L::reversed();
  const M all_but_last = L::prefix(W - 1);

  // As in the forward kernel, steps outside a lane's range put its pixels
  // outside the row, where nothing is stored.
  for (int k = k_first; k <= k_last; ++k) {
    const R f = L::fmadd(vb, L::set1(static_cast<T>(k)), va);  // = ray_position(ray, k)
    const R fl = L::floor(f);
    const I i = L::trunc(fl);
    const R w = L::sub(f, fl);
    R near = L::mul(L::sub(one, w), v), far = L::mul(w, v);
    T* row = destination + k * stride;
    long base = L::first(i), top = L::last(i);
    const bool rising = base < top;
    if (!rising) base = top;
    const I rel = L::offset(i, -base);
    const bool ordered = rising ? L::rising(rel) == all_but_last : L::falling(rel) == all_but_last;
    if (!ordered || L::above(rel, 2 * W - 2)) {
      // Lane by lane; fl holds the lanes' pixel indices exactly.
      alignas(64) T near_s[W], far_s[W], index[W];
      L::mask_store(near_s, L::prefix(W), near);
      L::mask_store(far_s, L::prefix(W), far);
      L::mask_store(index, L::prefix(W), fl);
      for (int j = 0; j < W; ++j) {
        const long p = static_cast<long>(index[j]);
        if (p >= 0 && p < across) row[p] += near_s[j];
        if (p + 1 >= 0 && p + 1 < across) row[p + 1] += far_s[j];
      }
      continue;
    }
    if (!rising) {  // expand fills positions in lane order: make it ascending
      near = L::permutexvar(reversed, near);
      far = L::permutexvar(reversed, far);
    }
    const std::uint64_t near_bits = L::bits(rel), far_bits = near_bits << 1;
    const M near_lo = static_cast<M>(near_bits & low_half), near_hi = static_cast<M>(near_bits >> W);
    const M far_lo = static_cast<M>(far_bits & low_half), far_hi = static_cast<M>(far_bits >> W);
    const int near_split = __builtin_popcountll(near_bits & low_half);
    const int far_split = __builtin_popcountll(far_bits & low_half);
    const R add_lo = L::add(L::maskz_expand(near_lo, near), L::maskz_expand(far_lo, far));
    const R add_hi = L::add(L::maskz_expand(near_hi, L::permutexvar(L::offset(iota, near_split), near)),
                            L::maskz_expand(far_hi, L::permutexvar(L::offset(iota, far_split), far)));
    if (base >= 0 && base + 2 * W <= across) {
      L::mask_store(row + base, L::prefix(W), L::add(L::load(row + base), add_lo));
      L::mask_store(row + base + W, L::prefix(W), L::add(L::load(row + base + W), add_hi));
    } else {
      // The band clipped to [0, across); the address is formed as an integer
      // since base may be negative (masked-off lanes are never touched).
      const auto at = [&](long offset) {
        return reinterpret_cast<T*>(reinterpret_cast<std::uintptr_t>(row) +
                                    static_cast<std::intptr_t>(offset) * static_cast<std::intptr_t>(sizeof(T)));
      };
      const M low = static_cast<M>(L::prefix(across - base) & static_cast<M>(~L::prefix(-base)));
      const M high = static_cast<M>(L::prefix(across - base - W) & static_cast<M>(~L::prefix(-base - W)));
      L::mask_store(at(base), low, L::add(L::maskz_load(low, at(base)), add_lo));
      L::mask_store(at(base + W), high, L::add(L::maskz_load(high, at(base + W)), add_hi));
    }
  }
}

#pragma GCC diagnostic pop

}  // namespace structura::tomography::detail

#endif
