#include "canonicalisation/pde_energies.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "canonicalisation/pde_frame.hpp"
#include "canonicalisation/pde_groups.hpp"
#include "core/error.hpp"

namespace structura::canonicalisation {

namespace {

struct Extent {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
};

double square(double v) { return v * v; }

double mismatch(const Extent& e, const Interval& target) { return square(e.lo - target.lo) + square(e.hi - target.hi); }

}  // namespace

DomainMismatchEnergy::DomainMismatchEnergy(const pde::SymmetryGroup& group, std::vector<double> x,
                                           std::vector<double> u0, std::vector<double> query_times,
                                           TrainingDomain domain)
    : group_(group), x_(std::move(x)), u0_(std::move(u0)), query_times_(std::move(query_times)), domain_(domain) {
  if (x_.empty() || x_.size() != u0_.size())
    throw InputError(fmt::format("canonicalisation: {} sensor points for {} initial values", x_.size(), u0_.size()));
}

double DomainMismatchEnergy::operator()(const Element& h_packed) const {
  const pde::GroupElement h = PdeSymmetryGroup::unpack(h_packed);
  Extent x0, t0, u0, xq, tq;
  for (std::size_t i = 0; i < x_.size(); ++i) {
    const pde::GraphPoint p = group_.act(h, {x_[i], 0.0, u0_[i]});
    x0.add(p.x);
    t0.add(p.t);
    u0.add(p.u);
    for (double t : query_times_) {
      const pde::GraphPoint q = group_.act(h, {x_[i], t, 0.0});
      xq.add(q.x);
      tq.add(q.t);
    }
  }
  double e = 0;
  if (domain_.x) {
    e += mismatch(x0, *domain_.x);
    if (!query_times_.empty()) e += mismatch(xq, *domain_.x);
  }
  if (domain_.t0) e += square(t0.lo - *domain_.t0) + square(t0.hi - *domain_.t0);
  if (domain_.t && !query_times_.empty()) e += mismatch(tq, *domain_.t);
  if (domain_.u) e += mismatch(u0, *domain_.u);
  return e;
}

GrfTypicalityEnergy::GrfTypicalityEnergy(const pde::SymmetryGroup& group, std::vector<double> u0,
                                         const pde::PeriodicGrfOptions& field, int modes, const std::string& key)
    : group_(group), u0_(std::move(u0)), field_(field), modes_(modes) {
  field_.validate();
  const auto n = static_cast<int>(u0_.size());
  if (modes_ < 1 || 2 * (modes_ + 1) > n)
    throw InputError(fmt::format("{}: must be in 1 .. N/2 - 1 = {} for a grid of {} points (got {})", key,
                                 n / 2 - 1, n, modes_));
  for (int m = 0; m < n; ++m) {  // cos and sin of 2 pi m / N, tabulated once
    cos_.push_back(std::cos(2 * std::numbers::pi * m / n));
    sin_.push_back(std::sin(2 * std::numbers::pi * m / n));
  }
  s1_ = pde::grf_mode_scale(field_, 1);  // a pow: once, not per candidate
  moments(u0_, mean0_, norm0_);
}

void GrfTypicalityEnergy::moments(std::span<const double> u, double& mean, double& norm) const {
  const auto n = static_cast<double>(u.size());
  mean = 0;
  for (double v : u) mean += v;
  mean /= n;
  // c_k = (sqrt2 / N) sum u cos(q_k x), (sqrt2 / N) sum u sin(q_k x) = s_k (a_k, b_k).
  norm = 0;
  const auto points = static_cast<std::int64_t>(u.size());
  for (int k = 1; k <= modes_; ++k) {
    double a = 0, b = 0;
    for (std::int64_t j = 0; j < points; ++j) {
      const std::size_t m = static_cast<std::size_t>((k * j) % points);
      a += u[static_cast<std::size_t>(j)] * cos_[m];
      b += u[static_cast<std::size_t>(j)] * sin_[m];
    }
    const double s = pde::grf_mode_scale(field_, k);
    norm += (square(a) + square(b)) * 2 / (n * n) / (s * s);
  }
}

double GrfTypicalityEnergy::energy(double mean, double norm) const {
  if (!(norm > 0)) return std::numeric_limits<double>::infinity();  // a constant field is no sample
  const double s1 = s1_;
  return 0.5 * square(std::log(norm / (2 * modes_))) + 0.5 * square(mean / s1);
}

double GrfTypicalityEnergy::of_field(std::span<const double> u) const {
  double mean = 0, norm = 0;
  moments(u, mean, norm);
  return energy(mean, norm);
}

double GrfTypicalityEnergy::operator()(const Element& h) const {
  const pde::GroupElement k = frame_element(group_, PdeSymmetryGroup::unpack(h));
  // The framed action on the moments (see the header): heat scales by e^s,
  // Burgers adds lambda1 to the mean; translations change neither.
  if (group_.equation() == pde::SymmetricEquation::Heat) {
    const double scale = std::exp(k.log_sigma);
    return energy(scale * mean0_, scale * scale * norm0_);
  }
  return energy(mean0_ + k.lambda1, norm0_);
}

void GrfTypicalityEnergy::energy_derivatives(double mean, double norm, double& d_mean, double& d_norm) const {
  d_mean = mean / (s1_ * s1_);
  d_norm = std::log(norm / (2 * modes_)) / norm;
}

bool TypicalityChartEnergy::covers(const std::vector<int>& generators) {
  for (int g : generators)
    if (g != 0 && g != 2) return false;
  return true;
}

TypicalityChartEnergy::TypicalityChartEnergy(const PdeSymmetryGroup& group, const GrfTypicalityEnergy& energy,
                                             const std::string& key)
    : energy_(energy), heat_(group.pde_group().equation() == pde::SymmetricEquation::Heat) {
  if (!covers(group.generators()))
    throw InputError(fmt::format("{}: the closed-form typicality energy covers the generators 0 (d_x) and 2 only",
                                 key));
  const auto scales = PdeSymmetryGroup::tied_scales(group.pde_group(), group.generators());
  for (std::size_t i = 0; i < group.generators().size(); ++i)
    if (group.generators()[i] == 2) {
      moment_coordinate_ = static_cast<int>(i);
      moment_scale_ = scales[i];
    }
}

EnergyBatch TypicalityChartEnergy::evaluate(const Element& base, std::span<const double> epsilon, int rows) const {
  // The base's own boost / amplitude (a translation changes no moment).
  const pde::GroupElement b = PdeSymmetryGroup::unpack(base);
  const double base_moment = heat_ ? b.log_sigma : b.lambda1;
  const auto k = static_cast<std::size_t>(epsilon.size() / static_cast<std::size_t>(std::max(rows, 1)));
  EnergyBatch out;
  out.energy.resize(static_cast<std::size_t>(rows));
  out.gradient.assign(static_cast<std::size_t>(rows) * k, 0.0);
  const double s1 = energy_.mode_one_scale(), two_m = 2.0 * energy_.modes();
  // Burgers: |z|^2 is that of u0 for every candidate, its log term once.
  const double burgers_log = std::log(energy_.norm0() / two_m);
  for (int r = 0; r < rows; ++r) {
    const double t = base_moment + (moment_coordinate_ >= 0
                                        ? moment_scale_ * epsilon[static_cast<std::size_t>(r) * k +
                                                                  static_cast<std::size_t>(moment_coordinate_)]
                                        : 0.0);
    double e = 0, d_t = 0;
    if (heat_) {  // (mean, |z|^2) = (e^t m0, e^2t q0): log(|z|^2 / 2M) = 2t + log(q0 / 2M)
      const double mean = std::exp(t) * energy_.mean0(), l = 2 * t + burgers_log;
      e = 0.5 * l * l + 0.5 * (mean / s1) * (mean / s1);
      d_t = 2 * l + mean * mean / (s1 * s1);
    } else {
      const double mean = energy_.mean0() + t;
      e = 0.5 * burgers_log * burgers_log + 0.5 * (mean / s1) * (mean / s1);
      d_t = mean / (s1 * s1);
    }
    if (!(energy_.norm0() > 0)) e = std::numeric_limits<double>::infinity();  // a constant field is no sample
    out.energy[static_cast<std::size_t>(r)] = e;
    if (moment_coordinate_ >= 0 && std::isfinite(e))
      out.gradient[static_cast<std::size_t>(r) * k + static_cast<std::size_t>(moment_coordinate_)] = moment_scale_ * d_t;
  }
  return out;
}

}  // namespace structura::canonicalisation
