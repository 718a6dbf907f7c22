#include "collapse/gaussian_theory.hpp"

#include <cmath>

#include "collapse/special_functions.hpp"
#include "core/error.hpp"

namespace structura::collapse {

namespace {
double divisor(std::int64_t m, VarianceEstimator e) {
  return e == VarianceEstimator::Biased ? static_cast<double>(m) : static_cast<double>(m - 1);
}
}  // namespace

double log_sigma2_drift(std::int64_t samples, VarianceEstimator estimator) {
  return digamma(0.5 * static_cast<double>(samples - 1)) + std::log(2.0 / divisor(samples, estimator));
}

GaussianTheory gaussian_theory(const GaussianRecursionOptions& o) {
  o.validate();
  require(!o.accumulate, "gaussian.accumulate: the closed-form theory covers the plain recursion only");
  GaussianTheory t;
  const double s0 = o.sigma0 * o.sigma0;
  double sigma2 = s0, mu = 0, log_mean = std::log(s0), log_var = 0;
  for (std::int64_t g = 0;; ++g) {
    t.mu_error_sq.push_back(mu);
    t.sigma2.push_back(sigma2);
    t.log_sigma2.push_back(log_mean);
    t.log_sigma2_variance.push_back(log_var);
    if (g == o.generations) break;
    const std::int64_t m = o.samples_at(g);
    mu += sigma2 / static_cast<double>(m);
    sigma2 *= static_cast<double>(m - 1) / divisor(m, o.estimator);
    log_mean += log_sigma2_drift(m, o.estimator);
    log_var += trigamma(0.5 * static_cast<double>(m - 1));
  }
  return t;
}

}  // namespace structura::collapse
