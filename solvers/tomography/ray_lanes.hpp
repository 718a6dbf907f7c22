// make_ray (ray.hpp) for 8 neighbouring detectors of one angle at once, in
// AVX-512 double lanes, for the float projector's ray plan (band_plan.hpp).
//
// Why: the plan is set up by every projector before its first product, and
// one make_ray per ray (seven scalar divisions among others) was half of
// that set-up. Here the divisions that give a, b and length are the same
// as make_ray's, 8 at a time, and those that bound the steps multiply by
// 1/b: the bounds have a step's margin (make_ray), so a rounding of 1/b
// moves them at most across a step that touches no pixel, or within the
// half pixel of the interior's margin. The positions a, b and length are
// computed in double by make_ray's formulas and rounded to float; where
// the compiler contracts a product and a sum differently here and in
// make_ray, the doubles differ in their last bit, and the floats only
// where that bit straddles a float's rounding boundary (about one value in
// 2^28): the plan and the portable kernels then differ to rounding, as the
// tests allow. The double projector keeps make_ray itself, where one ulp of
// a double position is not hidden by a rounding to float.
#pragma once

#include "tomography/simd_lanes.hpp"

#ifdef STRUCTURA_AVX512

#include <immintrin.h>

#include <cstdint>

#include "tomography/ray.hpp"

