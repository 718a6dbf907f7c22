// The adjoint Joseph projector (ray-driven backprojection) on CPUs with
// AVX-512: W neighbouring detectors of one angle scatter in lock step, the
// mirror image of forward_band.hpp.
//
// At a step, lane j adds (1 - w_j) v_j to pixel i_j and w_j v_j to pixel
// i_j + 1 of the row, v_j = length_j y_j. Where the lanes' pixels increase
// from lane to lane by 1 to 3 and lie in a band of 2W, each band position
// receives from at most one lane's near and one lane's far value, so the
// scatter can be written as a gather in position space: position p takes
// near from lane c(p) and far from lane c(p) - 1, c(p) = the number of lanes
// left of p, where a lane sits at p (resp. p - 1). With the lanes' positions
// as a bit set B, c(p) = popcount(B & (2^p - 1)), one vector popcount for W
// positions, and the values come by two in-register permutes per half band.
// B itself comes from the lanes' gaps (0, 1 or 2 empty positions before a
// lane) by one pdep/pext pair instead of a horizontal reduction. The band is
// then loaded, added to and stored as two vectors. Blocks whose pixels fall
// from lane to lane are reversed once per block (plan: BandBlock::falling),
// so that the steps see rising positions. A step whose lanes share a pixel
// (detectors finer than pixels), leave gaps of 3 or more or spread wider
// than the band falls back to scalar adds (lanes past the block's last
// detector are never stored). Blocks whose lanes the plan proves 1 or 2
// pixels apart at every step (BandBlock::regular: nearly all blocks of a
// parallel beam with detectors as fine as the pixels) skip those checks,
// 5 of the 37 vector instructions of a step. Weights are those of
// make_ray and ray_position, as in every kernel, so A and Aᵀ stay matched;
// only the order of the additions into a pixel differs.
//
// Rays that step over columns scatter into a transposed image, which the
// caller adds back, so that their neighbours are adjacent too. Blocks whose
// lanes step in different directions are scattered ray by ray by the
// caller. Not thread-safe: one block at a time (the Serial backend).
#pragma once

#include "tomography/simd_lanes.hpp"

#ifdef STRUCTURA_AVX512

#include <immintrin.h>

#include <cstdint>

#include "tomography/band_plan.hpp"

