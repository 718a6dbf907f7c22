// The convexity checker is the truth for the models' tests, so it is tested
// first on functions whose (weak) convexity is known analytically:
//   |x|^2 and log-sum-exp: convex, no violations;
//   -|x|^2 and sum sin(3 x): not convex, violations of both inequalities;
//   -(1/2)|x|^2: exactly 1-weakly convex: passes at rho = 1 and rho = 1.05,
//   fails at rho = 0.9, and the modulus the pairs need is 1 to rounding;
//   a function independent of x (zero gradient) is handled;
//   the Hessian's extreme eigenvalues of a quadratic with known spectrum.
#include "core/error.hpp"
#include "regularisers/convexity.hpp"
#include "regularisers/hessian.hpp"
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::regularisers;

namespace {

torch::Tensor square_norm(const torch::Tensor& x) { return x.square().flatten(1).sum(1); }

}  // namespace

TEST_CASE("the checker passes convex functions on random pairs") {
  auto [x, y] = random_pairs(200, {1, 4, 4}, 1.0, 11);
  for (const ScalarFunction& f : {ScalarFunction(square_norm), ScalarFunction([](const torch::Tensor& v) {
                                    return torch::logsumexp(v.flatten(1), 1);
                                  })}) {
    const ConvexityReport r = check_convexity(f, x, y);
    CHECK(r.pairs == 200);
    CHECK(r.passed());
    CHECK(r.worst_midpoint <= 0);
    CHECK(r.worst_monotonicity <= 0);
    CHECK(r.needed_modulus == 0);
  }
}

TEST_CASE("the checker finds the violations of non-convex functions") {
  auto [x, y] = random_pairs(200, {1, 4, 4}, 1.0, 12);
  const ConvexityReport concave = check_convexity([](const torch::Tensor& v) { return -square_norm(v); }, x, y);
  CHECK(concave.midpoint_violations == 200);  // strictly concave: every pair fails both
  CHECK(concave.monotonicity_violations == 200);
  CHECK_FALSE(concave.passed());
  CHECK(concave.worst_midpoint > 0);
  const ConvexityReport wavy =
      check_convexity([](const torch::Tensor& v) { return torch::sin(3 * v).flatten(1).sum(1); }, x, y);
  CHECK(wavy.midpoint_violations > 0);
  CHECK(wavy.monotonicity_violations > 0);
  CHECK(wavy.midpoint_violations < 200);  // some pairs do satisfy the inequalities
  // sum sin(3x) is 9-weakly convex (its Hessian is >= -9 I): the pairs need at most 9.
  CHECK(wavy.needed_modulus > 0);
  CHECK(wavy.needed_modulus <= 9 * (1 + 1e-9));
}

TEST_CASE("the checker certifies weak convexity with the exact modulus") {
  auto [x, y] = random_pairs(100, {1, 3, 5}, 2.0, 13);
  const ScalarFunction f = [](const torch::Tensor& v) { return -0.5 * square_norm(v); };
  CHECK_FALSE(check_convexity(f, x, y).passed());
  CHECK(check_convexity(f, x, y, {.modulus = 1.0}).passed());
  CHECK(check_convexity(f, x, y, {.modulus = 1.05}).passed());
  const ConvexityReport below = check_convexity(f, x, y, {.modulus = 0.9});
  CHECK(below.midpoint_violations == 100);
  CHECK(below.monotonicity_violations == 100);
  // -(1/2)|x|^2 + (rho/2)|x|^2 is exactly affine at rho = 1: both slacks are rounding.
  CHECK(check_convexity(f, x, y).needed_modulus == doctest::Approx(1.0).epsilon(1e-12));
}

TEST_CASE("the checker evaluates in batches and rejects bad input") {
  auto [x, y] = random_pairs(37, {1, 2, 2}, 1.0, 14);
  const ScalarFunction f = [](const torch::Tensor& v) { return torch::sin(3 * v).flatten(1).sum(1); };
  const ConvexityReport whole = check_convexity(f, x, y, {.batch = 64});
  const ConvexityReport split = check_convexity(f, x, y, {.batch = 5});
  CHECK(whole.midpoint_violations == split.midpoint_violations);
  CHECK(whole.monotonicity_violations == split.monotonicity_violations);
  CHECK(whole.needed_modulus == doctest::Approx(split.needed_modulus).epsilon(1e-14));
  // A constant function: zero gradient, convex.
  CHECK(check_convexity([](const torch::Tensor& v) { return torch::zeros({v.size(0)}, v.options()); }, x, y).passed());
  CHECK_THROWS_AS(check_convexity(f, x, y.narrow(0, 0, 3)), InputError);
  CHECK_THROWS_AS(check_convexity(f, x, y, {.modulus = -1}), InputError);
  CHECK_THROWS_AS(check_convexity([](const torch::Tensor& v) { return torch::log(-square_norm(v)); }, x, y),
                  NumericalError);
  // The same seed gives the same pairs.
  CHECK(torch::equal(random_pairs(3, {2}, 1.0, 5).first, random_pairs(3, {2}, 1.0, 5).first));
}

TEST_CASE("the Hessian's extreme eigenvalues of a quadratic with a known spectrum") {
  // f(x) = 1/2 sum_j c_j x_j^2 with c from -3 to 5: lambda_min = -3, radius 5.
  const torch::Tensor c = torch::linspace(-3, 5, 12, torch::kFloat64).view({1, 1, 3, 4});
  const ScalarFunction f = [&](const torch::Tensor& v) { return 0.5 * (c * v.square()).flatten(1).sum(1); };
  auto [x, unused] = random_pairs(6, {1, 3, 4}, 1.0, 15);
  const CurvatureEstimate e = hessian_extreme_eigenvalues(f, x, 300, 16);
  CHECK(e.smallest.min().item<double>() == doctest::Approx(-3).epsilon(1e-6));
  CHECK(e.smallest.max().item<double>() == doctest::Approx(-3).epsilon(1e-6));
  CHECK(e.largest.min().item<double>() == doctest::Approx(5).epsilon(1e-6));
  // An affine function: no curvature at all.
  const CurvatureEstimate flat =
      hessian_extreme_eigenvalues([](const torch::Tensor& v) { return v.flatten(1).sum(1); }, x, 5, 16);
  CHECK(flat.smallest.abs().max().item<double>() == 0);
}
