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
}

double GrfTypicalityEnergy::of_field(std::span<const double> u) const {
  const auto n = static_cast<double>(u.size());
  double mean = 0;
  for (double v : u) mean += v;
  mean /= n;
  // c_k = (sqrt2 / N) sum u cos(q_k x), (sqrt2 / N) sum u sin(q_k x) = s_k (a_k, b_k).
  double norm = 0;
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
  if (!(norm > 0)) return std::numeric_limits<double>::infinity();  // a constant field is no sample
  const double s1 = pde::grf_mode_scale(field_, 1);
  return 0.5 * square(std::log(norm / (2 * modes_))) + 0.5 * square(mean / s1);
}

double GrfTypicalityEnergy::operator()(const Element& h) const {
  const pde::GroupElement k = frame_element(group_, PdeSymmetryGroup::unpack(h));
  return of_field(to_frame(group_, k, u0_, field_.length));
}

}  // namespace structura::canonicalisation
