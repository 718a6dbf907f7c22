// exp(x) for x ≤ 0 as straight-line arithmetic that compilers vectorise (the
// E-step of mixture_em.cpp takes one exp per point and component, and
// glibc's scalar exp was most of its time). Cody–Waite reduction
// x = n ln 2 + r, |r| ≤ ln 2 / 2, then the Taylor polynomial of degree 13
// (truncation r¹⁴/14! < 2e−17 relative) and 2ⁿ put into the exponent bits.
// Within 2 ulp of std::exp on [−708, 0]; 0 below −708 (where exp is
// subnormal: a responsibility of 1e−308 changes no sum).
#pragma once

#include <bit>
#include <cstdint>

namespace structura::collapse {

inline double exp_nonpositive(double x) {
  constexpr double log2e = 1.4426950408889634074;
  constexpr double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  constexpr double shifter = 0x1.8p52;  // adding it rounds to an integer held in the low mantissa bits
  const bool underflow = x < -708.0;
  x = underflow ? -708.0 : x;
  const double t = x * log2e + shifter;
  const double n = t - shifter;
  const double r = (x - n * ln2_hi) - n * ln2_lo;
  double p = 1.0 / 6227020800.0;  // 1/13!
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  const std::int64_t k = std::bit_cast<std::int64_t>(t) - std::bit_cast<std::int64_t>(shifter);
  const double scale = std::bit_cast<double>((k + 1023) << 52);
  return underflow ? 0.0 : p * scale;
}

}  // namespace structura::collapse
