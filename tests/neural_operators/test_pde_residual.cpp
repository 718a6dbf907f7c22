// The residual operator by autograd against analytic functions written in
// torch operations (float64): the heat Fourier mode and the Cole-Hopf
// Burgers solution of pde/exact_solutions.hpp give residuals at rounding
// level; with the wrong viscosity nu' the residual is exactly the predicted
// one, (nu' - nu) q^2 u for heat and (nu - nu') u_xx for Burgers (u_xx by
// central differences of the closed form); the heat residual of the Burgers
// solution is -u u_x. On a DeepONet the residual equals finite differences
// of its output.
#include <cmath>
#include <numbers>

#include "core/error.hpp"
#include "neural_operators/deeponet.hpp"
#include "neural_operators/pde_residual.hpp"
#include "pde/exact_solutions.hpp"
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::neural_operators;

namespace {

constexpr double nu = 0.01, pi = std::numbers::pi;

// Points of [0, 1] x [0, 1] on a 17 x 9 grid, as (1, P) tensors.
std::pair<torch::Tensor, torch::Tensor> grid_points() {
  const torch::Tensor x = torch::linspace(0, 1, 17, torch::kFloat64);
  const torch::Tensor t = torch::linspace(0, 1, 9, torch::kFloat64);
  auto mesh = torch::meshgrid({x, t}, "ij");
  return {mesh[0].reshape({1, -1}), mesh[1].reshape({1, -1})};
}

// Applies a double function pointwise to (x, t).
template <class F>
torch::Tensor pointwise(const torch::Tensor& x, const torch::Tensor& t, F f) {
  torch::Tensor out = torch::empty_like(x);
  auto xa = x.accessor<double, 2>(), ta = t.accessor<double, 2>();
  auto oa = out.accessor<double, 2>();
  for (std::int64_t i = 0; i < x.size(0); ++i)
    for (std::int64_t j = 0; j < x.size(1); ++j) oa[i][j] = f(xa[i][j], ta[i][j]);
  return out;
}

double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

}  // namespace

TEST_CASE("the heat residual of a Fourier mode is rounding; with the wrong nu it is (nu' - nu) q^2 u") {
  const int k = 2;
  const double q = 2 * pi * k;
  const Field mode = [q](const torch::Tensor& x, const torch::Tensor& t) {
    return torch::exp(-nu * q * q * t) * torch::sin(q * x);
  };
  auto [x, t] = grid_points();
  const torch::Tensor u = mode(x, t);
  CHECK(max_abs(u - pointwise(x, t, [](double a, double b) { return pde::heat_fourier_mode(a, b, nu, 2); })) < 1e-14);

  const double u_t_scale = nu * q * q;  // |u_t| at its largest
  const double exact = max_abs(pde_residual(mode, x, t, {Equation::Heat, nu}));
  MESSAGE("heat residual of the exact mode: ", exact, " (|u_t| up to ", u_t_scale, ")");
  CHECK(exact < 1e-13 * u_t_scale);

  const double wrong_nu = 0.015;
  const torch::Tensor r = pde_residual(mode, x, t, {Equation::Heat, wrong_nu});
  const torch::Tensor predicted = (wrong_nu - nu) * q * q * u;
  MESSAGE("wrong nu: max |r| = ", max_abs(r), ", predicted ", max_abs(predicted));
  CHECK(max_abs(r) > 0.1);
  CHECK(max_abs(r - predicted) < 1e-13);
}

