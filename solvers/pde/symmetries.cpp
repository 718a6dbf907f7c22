#include "pde/symmetries.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"

namespace structura::pde {

namespace {

double denominator(const GroupElement& g, double t) { return g.gamma * t + g.delta; }

// The (x, t) part of compose(): M2 M1 and lambda_1 + M1^T lambda_2.
GroupElement compose_base(const GroupElement& g2, const GroupElement& g1) {
  GroupElement g;
  g.alpha = g2.alpha * g1.alpha + g2.beta * g1.gamma;
  g.beta = g2.alpha * g1.beta + g2.beta * g1.delta;
  g.gamma = g2.gamma * g1.alpha + g2.delta * g1.gamma;
  g.delta = g2.gamma * g1.beta + g2.delta * g1.delta;
  // lambda = (lambda1, lambda0) pairs with v = (t, 1): M1^T lambda_2.
  g.lambda1 = g1.lambda1 + g1.alpha * g2.lambda1 + g1.gamma * g2.lambda0;
  g.lambda0 = g1.lambda0 + g1.beta * g2.lambda1 + g1.delta * g2.lambda0;
  return g;
}

// A time at which the denominators of the given elements are all away from
// 0 (x does not enter them): where the central part is evaluated.
double reference_time(const std::vector<const GroupElement*>& elements) {
  for (double t : {0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0}) {
    bool ok = true;
    for (const GroupElement* g : elements) ok = ok && std::abs(denominator(*g, t)) > 1e-3;
    if (ok) return t;
  }
  throw NumericalError("SymmetryGroup: no reference time with every denominator away from 0");
}

}  // namespace

SymmetryGroup::SymmetryGroup(SymmetricEquation equation, double nu) : equation_(equation), nu_(nu) {
  if (!(std::isfinite(nu) && nu > 0)) throw InputError(fmt::format("nu: {} must be finite and > 0", nu));
}

double SymmetryGroup::heat_exponent(const GroupElement& g, double x, double t) const {
  if (equation_ != SymmetricEquation::Heat) return 0;
  const double d = denominator(g, t), w = x + g.lambda1 * t + g.lambda0;
  return g.gamma * w * w / (4 * nu_ * d) - g.lambda1 * x / (2 * nu_) - g.lambda1 * g.lambda1 * t / (4 * nu_);
}

GraphPoint SymmetryGroup::act(const GroupElement& g, const GraphPoint& p) const {
  const double d = denominator(g, p.t);
  if (d == 0 || !std::isfinite(d))
    throw NumericalError(fmt::format("symmetry action: gamma t + delta = 0 at t = {} (outside the chart of g)", p.t));
  const double w = p.x + g.lambda1 * p.t + g.lambda0;
  GraphPoint out;
  out.x = w / d;
  out.t = (g.alpha * p.t + g.beta) / d;
  if (equation_ == SymmetricEquation::Heat)
    out.u = std::sqrt(std::abs(d)) * p.u * std::exp(g.log_sigma + heat_exponent(g, p.x, p.t));
  else
    out.u = d * p.u - g.gamma * p.x + g.lambda1 * g.delta - g.lambda0 * g.gamma;
  return out;
}

GroupElement SymmetryGroup::compose(const GroupElement& g2, const GroupElement& g1) const {
  GroupElement g = compose_base(g2, g1);
  if (equation_ == SymmetricEquation::Heat) {
    const double t = reference_time({&g1, &g});
    const GraphPoint p{0.0, t, 1.0}, q = act(GroupElement{g1.alpha, g1.beta, g1.gamma, g1.delta, g1.lambda0,
                                                          g1.lambda1, 0.0},
                                             p);
    g.log_sigma = g1.log_sigma + g2.log_sigma + heat_exponent(g1, p.x, p.t) + heat_exponent(g2, q.x, q.t) -
                  heat_exponent(g, p.x, p.t);
  }
  return g;
}

GroupElement SymmetryGroup::inverse(const GroupElement& g) const {
  GroupElement h;
  h.alpha = g.delta;
  h.beta = -g.beta;
  h.gamma = -g.gamma;
  h.delta = g.alpha;
  // lambda' = -M^{-T} lambda, M^{-T} = [[delta, -gamma], [-beta, alpha]].
  h.lambda1 = -(g.delta * g.lambda1 - g.gamma * g.lambda0);
  h.lambda0 = -(-g.beta * g.lambda1 + g.alpha * g.lambda0);
  if (equation_ == SymmetricEquation::Heat) {
    const double t = reference_time({&g});
    const GraphPoint p{0.0, t, 1.0};
    GroupElement base = g;
    base.log_sigma = 0;
    const GraphPoint q = act(base, p);
    h.log_sigma = -g.log_sigma - heat_exponent(g, p.x, p.t) - heat_exponent(h, q.x, q.t);
  }
  return h;
}

std::array<double, 3> SymmetryGroup::generator(int i, const GraphPoint& p) const {
  const double x = p.x, t = p.t, u = p.u, nu = nu_;
  if (i < 0 || i >= dimension()) throw InputError(fmt::format("generator: index {} of {}", i, dimension()));
  if (equation_ == SymmetricEquation::Heat) {
    switch (i) {
      case 0: return {1, 0, 0};
      case 1: return {0, 1, 0};
      case 2: return {0, 0, u};
      case 3: return {x, 2 * t, 0};
      case 4: return {2 * nu * t, 0, -x * u};
      default: return {4 * nu * t * x, 4 * nu * t * t, -(x * x + 2 * nu * t) * u};
    }
  }
  switch (i) {
    case 0: return {1, 0, 0};
    case 1: return {0, 1, 0};
    case 2: return {t, 0, 1};
    case 3: return {x, 2 * t, -u};
    default: return {x * t, t * t, x - t * u};
  }
}

GroupElement SymmetryGroup::one_parameter(int i, double e) const {
  if (i < 0 || i >= dimension()) throw InputError(fmt::format("one_parameter: index {} of {}", i, dimension()));
  GroupElement g;
  if (equation_ == SymmetricEquation::Heat) {
    switch (i) {
      case 0: g.lambda0 = e; break;
      case 1: g.beta = e; break;
      case 2: g.log_sigma = e; break;
      // x d_x + 2t d_t: M = diag(e^e, e^-e); the sqrt|D| = e^(-e/2) of the
      // action is undone by s = e/2, so that u is left alone as the generator says.
      case 3:
        g.alpha = std::exp(e);
        g.delta = std::exp(-e);
        g.log_sigma = e / 2;
        break;
      case 4: g.lambda1 = 2 * nu_ * e; break;  // x + 2 nu e t, u exp(-e x - nu e^2 t)
      default: g.gamma = -4 * nu_ * e; break;  // t / (1 - 4 nu e t)
    }
    return g;
  }
  switch (i) {
    case 0: g.lambda0 = e; break;
    case 1: g.beta = e; break;
    case 2: g.lambda1 = e; break;  // x + e t, u + e
    case 3:
      g.alpha = std::exp(e);
      g.delta = std::exp(-e);
      break;
    default: g.gamma = -e; break;  // x / (1 - e t), t / (1 - e t), (1 - e t) u + e x
  }
  return g;
}

GroupElement SymmetryGroup::exp(const std::vector<double>& epsilon) const {
  if (static_cast<int>(epsilon.size()) != dimension())
    throw InputError(fmt::format("exp: {} algebra coordinates for a group of dimension {}", epsilon.size(), dimension()));
  // Fourth-order (Suzuki-Yoshida triple jump) composition of symmetric
  // (Strang) products of the one-parameter subgroups at step h = 2^-k, then
  // k squarings: truncation O(h^4 |epsilon|^5), rounding doubled by each
  // squaring (2^k eps); k = 11 balances them near 1e-13.
  constexpr int k = 11;
  const double h = std::ldexp(1.0, -k);
  const int n = dimension();
  auto strang = [&](double step) {
    GroupElement g = one_parameter(n - 1, step * epsilon[n - 1]);
    for (int i = n - 2; i >= 0; --i) {
      const GroupElement half = one_parameter(i, 0.5 * step * epsilon[i]);
      g = compose(half, compose(g, half));
    }
    return g;
  };
  const double w1 = 1 / (2 - std::cbrt(2.0)), w0 = 1 - 2 * w1;
  const GroupElement outer = strang(w1 * h);
  GroupElement g = compose(outer, compose(strang(w0 * h), outer));
  for (int j = 0; j < k; ++j) g = compose(g, g);
  return g;
}

}  // namespace structura::pde
