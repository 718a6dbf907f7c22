// Measurement noise for sinograms. Every random draw is a pure function of
// (seed, sinogram index, element) through Philox (core/rng.hpp), so a noisy
// sinogram does not depend on how sinograms or their elements are spread
// over ranks or threads.
//
// Gaussian: y_noisy = y + sigma z, z ~ N(0, 1) (Box-Muller), with
//   sigma = level * mean(|y|) over the clean sinogram.
// Poisson (transmission CT with I0 incident photons per ray):
//   counts ~ Poisson(I0 exp(-y)),  y_noisy = -log(max(counts, 1) / I0),
// i.e. a ray that records zero photons is treated as having recorded one
// (the usual clamp that keeps the log finite; it biases the most
// attenuated rays towards log(I0)). Poisson draws use inversion (sequential
// search of the CDF, one uniform) for means below 10 and Hormann's PTRS
// (transformed rejection with squeeze, 1993; also numpy's method) above:
// both exact.
#pragma once

#include <cstdint>

namespace structura::tomography {

// One standard normal for (seed, index, element).
double standard_normal(std::uint64_t seed, std::uint64_t index, std::uint64_t element);

// One Poisson(lambda) count for (seed, index, element); lambda >= 0.
std::int64_t poisson_count(double lambda, std::uint64_t seed, std::uint64_t index, std::uint64_t element);

// sigma = level * mean(|y|); level >= 0 (InputError naming "noise level").
double gaussian_noise_sigma(const double* sinogram, long size, double level);

// In place on the whole sinogram number `index` (size elements). Returns sigma.
double add_gaussian_noise(double* sinogram, long size, double level, std::uint64_t seed, std::uint64_t index);
double add_gaussian_noise(float* sinogram, long size, double level, std::uint64_t seed, std::uint64_t index);

// For a sinogram split over ranks: adds sigma z to the local part, whose
// first element is element `first_element` of the whole sinogram (sigma
// computed globally by the caller, e.g. an allreduce of sum |y|).
void add_gaussian_noise_sigma(double* part, long size, double sigma, std::uint64_t seed, std::uint64_t index,
                              std::uint64_t first_element = 0);
void add_gaussian_noise_sigma(float* part, long size, double sigma, std::uint64_t seed, std::uint64_t index,
                              std::uint64_t first_element = 0);

// In place; photons = I0 > 0 (InputError naming "photon count I0"). Purely
// elementwise, so a part of a sinogram can be passed with its first_element.
void add_poisson_noise(double* sinogram, long size, double photons, std::uint64_t seed, std::uint64_t index,
                       std::uint64_t first_element = 0);
void add_poisson_noise(float* sinogram, long size, double photons, std::uint64_t seed, std::uint64_t index,
                       std::uint64_t first_element = 0);

}  // namespace structura::tomography