TEST_CASE("the Burgers residual of the Cole-Hopf solution is rounding; with the wrong nu it is (nu - nu') u_xx") {
  const double a = 1.2, q = 2 * pi;
  const Field cole_hopf = [a, q](const torch::Tensor& x, const torch::Tensor& t) {
    const torch::Tensor e = torch::exp(-nu * q * q * t);
    return 2 * nu * q * e * torch::sin(q * x) / (a + e * torch::cos(q * x));
  };
  auto exact_u = [a](double x, double t) { return pde::burgers_cole_hopf(x, t, nu, a); };
  auto [x, t] = grid_points();
  const torch::Tensor u = cole_hopf(x, t);
  CHECK(max_abs(u - pointwise(x, t, exact_u)) < 1e-15);

  const double h = 1e-4;
  const torch::Tensor u_xx = pointwise(
      x, t, [&](double s, double r) { return (exact_u(s + h, r) - 2 * exact_u(s, r) + exact_u(s - h, r)) / (h * h); });
  const torch::Tensor u_x = pointwise(x, t, [&](double s, double r) {
    // fourth order: the steep front makes the second-order error 1e-6 relative
    return (-exact_u(s + 2 * h, r) + 8 * exact_u(s + h, r) - 8 * exact_u(s - h, r) + exact_u(s - 2 * h, r)) / (12 * h);
  });
  const double scale = max_abs(u_xx) * nu;  // the size of each term
  const double exact = max_abs(pde_residual(cole_hopf, x, t, {Equation::Burgers, nu}));
  MESSAGE("Burgers residual of Cole-Hopf: ", exact, " (nu |u_xx| up to ", scale, ")");
  CHECK(exact < 1e-13 * scale);

  const double wrong_nu = 0.02;
  const torch::Tensor r = pde_residual(cole_hopf, x, t, {Equation::Burgers, wrong_nu});
  const torch::Tensor predicted = (nu - wrong_nu) * u_xx;
  const double miss = max_abs(r - predicted) / max_abs(predicted);
  MESSAGE("wrong nu: max |r| = ", max_abs(r), ", relative difference to (nu - nu') u_xx by differences: ", miss);
  CHECK(max_abs(r) > 0.1 * scale);
  CHECK(miss < 1e-6);

  // The heat residual of the Burgers solution misses the advection u u_x.
  const torch::Tensor heat = pde_residual(cole_hopf, x, t, {Equation::Heat, nu});
  CHECK(max_abs(heat + u * u_x) / max_abs(u * u_x) < 1e-6);
}

TEST_CASE("on a DeepONet the residual by autograd equals finite differences of its output") {
  torch::manual_seed(31);
  DeepOnet model(DeepOnetOptions{.sensors = 8, .width = 16, .hidden_layers = 3, .latent = 12});
  model->to(torch::kFloat64);
  const torch::Tensor u0 = torch::randn({2, 8}, torch::kFloat64);
  const Field field = deeponet_field(model, u0);
  const torch::Tensor x = torch::rand({2, 10}, torch::kFloat64), t = torch::rand({2, 10}, torch::kFloat64);
  const double h = 1e-4;
  torch::Tensor r_fd;
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor u = field(x, t);
    const torch::Tensor u_t = (field(x, t + h) - field(x, t - h)) / (2 * h);
    const torch::Tensor u_x = (field(x + h, t) - field(x - h, t)) / (2 * h);
    const torch::Tensor u_xx = (field(x + h, t) - 2 * u + field(x - h, t)) / (h * h);
    r_fd = u_t + u * u_x - nu * u_xx;
  }
  const torch::Tensor r = pde_residual(field, x, t, {Equation::Burgers, nu});
  const double miss = max_abs(r - r_fd) / max_abs(r_fd);
  MESSAGE("DeepONet Burgers residual: autograd vs differences, relative ", miss);
  CHECK(miss < 1e-5);
  // The residual is differentiable in the parameters (what training needs).
  r.pow(2).sum().backward();
  CHECK(model->trunk()->parameters().front().grad().abs().sum().item<double>() > 0);
}

TEST_CASE("bad PDE settings are InputErrors naming the key") {
  CHECK(parse_equation("heat", "pde.equation") == Equation::Heat);
  CHECK_THROWS_WITH_AS(parse_equation("kdv", "pde.equation"), doctest::Contains("pde.equation = \"kdv\""), InputError);
  CHECK_THROWS_WITH_AS(PdeOptions({Equation::Heat, 0}).validate("pde"), doctest::Contains("pde.nu = 0"), InputError);
  CHECK_THROWS_WITH_AS(PdeOptions({Equation::Heat, NAN}).validate("pde"), doctest::Contains("pde.nu"), InputError);
  const Field f = [](const torch::Tensor& x, const torch::Tensor&) { return x; };
  CHECK_THROWS_AS(pde_residual(f, torch::zeros({3}), torch::zeros({4}), {}), InputError);
  // A field without t: u_t = 0 (no error for an unused input); u = x^2 gives r = -2 nu.
  const Field square = [](const torch::Tensor& x, const torch::Tensor&) { return x * x; };
  const torch::Tensor r = pde_residual(square, torch::rand({5}, torch::kFloat64), torch::rand({5}, torch::kFloat64),
                                       {Equation::Heat, 0.25});
  CHECK(max_abs(r + 0.5) < 1e-15);
}