namespace structura::tomography::detail {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

// Slot layout for the pdep/pext that turns gaps into the bit set of the
// lanes' positions: lane j owns the four bits 4j..4j+3, its own bit 4j+3 and
// the bits 4j+2 (first empty position before it) and 4j+1 (second).
constexpr std::uint64_t lane_slots = 0x8888888888888888ull;
constexpr std::uint64_t first_gap_slots = 0x4444444444444444ull;
constexpr std::uint64_t second_gap_slots = 0x2222222222222222ull;
// The same for gaps of at most one: lane j owns bits 2j (gap) and 2j + 1.
constexpr std::uint64_t lane_slots2 = 0xAAAAAAAAAAAAAAAAull;
constexpr std::uint64_t gap_slots2 = 0x5555555555555555ull;

// Adds the contributions of steps [k_lo, k_hi] of the block's W rays, all
// stepping in the same direction, with values v (= length_j y_j per lane,
// zero past block.lanes), to `destination`: the image for rays that step
// over rows, its transpose for rays that step over columns (rows `stride`
// values apart, `across` values each). steps[k] = k for every step k.
template <class T>
void band_scatter(const BandBlock<T>& block, typename simd::Lanes<T>::R v, int k_lo, int k_hi, T* destination,
                  std::int64_t stride, long across, const T* steps) {
  using L = simd::Lanes<T>;
  using R = typename L::R;
  using I = typename L::I;
  using M = typename L::M;
  constexpr int W = L::W;
  constexpr std::uint64_t low_half = (std::uint64_t{1} << W) - 1;
  R va = L::load(block.a), vb = L::load(block.b);
  if (block.falling) {
    // Lane j <- lane lanes - 1 - j for the block's detectors; the lanes past
    // them stay (v = 0 there).
    const I iota = L::iota();
    const I order = L::mask_blend_i(L::prefix(block.lanes), iota, L::sub_i(L::broadcast(block.lanes - 1), iota));
    va = L::permutexvar(order, va);
    vb = L::permutexvar(order, vb);
    v = L::permutexvar(order, v);
  }
  const R one = L::set1(T(1));
  // The gaps between the block's detectors are checked; its slots set.
  const M checked = L::prefix(block.lanes - 1);
  const std::uint64_t slots = block.lanes >= 16 ? lane_slots : lane_slots & ((std::uint64_t{1} << 4 * block.lanes) - 1);
  const std::uint64_t slots2 = lane_slots2 & ((std::uint64_t{1} << 2 * block.lanes) - 1);
  const I below_lo = L::low_bits(0), below_hi = L::low_bits(W);

  // Position p of the band [base, base + 2W): near from lane c(p) where p
  // is occupied, far from lane c(p) - 1 where p - 1 is.
  auto add_band = [&](T* row, long base, std::uint64_t occupied, R near, R far) {
    const I bits = L::broadcast(occupied);
    const I count_lo = L::popcount_and(bits, below_lo), count_hi = L::popcount_and(bits, below_hi);
    const std::uint64_t after = occupied << 1;
    const R add_lo = L::add(L::maskz_permutexvar(static_cast<M>(occupied & low_half), count_lo, near),
                            L::maskz_permutexvar(static_cast<M>(after & low_half), L::offset(count_lo, -1), far));
    const R add_hi = L::add(L::maskz_permutexvar(static_cast<M>(occupied >> W), count_hi, near),
                            L::maskz_permutexvar(static_cast<M>(after >> W), L::offset(count_hi, -1), far));
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
  };

  // As in the forward kernel, steps outside a lane's range put its pixels
  // outside the row, where nothing is stored. The step k as T comes from
  // `steps` (steps[k] = k, exact below 2^24), broadcast from memory within
  // the fma: one vector instruction per step fewer than counting k in a
  // register.
  T* row = destination + k_lo * stride;
  if (block.regular) {
    // The plan guarantees neighbouring lanes 1 or 2 pixels apart at every
    // step (band_plan.hpp: regular_block), so the gaps need no check and
    // bit 1 of the difference is the gap; the fewer instructions per step
    // are what makes this loop faster than the general one below.
    const M gap_lanes = checked;
    for (int k = k_lo; k <= k_hi; ++k, row += stride) {
      const R f = L::fmadd(vb, L::set1(steps[k]), va);  // = ray_position(ray, k)
      const I i = L::floor_int(f);
      const R w = L::sub(f, L::to_real(i));  // rounded to nearest, as in ray.hpp
      const R near = L::mul(L::sub(one, w), v), far = L::mul(w, v);
      const std::uint64_t gaps =
          static_cast<std::uint64_t>(static_cast<M>(L::any_bit(L::next_difference(i), 2) & gap_lanes)) << 1;
      add_band(row, L::first(i), _pext_u64(slots2, slots2 | _pdep_u64(gaps, gap_slots2)), near, far);
    }
    return;
  }
  for (int k = k_lo; k <= k_hi; ++k, row += stride) {
    const R f = L::fmadd(vb, L::set1(steps[k]), va);  // = ray_position(ray, k)
    const I i = L::floor_int(f);
    const R w = L::sub(f, L::to_real(i));
    const R near = L::mul(L::sub(one, w), v), far = L::mul(w, v);
    const long base = L::first(i);
    // Empty positions between lane j and j + 1.
    const I gap = L::offset(L::next_difference(i), -1);
    std::uint64_t occupied;
    if (!(L::any_bit(gap, ~1L) & checked)) {
      // The common case, gaps of 0 or 1 (detectors up to twice as coarse as
      // the pixels): lane j owns bits 2j (an empty position before it) and
      // 2j + 1 (itself).
      const std::uint64_t gaps = static_cast<std::uint64_t>(static_cast<M>(L::bit(gap, 0) & checked)) << 1;
      occupied = _pext_u64(slots2, slots2 | _pdep_u64(gaps, gap_slots2));
    } else {
      const M gap_bit0 = L::bit(gap, 0), gap_bit1 = L::bit(gap, 1);
      const M irregular = static_cast<M>((L::any_bit(gap, ~3L) | (gap_bit0 & gap_bit1)) & checked);
      const std::uint64_t first_gaps = static_cast<std::uint64_t>(static_cast<M>(gap_bit0 | gap_bit1) & checked) << 1;
      const std::uint64_t second_gaps = static_cast<std::uint64_t>(static_cast<M>(gap_bit1 & checked)) << 1;
      occupied =
          _pext_u64(slots, slots | _pdep_u64(first_gaps, first_gap_slots) | _pdep_u64(second_gaps, second_gap_slots));
      if (irregular || (occupied >> (2 * W - 1)) != 0) {
        // Lane by lane, at the lanes' pixel indices i.
        alignas(64) T near_s[W], far_s[W];
        alignas(64) typename L::Index index[W];
        L::mask_store(near_s, L::prefix(W), near);
        L::mask_store(far_s, L::prefix(W), far);
        L::store_i(index, i);
        for (int j = 0; j < block.lanes; ++j) {
          const long p = static_cast<long>(index[j]);
          if (p >= 0 && p < across) row[p] += near_s[j];
          if (p + 1 >= 0 && p + 1 < across) row[p + 1] += far_s[j];
        }
        continue;
      }
    }
    add_band(row, base, occupied, near, far);
  }
}

#pragma GCC diagnostic pop

}  // namespace structura::tomography::detail

#endif
