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
// spread wider falls back to scalar adds (lanes past the block's last
// detector are never stored). Weights
// are those of make_ray and ray_position, as in every kernel, so A and Aᵀ
// stay matched; only the order of the additions into a pixel differs.
//
// Rays that step over columns scatter into a transposed image, which the
// caller adds back, so that their neighbours are adjacent too. Blocks whose
// lanes step in different directions are scattered ray by ray by the
// caller. Not thread-safe: one block at a time (the Serial backend).
#pragma once

#include "tomography/simd_lanes.hpp"

#ifdef STRUCTURA_AVX512

#include <cstdint>

#include "tomography/band_plan.hpp"

namespace structura::tomography::detail {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

// Adds the contributions of steps [k_lo, k_hi] of the block's W rays, all
// stepping in the same direction, with values v (= length_j y_j per lane),
// to `destination`: the image for rays that step over rows, its transpose
// for rays that step over columns (rows `stride` values apart, `across`
// values each).
template <class T>
void band_scatter(const BandBlock<T>& block, typename simd::Lanes<T>::R v, int k_lo, int k_hi, T* destination,
                  std::int64_t stride, long across) {
  using L = simd::Lanes<T>;
  using R = typename L::R;
  using I = typename L::I;
  using M = typename L::M;
  constexpr int W = L::W;
  constexpr std::uint64_t low_half = (std::uint64_t{1} << W) - 1;
  const R va = L::load(block.a), vb = L::load(block.b), one = L::set1(T(1));
  const I iota = L::iota(), reversed = L::reversed();
  const M all_but_last = L::prefix(W - 1);

  // As in the forward kernel, steps outside a lane's range put its pixels
  // outside the row, where nothing is stored.
  for (int k = k_lo; k <= k_hi; ++k) {
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
      for (int j = 0; j < block.lanes; ++j) {
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
      // The band clipped to [0, across).
      const M low = row_mask<T>(base, across), high = row_mask<T>(base + W, across);
      T* const lo = unchecked_offset(row, base);
      T* const hi = unchecked_offset(row, base + W);
      L::mask_store(lo, low, L::add(L::maskz_load(low, lo), add_lo));
      L::mask_store(hi, high, L::add(L::maskz_load(high, hi), add_hi));
    }
  }
}

#pragma GCC diagnostic pop

}  // namespace structura::tomography::detail

#endif
