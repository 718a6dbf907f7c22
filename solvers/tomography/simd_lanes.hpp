// AVX-512 vectors of T (float: 16 lanes, double: 8) behind one interface, for
// the CPU kernels that vectorise across columns (FBP) or across detectors
// (the projector pair). Each kernel keeps a portable path; this header is
// only for the build where the compiler targets AVX-512F, DQ and BW and BMI2
// (-march=native on such a machine: every AVX-512 CPU since Skylake-SP has
// them), which STRUCTURA_AVX512 then announces.
#pragma once

#if defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__AVX512BW__) && defined(__BMI2__)
#include <immintrin.h>

#include <cstdint>

#define STRUCTURA_AVX512 1

namespace structura::tomography::simd {

// GCC 12 reports the intrinsics' _mm512_undefined operands as maybe
// uninitialized when they are inlined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

template <class T>
struct Lanes;

template <>
struct Lanes<float> {
  static constexpr int W = 16;
  using R = __m512;   // reals
  using I = __m512i;  // indices, one per lane (32 bit)
  using M = __mmask16;
  static R set1(float a) { return _mm512_set1_ps(a); }
  static R load(const float* p) { return _mm512_loadu_ps(p); }
  static R maskz_load(M m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
  static void mask_store(float* p, M m, R v) { _mm512_mask_storeu_ps(p, m, v); }
  static R fmadd(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static R add(R a, R b) { return _mm512_add_ps(a, b); }
  static R sub(R a, R b) { return _mm512_sub_ps(a, b); }
  static R mul(R a, R b) { return _mm512_mul_ps(a, b); }
  static R div(R a, R b) { return _mm512_div_ps(a, b); }
  static R max(R a, R b) { return _mm512_max_ps(a, b); }  // b where a is NaN
  static R min(R a, R b) { return _mm512_min_ps(a, b); }
  static R floor(R a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
  static M eq(R a, R b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
  static I trunc(R a) { return _mm512_cvttps_epi32(a); }
  static R to_real(I i) { return _mm512_cvtepi32_ps(i); }
  static long first(I i) { return _mm512_cvtsi512_si32(i); }
  static long last(I i) { return _mm_extract_epi32(_mm512_extracti32x4_epi32(i, 3), 3); }
  static long reduce_min(I i) { return _mm512_reduce_min_epi32(i); }
  static long reduce_max(I i) { return _mm512_reduce_max_epi32(i); }
  static I offset(I i, long d) { return _mm512_add_epi32(i, _mm512_set1_epi32(static_cast<int>(d))); }
  // Lanes whose index, read as unsigned, exceeds n: negative ones too.
  static M above(I i, long n) { return _mm512_cmpgt_epu32_mask(i, _mm512_set1_epi32(static_cast<int>(n))); }
  // Lanes with 0 <= i < n.
  static M within(I i, long n) { return _mm512_cmplt_epu32_mask(i, _mm512_set1_epi32(static_cast<int>(n))); }
  static R permute(R lo, I idx, R hi) { return _mm512_permutex2var_ps(lo, idx, hi); }
  static R gather(I idx, const float* base) { return _mm512_i32gather_ps(idx, base, 4); }
  static R maskz_gather(M m, I idx, const float* base) {
    return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, idx, base, 4);
  }
  static M prefix(long n) { return n <= 0 ? M(0) : n >= W ? M(0xFFFF) : M((1u << n) - 1); }
  // For scatters (adjoint_band.hpp).
  static R maskz_permutexvar(M m, I idx, R v) { return _mm512_maskz_permutexvar_ps(m, idx, v); }
  static R permutexvar(I idx, R v) { return _mm512_permutexvar_ps(idx, v); }
  static I iota() { return _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15); }
  // floor(a) as integers in one instruction (the same as trunc(floor(a))).
  static I floor_int(R a) { return _mm512_cvt_roundps_epi32(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
  using Index = std::int32_t;
  static void store_i(Index* p, I i) { _mm512_storeu_si512(p, i); }
  static I sub_i(I a, I b) { return _mm512_sub_epi32(a, b); }
  static I mask_blend_i(M m, I a, I b) { return _mm512_mask_blend_epi32(m, a, b); }  // b where m is set
  // Lane j: i[j + 1] - i[j] (lane W - 1: i[0] - i[W - 1]).
  static I next_difference(I i) { return _mm512_sub_epi32(_mm512_alignr_epi32(i, i, 1), i); }
  // Lanes whose bit `bit` is set; lanes with any bit of `bits` set.
  static M bit(I i, int b) { return _mm512_movepi32_mask(_mm512_sllv_epi32(i, _mm512_set1_epi32(31 - b))); }
  static M any_bit(I i, long bits) { return _mm512_test_epi32_mask(i, _mm512_set1_epi32(static_cast<int>(bits))); }
  static I broadcast(std::uint64_t v) { return _mm512_set1_epi32(static_cast<int>(v)); }
  // Lane p: (1 << (p + first)) - 1.
  static I low_bits(int first) {
    return _mm512_sub_epi32(_mm512_sllv_epi32(_mm512_set1_epi32(1), offset(iota(), first)), _mm512_set1_epi32(1));
  }
  // The number of set bits of (i & m) per lane.
  static I popcount_and(I i, I m) {
    const __m512i v = _mm512_and_si512(i, m);
#ifdef __AVX512VPOPCNTDQ__
    return _mm512_popcnt_epi32(v);
#else
    return _mm512_madd_epi16(_mm512_maddubs_epi16(byte_popcount(v), _mm512_set1_epi8(1)), _mm512_set1_epi16(1));
#endif
  }
#ifndef __AVX512VPOPCNTDQ__
  // Bits set per byte, by nibble table (CPUs without VPOPCNTDQ).
  static __m512i byte_popcount(__m512i v) {
    const __m512i table = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4));
    const __m512i nibble = _mm512_set1_epi8(0x0F);
    return _mm512_add_epi8(_mm512_shuffle_epi8(table, _mm512_and_si512(v, nibble)),
                           _mm512_shuffle_epi8(table, _mm512_and_si512(_mm512_srli_epi16(v, 4), nibble)));
  }
#endif
};

template <>
struct Lanes<double> {
  static constexpr int W = 8;
  using R = __m512d;
  using I = __m512i;  // 64 bit per lane
  using M = __mmask8;
  static R set1(double a) { return _mm512_set1_pd(a); }
  static R load(const double* p) { return _mm512_loadu_pd(p); }
  static R maskz_load(M m, const double* p) { return _mm512_maskz_loadu_pd(m, p); }
  static void mask_store(double* p, M m, R v) { _mm512_mask_storeu_pd(p, m, v); }
  static R fmadd(R a, R b, R c) { return _mm512_fmadd_pd(a, b, c); }
  static R add(R a, R b) { return _mm512_add_pd(a, b); }
  static R sub(R a, R b) { return _mm512_sub_pd(a, b); }
  static R mul(R a, R b) { return _mm512_mul_pd(a, b); }
  static R div(R a, R b) { return _mm512_div_pd(a, b); }
  static R max(R a, R b) { return _mm512_max_pd(a, b); }
  static R min(R a, R b) { return _mm512_min_pd(a, b); }
  static R floor(R a) { return _mm512_roundscale_pd(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
  static M eq(R a, R b) { return _mm512_cmp_pd_mask(a, b, _CMP_EQ_OQ); }
  static I trunc(R a) { return _mm512_cvttpd_epi64(a); }
  static R to_real(I i) { return _mm512_cvtepi64_pd(i); }
  static long first(I i) { return _mm_cvtsi128_si64(_mm512_castsi512_si128(i)); }
  static long last(I i) { return _mm_extract_epi64(_mm512_extracti64x2_epi64(i, 3), 1); }
  static long reduce_min(I i) { return _mm512_reduce_min_epi64(i); }
  static long reduce_max(I i) { return _mm512_reduce_max_epi64(i); }
  static I offset(I i, long d) { return _mm512_add_epi64(i, _mm512_set1_epi64(d)); }
  static M above(I i, long n) { return _mm512_cmpgt_epu64_mask(i, _mm512_set1_epi64(n)); }
  static M within(I i, long n) { return _mm512_cmplt_epu64_mask(i, _mm512_set1_epi64(n)); }
  static R permute(R lo, I idx, R hi) { return _mm512_permutex2var_pd(lo, idx, hi); }
  static R gather(I idx, const double* base) { return _mm512_i64gather_pd(idx, base, 8); }
  static R maskz_gather(M m, I idx, const double* base) {
    return _mm512_mask_i64gather_pd(_mm512_setzero_pd(), m, idx, base, 8);
  }
  static M prefix(long n) { return n <= 0 ? M(0) : n >= W ? M(0xFF) : M((1u << n) - 1); }
  static R maskz_permutexvar(M m, I idx, R v) { return _mm512_maskz_permutexvar_pd(m, idx, v); }
  static R permutexvar(I idx, R v) { return _mm512_permutexvar_pd(idx, v); }
  static I iota() { return _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7); }
  static I floor_int(R a) { return _mm512_cvt_roundpd_epi64(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
  using Index = std::int64_t;
  static void store_i(Index* p, I i) { _mm512_storeu_si512(p, i); }
  static I sub_i(I a, I b) { return _mm512_sub_epi64(a, b); }
  static I mask_blend_i(M m, I a, I b) { return _mm512_mask_blend_epi64(m, a, b); }
  static I next_difference(I i) { return _mm512_sub_epi64(_mm512_alignr_epi64(i, i, 1), i); }
  static M bit(I i, int b) { return _mm512_movepi64_mask(_mm512_sllv_epi64(i, _mm512_set1_epi64(63 - b))); }
  static M any_bit(I i, long bits) { return _mm512_test_epi64_mask(i, _mm512_set1_epi64(bits)); }
  static I broadcast(std::uint64_t v) { return _mm512_set1_epi64(static_cast<long long>(v)); }
  static I low_bits(int first) {
    return _mm512_sub_epi64(_mm512_sllv_epi64(_mm512_set1_epi64(1), offset(iota(), first)), _mm512_set1_epi64(1));
  }
  static I popcount_and(I i, I m) {
    const __m512i v = _mm512_and_si512(i, m);
#ifdef __AVX512VPOPCNTDQ__
    return _mm512_popcnt_epi64(v);
#else
    return _mm512_sad_epu8(Lanes<float>::byte_popcount(v), _mm512_setzero_si512());
#endif
  }
};

#pragma GCC diagnostic pop

}  // namespace structura::tomography::simd

#endif
