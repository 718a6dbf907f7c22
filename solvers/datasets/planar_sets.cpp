#include "datasets/planar_sets.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"
#include "datasets/keyed_draws.hpp"

namespace structura::datasets {

namespace {

bool is_banana(PlanarKind k) { return k != PlanarKind::river; }

Vec2 variances_of(PlanarKind k) {
  switch (k) {
    case PlanarKind::banana: return {1.0 / 4.0, 4.0};
    case PlanarKind::squeezed_banana: return {1.0 / 81.0, 4.0};
    case PlanarKind::river: return {1.0 / 25.0, 3.0};
  }
  return {1.0, 1.0};
}

// The density as MALA's target (run_mala's Target concept).
struct PlanarTarget {
  const PlanarSet& set;
  int dimension() const { return 2; }
  double log_density(const double* x) const { return set.log_density({x[0], x[1]}); }
  void score(const double* x, double* g) const {
    const Vec2 s = set.score({x[0], x[1]});
    g[0] = s[0];
    g[1] = s[1];
  }
};

}  // namespace

PlanarSet::PlanarSet(PlanarKind kind)
    : kind_(kind),
      a_(variances_of(kind)),
      log_normaliser_(std::log(2.0 * 3.141592653589793238462643383279502884 * std::sqrt(a_[0] * a_[1]))) {}

double PlanarSet::shear(double x2) const { return is_banana(kind_) ? x2 * x2 / 9.0 : std::sin(2.0 * x2); }

double PlanarSet::shear_derivative(double x2) const {
  return is_banana(kind_) ? 2.0 * x2 / 9.0 : 2.0 * std::cos(2.0 * x2);
}

double PlanarSet::shear_second_derivative(double x2) const {
  return is_banana(kind_) ? 2.0 / 9.0 : -4.0 * std::sin(2.0 * x2);
}

Vec2 PlanarSet::phi(Vec2 x) const { return {x[0] - shear(x[1]), x[1]}; }

Vec2 PlanarSet::phi_inverse(Vec2 z) const { return {z[0] + shear(z[1]), z[1]}; }

Mat2 PlanarSet::jacobian(Vec2 x) const { return {1.0, -shear_derivative(x[1]), 0.0, 1.0}; }

double PlanarSet::log_density(Vec2 x) const {
  const Vec2 z = phi(x);
  return -0.5 * (z[0] * z[0] / a_[0] + z[1] * z[1] / a_[1]) - log_normaliser_;
}

Vec2 PlanarSet::score(Vec2 x) const {
  const Vec2 z = phi(x);
  const double w0 = z[0] / a_[0], w1 = z[1] / a_[1];
  // -D phi^T A^-1 z with D phi = [[1, -f'], [0, 1]].
  return {-w0, shear_derivative(x[1]) * w0 - w1};
}

MalaSettings reference_mala(PlanarKind kind) {
  return {0.1, kind == PlanarKind::banana ? std::int64_t(1000) : std::int64_t(2000)};
}

std::int64_t reference_samples(PlanarKind kind) { return kind == PlanarKind::banana ? 2500 : 5000; }

PlanarSampler parse_planar_sampler(std::string_view name) {
  if (name == "exact") return PlanarSampler::exact;
  if (name == "mala") return PlanarSampler::mala;
  throw InputError(fmt::format("data.sampler: unknown sampler '{}' (expected exact or mala)", name));
}

ManifoldRows generate_planar(const PlanarSettings& settings, std::uint64_t seed, std::int64_t first,
                             std::int64_t count) {
  if (settings.sampler == PlanarSampler::mala) return generate_planar_mala(settings, seed, first, count);
  check_rows_request(first, count);
  const PlanarSet set(settings.kind);
  const Vec2 a = set.variances();
  const double s0 = std::sqrt(a[0]), s1 = std::sqrt(a[1]);
  const CounterRng rng(seed, manifold_streams::planar_exact);
  ManifoldRows rows{first, count, 2, std::vector<double>(std::size_t(count) * 2)};
  for (std::int64_t r = 0; r < count; ++r) {
    KeyedDraws draws(rng, static_cast<std::uint64_t>(first + r));
    const double n0 = draws.normal(), n1 = draws.normal();
    const Vec2 x = set.phi_inverse({s0 * n0, s1 * n1});
    rows.row(r)[0] = x[0];
    rows.row(r)[1] = x[1];
  }
  return rows;
}

ManifoldRows generate_planar_mala(const PlanarSettings& settings, std::uint64_t seed, std::int64_t first,
                                  std::int64_t count, MalaCounts* counts) {
  check_rows_request(first, count);
  const PlanarSet set(settings.kind);
  ManifoldRows rows{first, count, 2, std::vector<double>(std::size_t(count) * 2)};
  const MalaCounts c = run_mala(PlanarTarget{set}, settings.mala, CounterRng(seed, manifold_streams::planar_mala),
                                first, count, rows.values.data());
  if (counts) *counts = c;
  return rows;
}

}  // namespace structura::datasets
