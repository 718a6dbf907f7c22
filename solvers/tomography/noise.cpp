#include "tomography/noise.hpp"

#include <cmath>
#include <string>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace structura::tomography {

namespace {

// Philox keys are (seed, stream tag); the counter is (sinogram index, draw).
// Distinct tags keep Gaussian, Poisson and phantom numbers independent when
// a user reuses one seed for all of them.
constexpr std::uint64_t kGaussianStream = 0x6761757373696e6eull;  // "gaussinn"
constexpr std::uint64_t kPoissonStream = 0x706f6973736f6e6eull;   // "poissonn"
// Poisson draw counters: element << 8 | round, so PTRS may use up to 256
// rounds of 4 uniforms (2 proposals each) per element; elements < 2^56.
constexpr int kRoundBits = 8;

std::int64_t poisson_inversion(double lambda, double u) {
  // Sequential search: smallest k with F(k) >= u. lambda < 10, so
  // exp(-lambda) > 4.5e-5 and the pmf recursion stays accurate; the cap
  // guards against u within rounding of 1.
  double p = std::exp(-lambda), cdf = p;
  std::int64_t k = 0;
  while (u > cdf && k < 1000) {
    ++k;
    p *= lambda / static_cast<double>(k);
    cdf += p;
  }
  return k;
}

// Hormann, "The transformed rejection method for generating Poisson random
// variables", Insurance: Mathematics and Economics 12 (1993), PTRS, lambda >= 10.
std::int64_t poisson_ptrs(double lambda, const CounterRng& rng, std::uint64_t index, std::uint64_t element) {
  const double slam = std::sqrt(lambda), loglam = std::log(lambda);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2.0);
  for (std::uint64_t round = 0; round < (1u << kRoundBits); ++round) {
    const auto r = rng.uniform4(index, (element << kRoundBits) | round);
    for (int t = 0; t < 2; ++t) {
      const double U = r.u[2 * t] - 0.5, V = r.u[2 * t + 1];
      const double us = 0.5 - std::abs(U);
      const auto k = static_cast<std::int64_t>(std::floor((2.0 * a / us + b) * U + lambda + 0.43));
      if (us >= 0.07 && V <= vr) return k;
      if (k < 0 || (us < 0.013 && V > us)) continue;
      if (std::log(V) + std::log(invalpha) - std::log(a / (us * us) + b) <=
          -lambda + static_cast<double>(k) * loglam - std::lgamma(static_cast<double>(k) + 1.0))
        return k;
    }
  }
  // Acceptance is > 0.9 per proposal, so 512 rejections in a row do not
  // happen (probability < 1e-500); keep a defined answer anyway.
  return static_cast<std::int64_t>(std::llround(lambda));
}

template <class T>
double gaussian_sigma(const T* y, long size, double level) {
  require(std::isfinite(level) && level >= 0.0, "noise level: must be finite and >= 0, got " + std::to_string(level));
  require(size > 0, "sinogram: empty, no noise level can be set");
  double sum = 0.0;
  for (long e = 0; e < size; ++e) sum += std::abs(static_cast<double>(y[e]));
  return level * sum / static_cast<double>(size);
}

}  // namespace

double standard_normal(std::uint64_t seed, std::uint64_t index, std::uint64_t element) {
  // Draw element/2 holds four uniforms = two Box-Muller pairs; element
  // parity picks the pair, so each element uses its own two uniforms.
  const auto r = CounterRng(seed, kGaussianStream).uniform4(index, element / 2);
  const int pair = static_cast<int>(element % 2);
  double z1, z2;
  box_muller(r.u[2 * pair], r.u[2 * pair + 1], z1, z2);
  return z1;
}

std::int64_t poisson_count(double lambda, std::uint64_t seed, std::uint64_t index, std::uint64_t element) {
  require(std::isfinite(lambda) && lambda >= 0.0, "lambda: Poisson mean must be finite and >= 0");
  if (lambda == 0.0) return 0;
  const CounterRng rng(seed, kPoissonStream);
  if (lambda < 10.0) return poisson_inversion(lambda, rng.uniform4(index, element << kRoundBits).u[0]);
  return poisson_ptrs(lambda, rng, index, element);
}

double gaussian_noise_sigma(const double* sinogram, long size, double level) {
  return gaussian_sigma(sinogram, size, level);
}

namespace {

template <class T>
void add_gaussian_sigma(T* y, long size, double sigma, std::uint64_t seed, std::uint64_t index, std::uint64_t first) {
  require(std::isfinite(sigma) && sigma >= 0.0, "noise sigma: must be finite and >= 0, got " + std::to_string(sigma));
  if (sigma == 0.0) return;
  for (long e = 0; e < size; ++e)
    y[e] = static_cast<T>(y[e] + sigma * standard_normal(seed, index, first + static_cast<std::uint64_t>(e)));
}

template <class T>
void add_poisson(T* y, long size, double photons, std::uint64_t seed, std::uint64_t index, std::uint64_t first) {
  require(std::isfinite(photons) && photons > 0.0,
          "photon count I0: must be finite and > 0, got " + std::to_string(photons));
  const double log_i0 = std::log(photons);
  for (long e = 0; e < size; ++e) {
    const double lambda = photons * std::exp(-static_cast<double>(y[e]));
    require(std::isfinite(lambda), "sinogram: I0 exp(-y) is not finite at element " + std::to_string(e));
    const auto counts = poisson_count(lambda, seed, index, first + static_cast<std::uint64_t>(e));
    // Zero photons -> one photon, so the log stays finite (see the header).
    y[e] = static_cast<T>(log_i0 - std::log(static_cast<double>(counts > 0 ? counts : 1)));
  }
}

}  // namespace

double add_gaussian_noise(double* sinogram, long size, double level, std::uint64_t seed, std::uint64_t index) {
  const double sigma = gaussian_sigma(sinogram, size, level);
  add_gaussian_sigma(sinogram, size, sigma, seed, index, 0);
  return sigma;
}
void add_gaussian_noise_sigma(double* part, long size, double sigma, std::uint64_t seed, std::uint64_t index,
                              std::uint64_t first_element) {
  add_gaussian_sigma(part, size, sigma, seed, index, first_element);
}
void add_poisson_noise(double* sinogram, long size, double photons, std::uint64_t seed, std::uint64_t index,
                       std::uint64_t first_element) {
  add_poisson(sinogram, size, photons, seed, index, first_element);
}

double add_gaussian_noise(float* sinogram, long size, double level, std::uint64_t seed, std::uint64_t index) {
  const double sigma = gaussian_sigma(sinogram, size, level);
  add_gaussian_sigma(sinogram, size, sigma, seed, index, 0);
  return sigma;
}
void add_gaussian_noise_sigma(float* part, long size, double sigma, std::uint64_t seed, std::uint64_t index,
                              std::uint64_t first_element) {
  add_gaussian_sigma(part, size, sigma, seed, index, first_element);
}
void add_poisson_noise(float* sinogram, long size, double photons, std::uint64_t seed, std::uint64_t index,
                       std::uint64_t first_element) {
  add_poisson(sinogram, size, photons, seed, index, first_element);
}

}  // namespace structura::tomography
