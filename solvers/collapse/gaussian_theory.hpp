// Exact expectations of the single-Gaussian recursion (gaussian_recursion.hpp),
// without the accumulate control. Derivation: generation i + 1 fits M = M_i
// samples of N(μ_i, σ_i²). By Cochran's theorem the sample mean and scatter
// are independent, μ_{i+1} = μ_i + σ_i Z/√M with Z ~ N(0, 1), and
// σ²_{i+1} = σ_i² S / c with S ~ χ²_{M−1}, c = M (biased) or M − 1
// (unbiased), both independent of the past.
//
//   E[σ²_{i+1} | past] = σ_i² (M − 1)/c
//     ⇒ E[σ²_n] = σ₀² Π_{i<n} (M_i − 1)/c_i
//        (= σ₀² unbiased, σ₀² Π (M_i − 1)/M_i biased);
//   E[(μ_{i+1} − μ₀)²] = E[(μ_i − μ₀)²] + E[σ_i²]/M_i  (the cross term vanishes: E Z = 0)
//     ⇒ E[(μ_n − μ₀)²] = Σ_{i<n} E[σ²_i]/M_i
//        (= σ₀² Σ 1/M_i unbiased, σ₀² Σ_i (1/M_i) Π_{j<i} (M_j − 1)/M_j biased);
//   log σ²_n = log σ₀² + Σ_{i<n} log(S_i / c_i), a sum of independent terms with
//     E log χ²_k = ψ(k/2) + log 2 and Var log χ²_k = ψ'(k/2), so
//     E[log σ²_n] = log σ₀² + Σ_{i<n} [ψ((M_i − 1)/2) + log(2/c_i)],
//     Var[log σ²_n] = Σ_{i<n} ψ'((M_i − 1)/2).
// The drift ψ((M − 1)/2) + log(2/c) is negative for either c (Jensen: E log S
// < log E S = log(M − 1) ≤ log c), so log σ²_n is a random walk with negative
// drift and σ²_n → 0 almost surely, while E[σ²_n] stays σ₀² for the unbiased
// estimator.
#pragma once

#include <cstdint>
#include <vector>

#include "collapse/gaussian_recursion.hpp"

namespace structura::collapse {

// One entry per generation g = 0 .. generations.
struct GaussianTheory {
  std::vector<double> mu_error_sq;         // E[(μ_g − μ₀)²]
  std::vector<double> sigma2;              // E[σ²_g]
  std::vector<double> log_sigma2;          // E[log σ²_g]
  std::vector<double> log_sigma2_variance; // Var[log σ²_g]
};

// Throws InputError if options.accumulate (no closed form is claimed there).
GaussianTheory gaussian_theory(const GaussianRecursionOptions& options);

// The per-generation drift E[log(σ²_{g+1}/σ²_g)] for M samples.
double log_sigma2_drift(std::int64_t samples, VarianceEstimator estimator);

}  // namespace structura::collapse
