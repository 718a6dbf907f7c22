#include "canonicalisation/front_energy.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace structura::canonicalisation {

double FrontMoments::orientation() const { return 0.5 * std::atan2(2 * cxy, cxx - cyy); }

FrontMoments front_moments(const std::vector<double>& u, std::int64_t n, double length) {
  if (n < 1 || static_cast<std::int64_t>(u.size()) != n * n)
    throw InputError(fmt::format("front moments: {} values for a {}^2 grid", u.size(), n));
  const double h = length / double(n), c = length / 2;
  double M = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
  for (std::int64_t j = 0; j < n; ++j)
    for (std::int64_t i = 0; i < n; ++i) {
      const double f = 0.5 * (1 + u[static_cast<std::size_t>(j * n + i)]), w = f * f;
      const double x = double(i) * h - c, y = double(j) * h - c;
      M += w;
      sx += w * x;
      sy += w * y;
      sxx += w * x * x;
      sxy += w * x * y;
      syy += w * y * y;
    }
  FrontMoments m;
  m.mass = M * h * h;
  if (!(M > 0)) return m;
  const double ax = sx / M, ay = sy / M;
  m.mx = c + ax;
  m.my = c + ay;
  m.cxx = sxx / M - ax * ax;
  m.cxy = sxy / M - ax * ay;
  m.cyy = syy / M - ay * ay;
  return m;
}

FrontMoments move_moments(const pde::AllenCahnSymmetries& s, const pde::AcGroupElement& h, const FrontMoments& m) {
  const double c = s.length() / 2, co = std::cos(h.theta), si = std::sin(h.theta);
  FrontMoments out = m;
  const double dx = m.mx - c, dy = m.my - c;
  out.mx = c + co * dx - si * dy + h.bx;
  out.my = c + si * dx + co * dy + h.by;
  // C' = R C R^T
  out.cxx = co * co * m.cxx - 2 * co * si * m.cxy + si * si * m.cyy;
  out.cyy = si * si * m.cxx + 2 * co * si * m.cxy + co * co * m.cyy;
  out.cxy = co * si * (m.cxx - m.cyy) + (co * co - si * si) * m.cxy;
  return out;
}

std::vector<double> act_translating_first(const pde::AllenCahnSymmetries& s, const pde::AcGroupElement& h,
                                          const std::vector<double>& u, std::int64_t n) {
  // h = R_theta after T_{R(-theta) b}
  const double co = std::cos(h.theta), si = std::sin(h.theta);
  const pde::AcGroupElement shift{0, co * h.bx + si * h.by, -si * h.bx + co * h.by, h.tau, h.sign};
  const pde::AcGroupElement turn{h.theta, 0, 0, 0, 1};
  return s.act_on_field(turn, s.act_on_field(shift, u, n), n);
}

std::vector<double> act_rotating_first(const pde::AllenCahnSymmetries& s, const pde::AcGroupElement& h,
                                       const std::vector<double>& u, std::int64_t n) {
  // h = T_b after R_theta
  const pde::AcGroupElement turn{h.theta, 0, 0, 0, 1};
  const pde::AcGroupElement shift{0, h.bx, h.by, h.tau, h.sign};
  return s.act_on_field(shift, s.act_on_field(turn, u, n), n);
}

FrontEnergy::FrontEnergy(const AllenCahnGroup& group, std::vector<double> u, std::int64_t n, FrontEnergyOptions options,
                         FrontEvaluation evaluation)
    : group_(group),
      u_(std::move(u)),
      n_(n),
      options_(options),
      evaluation_(evaluation),
      moments_(front_moments(u_, n_, group.symmetries().length())) {
  if (!(options_.angle_scale > 0) || options_.angle_scale >= 1.5707963267948966)
    throw InputError(fmt::format("front energy: angle_scale {} must be in (0, pi/2)", options_.angle_scale));
  if (!(options_.position_scale > 0))
    throw InputError(fmt::format("front energy: position_scale {} must be > 0", options_.position_scale));
}

double FrontEnergy::of_moments(const FrontMoments& m) const {
  if (!(m.mass > 0)) return std::numeric_limits<double>::infinity();
  const double a = m.cxx - m.cyy, b = 2 * m.cxy, r = std::hypot(a, b);
  const double cos2 = r > 0 ? (a * std::cos(2 * options_.angle) + b * std::sin(2 * options_.angle)) / r : 0.0;
  const double s = std::sin(options_.angle_scale);
  const double angle_term = 0.5 * (1 - cos2) / (s * s);
  const double c = group_.symmetries().length() / 2;
  const double px = m.mx - c - options_.offset_x, py = m.my - c - options_.offset_y;
  return angle_term + (px * px + py * py) / (options_.position_scale * options_.position_scale);
}

double FrontEnergy::operator()(const Element& element) const {
  const pde::AcGroupElement h = AllenCahnGroup::unpack(element);
  if (h.sign != 1) return std::numeric_limits<double>::infinity();
  if (evaluation_ == FrontEvaluation::Equivariant) return of_moments(move_moments(group_.symmetries(), h, moments_));
  return of_moments(
      front_moments(act_translating_first(group_.symmetries(), h, u_, n_), n_, group_.symmetries().length()));
}

}  // namespace structura::canonicalisation
