#include "collapse/gaussian_mixture.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace structura::collapse {

namespace {

constexpr double kLogTwoPi = 1.8378770664093454836;

bool all_finite(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

// |L⁻¹ δ|² by forward substitution, y scratch of d values.
double mahalanobis_squared(const double* lower, const double* delta, int d, double* y) {
  double quad = 0;
  for (int i = 0; i < d; ++i) {
    double s = delta[i];
    for (int j = 0; j < i; ++j) s -= lower[i * d + j] * y[j];
    y[i] = s / lower[i * d + i];
    quad += y[i] * y[i];
  }
  return quad;
}

// log det(L Lᵀ) of a lower factor.
double log_det_of_factor(const double* lower, int d) {
  double log_det = 0;
  for (int i = 0; i < d; ++i) log_det += 2 * std::log(lower[i * d + i]);
  return log_det;
}

// Σ_ij w_i w_j N(μ_i; μ_j, Σ_i + Σ_j) over the components of p and q.
double cross_term(const GaussianMixture& p, const GaussianMixture& q) {
  const int d = p.dimension;
  std::vector<double> sum(static_cast<std::size_t>(d) * d), delta(static_cast<std::size_t>(d)),
      y(static_cast<std::size_t>(d));
  double total = 0;
  for (int i = 0; i < p.components(); ++i)
    for (int j = 0; j < q.components(); ++j) {
      for (int a = 0; a < d * d; ++a) sum[a] = p.covariance(i)[a] + q.covariance(j)[a];
      for (int a = 0; a < d; ++a) delta[a] = p.mean(i)[a] - q.mean(j)[a];
      if (!cholesky_in_place(sum.data(), d)) throw NumericalError("l2_distance: a sum of covariances is singular");
      const double log_n = -0.5 * (d * kLogTwoPi + log_det_of_factor(sum.data(), d) +
                                   mahalanobis_squared(sum.data(), delta.data(), d, y.data()));
      total += p.weights[i] * q.weights[j] * std::exp(log_n);
    }
  return total;
}

}  // namespace

bool cholesky_in_place(double* a, int d) {
  for (int j = 0; j < d; ++j) {
    double diag = a[j * d + j];
    for (int k = 0; k < j; ++k) diag -= a[j * d + k] * a[j * d + k];
    if (!(diag > 0) || !std::isfinite(diag)) return false;
    const double l = std::sqrt(diag);
    a[j * d + j] = l;
    for (int i = j + 1; i < d; ++i) {
      double s = a[i * d + j];
      for (int k = 0; k < j; ++k) s -= a[i * d + k] * a[j * d + k];
      a[i * d + j] = s / l;
    }
    for (int i = 0; i < j; ++i) a[i * d + j] = 0;  // the upper part
  }
  return true;
}

void GaussianMixture::validate(const std::string& where) const {
  const int k = components();
  require(dimension >= 1, fmt::format("{}: the dimension must be at least 1, got {}", where, dimension));
  require(k >= 1, fmt::format("{}.weights: a mixture needs at least 1 component", where));
  require(means.size() == static_cast<std::size_t>(k) * dimension,
          fmt::format("{}.means: expected {} x {} values, got {}", where, k, dimension, means.size()));
  require(covariances.size() == static_cast<std::size_t>(k) * dimension * dimension,
          fmt::format("{}.covariances: expected {} x {} x {} values, got {}", where, k, dimension, dimension,
                      covariances.size()));
  require(all_finite(weights) && all_finite(means) && all_finite(covariances),
          fmt::format("{}: weights, means and covariances must be finite", where));
  double total = 0;
  for (double w : weights) {
    require(w >= 0, fmt::format("{}.weights: a weight is negative ({})", where, w));
    total += w;
  }
  require(std::abs(total - 1) <= 1e-9, fmt::format("{}.weights: they sum to {}, not 1", where, total));
  for (int c = 0; c < k; ++c) {
    const double* s = covariance(c);
    for (int i = 0; i < dimension; ++i)
      for (int j = 0; j < i; ++j)
        require(std::abs(s[i * dimension + j] - s[j * dimension + i]) <=
                    1e-12 * (std::abs(s[i * dimension + i]) + std::abs(s[j * dimension + j])),
                fmt::format("{}.covariances: component {} is not symmetric", where, c));
  }
  factorise(*this, where);
}

MixtureFactors factorise(const GaussianMixture& m, const std::string& where) {
  const int d = m.dimension, k = m.components();
  MixtureFactors f;
  f.dimension = d;
  f.components = k;
  f.lower = m.covariances;
  f.log_norm.resize(static_cast<std::size_t>(k));
  for (int c = 0; c < k; ++c) {
    double* l = f.lower.data() + static_cast<std::size_t>(c) * d * d;
    require(cholesky_in_place(l, d),
            fmt::format("{}.covariances: component {} is not positive definite", where, c));
    f.log_norm[c] = std::log(m.weights[c]) - 0.5 * (d * kLogTwoPi + log_det_of_factor(l, d));
  }
  return f;
}

std::vector<double> log_density(const GaussianMixture& m, std::span<const double> points) {
  const int d = m.dimension, k = m.components();
  require(d >= 1 && points.size() % static_cast<std::size_t>(d) == 0,
          fmt::format("log_density: {} values are not rows of {} coordinates", points.size(), d));
  const MixtureFactors f = factorise(m);
  const std::size_t n = points.size() / static_cast<std::size_t>(d);
  std::vector<double> out(n), a(static_cast<std::size_t>(k)), delta(static_cast<std::size_t>(d)),
      y(static_cast<std::size_t>(d));
  for (std::size_t p = 0; p < n; ++p) {
    double top = -INFINITY;
    for (int c = 0; c < k; ++c) {
      for (int i = 0; i < d; ++i) delta[i] = points[p * d + i] - m.mean(c)[i];
      a[c] = f.log_norm[c] - 0.5 * mahalanobis_squared(f.factor(c), delta.data(), d, y.data());
      top = std::max(top, a[c]);
    }
    double s = 0;
    for (int c = 0; c < k; ++c) s += std::exp(a[c] - top);
    out[p] = top + std::log(s);
  }
  return out;
}

std::vector<double> sample_mixture(const GaussianMixture& m, std::uint64_t seed, std::uint64_t stream,
                                   std::int64_t first, std::int64_t count) {
  require(first >= 0 && count >= 0,
          fmt::format("sample_mixture: first and count must be >= 0, got {} and {}", first, count));
  const int d = m.dimension, k = m.components();
  const MixtureFactors f = factorise(m);
  const CounterRng rng(seed, stream);
  std::vector<double> out(static_cast<std::size_t>(count) * d), z(static_cast<std::size_t>(d) + 1);
  for (std::int64_t r = 0; r < count; ++r) {
    const auto item = static_cast<std::uint64_t>(first + r);
    // Counter 0: the component's uniform (and three spare); counters 1..: normals in pairs.
    const double u = rng.uniform4(item, 0).u[0];
    int c = 0;
    for (double cumulative = m.weights[0]; c + 1 < k && u >= cumulative; cumulative += m.weights[++c]) {
    }
    for (int i = 0; i < d; i += 4) {
      const Uniform4 v = rng.uniform4(item, 1 + static_cast<std::uint64_t>(i / 4));
      double pair[4];
      box_muller(v.u[0], v.u[1], pair[0], pair[1]);
      box_muller(v.u[2], v.u[3], pair[2], pair[3]);
      for (int j = 0; j < 4 && i + j < d; ++j) z[i + j] = pair[j];
    }
    double* x = out.data() + static_cast<std::size_t>(r) * d;
    const double* l = f.factor(c);
    for (int i = 0; i < d; ++i) {
      double s = m.mean(c)[i];
      for (int j = 0; j <= i; ++j) s += l[i * d + j] * z[j];
      x[i] = s;
    }
  }
  return out;
}

double l2_distance_squared(const GaussianMixture& p, const GaussianMixture& q) {
  require(p.dimension == q.dimension,
          fmt::format("l2_distance: the mixtures live in {} and {} dimensions", p.dimension, q.dimension));
  return std::max(0.0, cross_term(p, p) + cross_term(q, q) - 2 * cross_term(p, q));
}

double l2_distance(const GaussianMixture& p, const GaussianMixture& q) { return std::sqrt(l2_distance_squared(p, q)); }

}  // namespace structura::collapse
