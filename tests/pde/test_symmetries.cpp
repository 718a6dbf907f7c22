// Lie point symmetries of heat and Burgers (pde/symmetries.hpp). Truths:
// the PDEs themselves (a group element applied to an exact solution gives
// a function whose PDE residual, by central differences, is at the
// differences' truncation level, while a deliberately broken action, the
// same test, is far from it); the group axioms (exp(v) exp(-v) = identity,
// the closed-form composition and inverse against applying the actions in
// turn; 1e-11: exp's 11 squarings double the rounding each); the algebra (the action's derivative at the identity equals the
// generator's vector field, also for a combination).
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "pde/exact_solutions.hpp"
#include "pde/symmetries.hpp"

using namespace structura::pde;

namespace {

struct Setting {
  std::string name;
  SymmetricEquation equation;
  double nu;
  std::function<double(double, double)> solution;  // exact, on the whole line
};

std::vector<Setting> settings() {
  return {{"heat", SymmetricEquation::Heat, 0.1,
           [](double x, double t) { return 0.5 + heat_fourier_mode(x, t, 0.1, 1); }},
          {"burgers", SymmetricEquation::Burgers, 0.05,
           [](double x, double t) { return burgers_cole_hopf(x, t, 0.05, 1.5); }}};
}

std::vector<double> random_coordinates(int n, std::mt19937_64& gen, double scale) {
  std::uniform_real_distribution<double> d(-scale, scale);
  std::vector<double> e(static_cast<std::size_t>(n));
  for (double& v : e) v = d(gen);
  return e;
}

double distance(const GraphPoint& a, const GraphPoint& b) {
  return std::max({std::abs(a.x - b.x), std::abs(a.t - b.t), std::abs(a.u - b.u)});
}

// The transformed solution u~(y, s) = u^ where (y, s) = g.(x, t): (x, t) from
// the inverse's base action. `broken` drops the action's factor on u (heat:
// sqrt|D|, Burgers: D), the negative control.
double transformed(const SymmetryGroup& G, const GroupElement& g, const Setting& s, double y, double time,
                   bool broken) {
  const GraphPoint back = G.act(G.inverse(g), {y, time, 0.0});
  const GraphPoint p{back.x, back.t, s.solution(back.x, back.t)};
  const GraphPoint q = G.act(g, p);
  const double d = g.gamma * p.t + g.delta;
  if (!broken) return q.u;
  if (s.equation == SymmetricEquation::Heat) return q.u / std::sqrt(std::abs(d));
  return q.u - (d - 1) * p.u;
}

// u_t - nu u_xx (+ u u_x for Burgers) by central differences of step h.
double residual(const std::function<double(double, double)>& u, const Setting& s, double x, double t, double h) {
  const double ut = (u(x, t + h) - u(x, t - h)) / (2 * h);
  const double ux = (u(x + h, t) - u(x - h, t)) / (2 * h);
  const double uxx = (u(x + h, t) - 2 * u(x, t) + u(x - h, t)) / (h * h);
  return ut - s.nu * uxx + (s.equation == SymmetricEquation::Burgers ? u(x, t) * ux : 0.0);
}

}  // namespace

TEST_CASE("a group element maps an exact solution to a solution; a broken action does not") {
  std::mt19937_64 gen(3);
  for (const Setting& s : settings()) {
    const SymmetryGroup G(s.equation, s.nu);
    double worst = 0, best_broken = 1e300;
    for (int trial = 0; trial < 20; ++trial) {
      const GroupElement g = G.exp(random_coordinates(G.dimension(), gen, 0.3));
      std::uniform_real_distribution<double> xs(0.2, 0.8), ts(0.3, 0.6);
      const GraphPoint image = G.act(g, {xs(gen), ts(gen), 0.0});  // a point of the new solution's domain
      auto good = [&](double y, double t) { return transformed(G, g, s, y, t, false); };
      auto bad = [&](double y, double t) { return transformed(G, g, s, y, t, true); };
      const double h = 1e-3;
      // Scale: the size of u_t there, so that the residual reads as relative.
      const double scale = std::abs((good(image.x, image.t + h) - good(image.x, image.t - h)) / (2 * h)) + 1e-3;
      worst = std::max(worst, std::abs(residual(good, s, image.x, image.t, h)) / scale);
      best_broken = std::min(best_broken, std::abs(residual(bad, s, image.x, image.t, h)) / scale);
    }
    MESSAGE(s.name << ": relative PDE residual of transformed solutions <= " << worst << ", of the broken action >= "
                   << best_broken);
    CAPTURE(s.name);
    CHECK(worst <= 1e-4);               // central differences of step 1e-3: h^2 times the derivatives
    CHECK(best_broken >= 50 * worst);  // the test sees a wrong factor on u
  }
}

