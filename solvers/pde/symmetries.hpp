// Lie point symmetries of the 1-D heat equation u_t = nu u_xx and of the
// viscous Burgers equation u_t + u u_x = nu u_xx: the generators (vector
// fields on (x, t, u)), the finite group actions in closed form, their
// composition and inverse, and exp of an algebra element.
//
// A group element g = (M, lambda, s), M = [[alpha, beta], [gamma, delta]]
// in SL(2, R), lambda = (lambda1, lambda0), s = log sigma (heat only), maps
// a point of a solution's graph (x, t, u) to (x^, t^, u^) (the closed forms
// of TIED's groups.py, checked on exact solutions):
//   D = gamma t + delta,  w = x + lambda1 t + lambda0
//   x^ = w / D,  t^ = (alpha t + beta) / D
//   heat:    u^ = sqrt|D| u exp(s + gamma w^2 / (4 nu D) - lambda1 x / (2 nu) - lambda1^2 t / (4 nu))
//   Burgers: u^ = D u - gamma x + lambda1 delta - lambda0 gamma
// and the transformed solution is u~(x^, t^) = u^. Composition (g2 after
// g1): M = M2 M1, lambda = lambda_1 + M1^T lambda_2 (derived from the base
// action: the (x, t) part is the affine-projective action of a 3 x 3 matrix
// [[M, 0], [lambda^T, 1]], a homomorphism); the heat's s, the central
// (Heisenberg) part, composes as s1 + s2 + Q1(p) + Q2(g1 p) - Q12(p) for
// the exponent Q of each element, which is the same at every point p (the
// test checks it) and is evaluated at one where the denominators are not 0.
//
// Generators (Olver), in the order of the algebra coordinates:
//   heat (6):    d_x, d_t, u d_u, x d_x + 2t d_t, 2 nu t d_x - x u d_u,
//                4 nu t x d_x + 4 nu t^2 d_t - (x^2 + 2 nu t) u d_u
//   Burgers (5): d_x, d_t, t d_x + d_u, x d_x + 2t d_t - u d_u,
//                x t d_x + t^2 d_t + (x - t u) d_u
// (the heat's infinite superposition family phi d_u is not included). Each
// has its one-parameter subgroup in closed form; exp of a combination is
// computed by scaling and squaring of the symmetric (Strang) product of
// those subgroups (fourth order, 2^-11 steps; about 1e-13).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace structura::pde {

enum class SymmetricEquation { Heat, Burgers };

struct GraphPoint {
  double x = 0, t = 0, u = 0;
};

struct GroupElement {
  double alpha = 1, beta = 0, gamma = 0, delta = 1;  // M in SL(2, R)
  double lambda0 = 0, lambda1 = 0;                   // translation, Galilean boost
  double log_sigma = 0;                              // heat: amplitude (central part)
};

class SymmetryGroup {
public:
  // nu > 0 (the heat action depends on it; Burgers' does not).
  SymmetryGroup(SymmetricEquation equation, double nu);

  SymmetricEquation equation() const { return equation_; }
  double nu() const { return nu_; }
  int dimension() const { return equation_ == SymmetricEquation::Heat ? 6 : 5; }

  // g . p; NumericalError where D = 0 (the point leaves the group's chart).
  GraphPoint act(const GroupElement& g, const GraphPoint& p) const;
  // g2 after g1, and the inverse, in closed form.
  GroupElement compose(const GroupElement& g2, const GroupElement& g1) const;
  GroupElement inverse(const GroupElement& g) const;
  // Generator i (0 .. dimension - 1) at p: (xi, tau, phi) = the components on d_x, d_t, d_u.
  std::array<double, 3> generator(int i, const GraphPoint& p) const;
  // exp(epsilon v_i), in closed form.
  GroupElement one_parameter(int i, double epsilon) const;
  // exp(sum_i epsilon_i v_i) (epsilon: dimension() coordinates).
  GroupElement exp(const std::vector<double>& epsilon) const;

private:
  // The heat exponent Q(x, t) of g (without s); 0 for Burgers.
  double heat_exponent(const GroupElement& g, double x, double t) const;

  SymmetricEquation equation_;
  double nu_;
};

}  // namespace structura::pde
