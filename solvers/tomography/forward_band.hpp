// The forward Joseph projector on CPUs with AVX-512: W neighbouring
// detectors of one angle (16 in float, 8 in double) walk in lock step, one
// ray per vector lane (a BandBlock of band_plan.hpp).
//
// Why this is fast: at a given step (one pixel row for rays closer to
// vertical) the W rays cross that row at nearby columns, a band of about
// W * spacing / (dx |cos|) pixels. Instead of 2W scattered loads, the band is
// read as two contiguous vectors and each lane's two interpolation
// neighbours are picked out with permutes. Rays that step over columns read
// the transposed image, so their neighbours are adjacent in memory too.
// Where a band is wider than the two vectors (strongly diverging fan rays,
// detectors much coarser than pixels) the step falls back to masked
// gathers. Each lane's positions and weights are those of make_ray and
// ray_position, the same as in the scalar kernels; only the order of the
// additions differs, so the result agrees with the portable kernel to
// rounding and stays matched with the adjoint.
#pragma once

#include "tomography/simd_lanes.hpp"

#ifdef STRUCTURA_AVX512

#include <cstdint>

#include "tomography/band_plan.hpp"

namespace structura::tomography::detail {

// GCC 12 reports the _mm512_undefined operands inside the intrinsics as
// (maybe) uninitialized once they are inlined here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

// The sums over steps [k_lo, k_hi] of the interpolated image along the
// block's W rays (not yet times their lengths), all of whose lanes step in
// the same direction. `source` is the image in that direction: rows `stride`
// values apart, `across` values each (the image for rays that step over
// rows, its transpose for rays that step over columns).
template <class T>
typename simd::Lanes<T>::R band_sums(const BandBlock<T>& block, int k_lo, int k_hi, const T* source,
                                     std::int64_t stride, long across) {
  using L = simd::Lanes<T>;
  using R = typename L::R;
  using I = typename L::I;
  constexpr int W = L::W;
  const R va = L::load(block.a), vb = L::load(block.b), one = L::set1(T(1));

  // Steps outside a lane's [first, last] have its position outside
  // (-1, across) (make_ray), so both neighbours read as zero: the union of
  // the lanes' ranges can be walked as a whole.
  auto step = [&](int k, R& near_sum, R& far_sum) {
    const R f = L::fmadd(vb, L::set1(static_cast<T>(k)), va);  // = ray_position(ray, k)
    const R fl = L::floor(f);
    const I i = L::trunc(fl);
    const R w = L::sub(f, fl);
    const T* row = source + k * stride;
    long base = L::first(i), top = L::last(i);
    if (top < base) base = top;
    const I rel = L::offset(i, -base);
    R near, far;
    if (!L::above(rel, 2 * W - 2)) {
      R lo, hi;
      if (base >= 0 && base + 2 * W <= across) {  // the common case: all of the band inside the row
        lo = L::load(row + base);
        hi = L::load(row + base + W);
      } else {
        // The band of this row, zero outside [0, across).
        lo = L::maskz_load(row_mask<T>(base, across), unchecked_offset(row, base));
        hi = L::maskz_load(row_mask<T>(base + W, across), unchecked_offset(row, base + W));
      }
      near = L::permute(lo, rel, hi);
      far = L::permute(lo, L::offset(rel, 1), hi);
    } else {
      const I i1 = L::offset(i, 1);
      near = L::maskz_gather(L::within(i, across), i, row);
      far = L::maskz_gather(L::within(i1, across), i1, row);
    }
    near_sum = L::fmadd(L::sub(one, w), near, near_sum);
    far_sum = L::fmadd(w, far, far_sum);
  };

  // Two steps per iteration into separate sums: the additions of
  // consecutive steps do not wait on one another.
  const R zero = L::set1(T(0));
  R s0 = zero, s1 = zero, s2 = zero, s3 = zero;
  int k = k_lo;
  for (; k < k_hi; k += 2) {
    step(k, s0, s1);
    step(k + 1, s2, s3);
  }
  if (k == k_hi) step(k, s0, s1);
  return L::add(L::add(s0, s1), L::add(s2, s3));
}

#pragma GCC diagnostic pop

}  // namespace structura::tomography::detail

#endif