TEST_CASE("exp(v) exp(-v) is the identity; composition and inverse in closed form equal the actions in turn") {
  std::mt19937_64 gen(5);
  for (const Setting& s : settings()) {
    CAPTURE(s.name);
    const SymmetryGroup G(s.equation, s.nu);
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<double> e = random_coordinates(G.dimension(), gen, 0.5), minus = e;
      for (double& v : minus) v = -v;
      const GroupElement id = G.compose(G.exp(e), G.exp(minus));
      CHECK(std::abs(id.alpha - 1) + std::abs(id.beta) + std::abs(id.gamma) + std::abs(id.delta - 1) +
                std::abs(id.lambda0) + std::abs(id.lambda1) + std::abs(id.log_sigma) <=
            1e-11);  // exp: 11 squarings, each doubling the rounding
      const GroupElement g1 = G.exp(e), g2 = G.exp(random_coordinates(G.dimension(), gen, 0.5));
      CHECK(std::abs(g1.alpha * g1.delta - g1.beta * g1.gamma - 1) <= 1e-11);  // in SL(2)
      std::uniform_real_distribution<double> xs(-1, 1), ts(0.1, 0.5), us(-1, 1);
      for (int k = 0; k < 5; ++k) {
        const GraphPoint p{xs(gen), ts(gen), us(gen)};
        const GraphPoint twice = G.act(g2, G.act(g1, p)), once = G.act(G.compose(g2, g1), p);
        CHECK(distance(twice, once) <= 1e-11 * (1 + std::abs(twice.u)));
        CHECK(distance(G.act(G.inverse(g1), G.act(g1, p)), p) <= 1e-11);
      }
    }
  }
}

TEST_CASE("the action's derivative at the identity is the generator, alone and in combination") {
  std::mt19937_64 gen(7);
  for (const Setting& s : settings()) {
    CAPTURE(s.name);
    const SymmetryGroup G(s.equation, s.nu);
    const double d = 1e-5;
    for (int trial = 0; trial < 10; ++trial) {
      std::uniform_real_distribution<double> xs(-1, 1), ts(0.1, 0.5), us(-1, 1);
      const GraphPoint p{xs(gen), ts(gen), us(gen)};
      for (int i = 0; i < G.dimension(); ++i) {
        CAPTURE(i);
        const GraphPoint a = G.act(G.one_parameter(i, d), p), b = G.act(G.one_parameter(i, -d), p);
        const auto v = G.generator(i, p);
        CHECK(std::abs((a.x - b.x) / (2 * d) - v[0]) <= 1e-8);
        CHECK(std::abs((a.t - b.t) / (2 * d) - v[1]) <= 1e-8);
        CHECK(std::abs((a.u - b.u) / (2 * d) - v[2]) <= 1e-8);
        std::vector<double> unit(static_cast<std::size_t>(G.dimension()), 0.0);
        unit[static_cast<std::size_t>(i)] = 0.7;
        CHECK(distance(G.act(G.exp(unit), p), G.act(G.one_parameter(i, 0.7), p)) <= 1e-11);
      }
      const std::vector<double> e = random_coordinates(G.dimension(), gen, 1.0);
      std::vector<double> plus = e, minus = e;
      for (std::size_t i = 0; i < e.size(); ++i) plus[i] = d * e[i], minus[i] = -d * e[i];
      const GraphPoint a = G.act(G.exp(plus), p), b = G.act(G.exp(minus), p);
      std::array<double, 3> v{0, 0, 0};
      for (int i = 0; i < G.dimension(); ++i)
        for (int c = 0; c < 3; ++c) v[c] += e[static_cast<std::size_t>(i)] * G.generator(i, p)[c];
      CHECK(std::abs((a.x - b.x) / (2 * d) - v[0]) <= 1e-7);
      CHECK(std::abs((a.t - b.t) / (2 * d) - v[1]) <= 1e-7);
      CHECK(std::abs((a.u - b.u) / (2 * d) - v[2]) <= 1e-7);
    }
  }
}