namespace structura::tomography::detail {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// One ray per lane, as make_ray's Ray<float> fields: a, b, length rounded
// to float; rows, first, last, inner_first, inner_last per lane.
struct RayLanes {
  __m256 a, b, length;
  __mmask8 rows;
  __m256i first, last, inner_first, inner_last;
};

// Each lane's ray as the line {p : n . p = q} (make_ray): detectors u0 ..
// u0 + 7 at the angle (c, s) = (cos, sin); detectors past the last repeat
// the last one (the plan's padding lanes).
struct LaneLines {
  __m512d n0, n1, q;
};

inline LaneLines lane_lines(const RayGeometry& g, double c, double s, int u0) {
  using D = __m512d;
  const __m512i iota = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
  const __m512i u_index =
      _mm512_min_epi64(_mm512_add_epi64(_mm512_set1_epi64(u0), iota), _mm512_set1_epi64(g.detectors - 1));
  const D u = _mm512_cvtepi64_pd(u_index);
  const D su = _mm512_add_pd(
      _mm512_mul_pd(_mm512_sub_pd(u, _mm512_set1_pd(0.5 * (g.detectors - 1))), _mm512_set1_pd(g.spacing)),
      _mm512_set1_pd(g.offset));
  if (!g.fan) return {_mm512_set1_pd(c), _mm512_set1_pd(s), su};
  const double sx = g.source_origin * c, sy = g.source_origin * s;
  const D px = _mm512_sub_pd(_mm512_set1_pd(-g.origin_detector * c), _mm512_mul_pd(su, _mm512_set1_pd(s)));
  const D py = _mm512_add_pd(_mm512_set1_pd(-g.origin_detector * s), _mm512_mul_pd(su, _mm512_set1_pd(c)));
  const D ex = _mm512_sub_pd(px, _mm512_set1_pd(sx)), ey = _mm512_sub_pd(py, _mm512_set1_pd(sy));
  const D norm = _mm512_sqrt_pd(_mm512_add_pd(_mm512_mul_pd(ex, ex), _mm512_mul_pd(ey, ey)));
  const D n0 = _mm512_div_pd(ey, norm);
  const D n1 = _mm512_div_pd(_mm512_xor_pd(ex, _mm512_set1_pd(-0.0)), norm);  // -ex / norm
  return {n0, n1, _mm512_add_pd(_mm512_mul_pd(n0, _mm512_set1_pd(sx)), _mm512_mul_pd(n1, _mm512_set1_pd(sy)))};
}

// What depends on the normal alone: the direction of the steps, b, length
// and 1/b. The same for all rays of a parallel-beam angle, which the plan
// then computes once per angle.
struct LaneSlopes {
  __mmask8 rows, flat;
  __m512d b, length, inverse;
};

inline LaneSlopes lane_slopes(const RayGeometry& g, const LaneLines& line) {
  using D = __m512d;
  const D abs0 = _mm512_abs_pd(line.n0), abs1 = _mm512_abs_pd(line.n1);
  LaneSlopes slopes;
  slopes.rows = _mm512_cmp_pd_mask(abs0, abs1, _CMP_GE_OQ);
  slopes.b = _mm512_setzero_pd();
  slopes.length = slopes.b;
  if (slopes.rows) {
    const D b = _mm512_div_pd(_mm512_mul_pd(line.n1, _mm512_set1_pd(g.dy)), _mm512_mul_pd(line.n0, _mm512_set1_pd(g.dx)));
    slopes.b = _mm512_mask_mov_pd(slopes.b, slopes.rows, b);
    slopes.length = _mm512_mask_mov_pd(slopes.length, slopes.rows, _mm512_div_pd(_mm512_set1_pd(g.dy), abs0));
  }
  if (slopes.rows != 0xFF) {
    const __mmask8 columns = static_cast<__mmask8>(~slopes.rows);
    const D b = _mm512_div_pd(_mm512_mul_pd(line.n0, _mm512_set1_pd(g.dx)), _mm512_mul_pd(line.n1, _mm512_set1_pd(g.dy)));
    slopes.b = _mm512_mask_mov_pd(slopes.b, columns, b);
    slopes.length = _mm512_mask_mov_pd(slopes.length, columns, _mm512_div_pd(_mm512_set1_pd(g.dx), abs1));
  }
  // b = 0 (rays along a row or column) and b below 2^-1000, whose inverse
  // may be infinite, take make_ray's own branch for b = 0 (make_ray_lanes).
  const D one = _mm512_set1_pd(1);
  slopes.flat = _mm512_cmp_pd_mask(_mm512_abs_pd(slopes.b), _mm512_set1_pd(0x1p-1000), _CMP_LT_OQ);
  slopes.inverse = _mm512_div_pd(one, _mm512_mask_blend_pd(slopes.flat, slopes.b, one));
  return slopes;
}

inline RayLanes make_ray_lanes(const RayGeometry& g, const LaneLines& line, const LaneSlopes& slopes) {
  using D = __m512d;
  const __mmask8 rows = slopes.rows, flat = slopes.flat;
  const D b = slopes.b, inverse = slopes.inverse;
  D a = _mm512_setzero_pd();
  if (rows) {  // as make_ray: row r at y = h/2 - (r + 1/2) dy
    const D ra = _mm512_add_pd(
        _mm512_add_pd(_mm512_div_pd(_mm512_sub_pd(line.q, _mm512_mul_pd(line.n1, _mm512_set1_pd(g.half_height - 0.5 * g.dy))),
                                    _mm512_mul_pd(line.n0, _mm512_set1_pd(g.dx))),
                      _mm512_set1_pd(g.half_width / g.dx)),
        _mm512_set1_pd(-0.5));
    a = _mm512_mask_mov_pd(a, rows, ra);
  }
  if (rows != 0xFF) {  // column c at x = -w/2 + (c + 1/2) dx
    const D ca = _mm512_add_pd(
        _mm512_set1_pd(g.half_height / g.dy - 0.5),
        _mm512_div_pd(_mm512_sub_pd(_mm512_mul_pd(line.n0, _mm512_set1_pd(0.5 * g.dx - g.half_width)), line.q),
                      _mm512_mul_pd(line.n1, _mm512_set1_pd(g.dy))));
    a = _mm512_mask_mov_pd(a, static_cast<__mmask8>(~rows), ca);
  }
  const D steps = _mm512_mask_blend_pd(rows, _mm512_set1_pd(g.nx), _mm512_set1_pd(g.ny));
  const D across = _mm512_mask_blend_pd(rows, _mm512_set1_pd(g.ny), _mm512_set1_pd(g.nx));
  const D zero = _mm512_setzero_pd(), one = _mm512_set1_pd(1);
  auto floor = [](D x) { return _mm512_roundscale_pd(x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); };
  auto ceil = [](D x) { return _mm512_roundscale_pd(x, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC); };
  auto sorted = [&](D from, D to, D& tmin, D& tmax) {
    const D t1 = _mm512_mul_pd(_mm512_sub_pd(from, a), inverse), t2 = _mm512_mul_pd(_mm512_sub_pd(to, a), inverse);
    tmin = _mm512_min_pd(t1, t2);
    tmax = _mm512_max_pd(t2, t1);
  };
  // Steps with a + b k in (-1, across), widened by one (make_ray).
  D tmin, tmax;
  sorted(_mm512_set1_pd(-1), across, tmin, tmax);
  D lo = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(_mm512_sub_pd(tmin, one), zero, _CMP_GT_OQ), zero,
                              _mm512_sub_pd(floor(tmin), one));
  const D last_step = _mm512_sub_pd(steps, one);
  D hi = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(_mm512_add_pd(tmax, one), last_step, _CMP_LT_OQ), last_step,
                              _mm512_add_pd(ceil(tmax), one));
  if (flat) {
    const __mmask8 meets =
        _mm512_cmp_pd_mask(a, _mm512_set1_pd(-1), _CMP_GT_OQ) & _mm512_cmp_pd_mask(a, across, _CMP_LT_OQ);
    lo = _mm512_mask_mov_pd(lo, flat, zero);
    hi = _mm512_mask_mov_pd(hi, flat, _mm512_mask_blend_pd(meets, _mm512_set1_pd(-1), last_step));
  }
  // The interior: a + b k in [1/2, across - 3/2].
  sorted(_mm512_set1_pd(0.5), _mm512_sub_pd(across, _mm512_set1_pd(1.5)), tmin, tmax);
  D in_lo = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(tmin, lo, _CMP_GT_OQ), lo, ceil(tmin));
  D in_hi = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(tmax, hi, _CMP_LT_OQ), hi, floor(tmax));
  if (flat) {
    const __mmask8 inside = _mm512_cmp_pd_mask(a, _mm512_set1_pd(0.5), _CMP_GE_OQ) &
                            _mm512_cmp_pd_mask(a, _mm512_sub_pd(across, _mm512_set1_pd(1.5)), _CMP_LE_OQ);
    in_lo = _mm512_mask_mov_pd(in_lo, flat, lo);
    in_hi = _mm512_mask_mov_pd(in_hi, flat, _mm512_mask_blend_pd(inside, _mm512_sub_pd(lo, one), hi));
  }
  const __mmask8 empty = _mm512_cmp_pd_mask(lo, hi, _CMP_GT_OQ);
  const __mmask8 inner = static_cast<__mmask8>(~empty & _mm512_cmp_pd_mask(in_lo, in_hi, _CMP_LE_OQ) &
                                               _mm512_cmp_pd_mask(across, _mm512_set1_pd(2), _CMP_GE_OQ));
  RayLanes r;
  r.a = _mm512_cvtpd_ps(a);
  r.b = _mm512_cvtpd_ps(b);
  r.length = _mm512_cvtpd_ps(slopes.length);
  r.rows = rows;
  // Every value converted here is a step index within [-1, steps]: the
  // others were blended away.
  r.first = _mm512_cvttpd_epi32(_mm512_mask_mov_pd(lo, empty, zero));
  r.last = _mm512_cvttpd_epi32(_mm512_mask_mov_pd(hi, empty, _mm512_set1_pd(-1)));
  r.inner_first = _mm512_mask_cvttpd_epi32(_mm256_add_epi32(r.last, _mm256_set1_epi32(1)), inner, in_lo);
  r.inner_last = _mm512_mask_cvttpd_epi32(r.last, inner, in_hi);
  return r;
}

#pragma GCC diagnostic pop

}  // namespace structura::tomography::detail

#endif
