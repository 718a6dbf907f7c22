// Gradient descent on ‖Ax − y‖² + λR(x) (variational/gradient_descent.hpp).
// Truths:
//   monotone decrease: the descent lemma at a step below 1/L, L the
//   Lipschitz constant of ∇E (2‖A‖² plus the ACR's curvature); the same
//   check fails (blows up) at a step above 2/λ_max, so it can fail;
//   one minimiser: E is m-strongly convex (m = λ · 2 softplus(q), the ACR's
//   L2 term), so ‖x − x*‖ <= ‖∇E(x)‖/m and two runs that stopped at
//   gradient norms g₁, g₂ are within (g₁ + g₂)/m of each other;
//   backtracking: Armijo's condition never lets E rise;
//   the oracle: without oracle_stop a truth changes nothing (bitwise);
//   with it, the stop is reported and is where the distance to the truth
//   first grows (checked against the unstopped run's distances).
#include "core/error.hpp"
#include "problems.hpp"
#include "variational/gradient_descent.hpp"
#include "variational/primal_dual.hpp"
#include "variational/projector_operators.hpp"

using namespace structura;
using namespace structura::variational;
using namespace structura::variational::testing;
using structura::tomography::testing::thrown_input_error;

namespace {

struct AcrSetup {
  tomography_torch::TorchProjector projector{small_image(), small_beam(), mpi::Comm(MPI_COMM_SELF)};
  TorchProjectorOperator A{projector};
  std::shared_ptr<regularisers::Acr> acr;
  torch::Tensor truth, y;
  double a2 = 0, lambda = 0, modulus = 0, lipschitz = 0;

  AcrSetup() {
    torch::manual_seed(11);
    acr = std::make_shared<regularisers::Acr>(small_acr());
    acr->to(torch::kFloat64);
    truth = phantoms(2);
    y = noisy(A.forward(truth), 0.02, 3);
    a2 = std::pow(operator_norm(A), 2);
    // λ R's curvature 2 softplus(q) λ = 0.2 a²: condition number about 11.
    const double curvature = acr->strong_convexity_modulus();
    lambda = 0.1 * 2 * a2 / curvature;
    modulus = lambda * curvature;
    // ∇E's Lipschitz constant: the data term's 2‖A‖² (1 % over the power
    // estimate) plus λ times the L2 term's curvature; the ICNN and SFB at
    // their initial weights add a negligible, piecewise-constant gradient.
    lipschitz = 2 * 1.01 * a2 + modulus;
  }
  Problem problem() const { return Problem(A, y, regulariser_of(*acr), lambda); }
  torch::Tensor backprojection_start() const {
    torch::manual_seed(5);
    return A.adjoint(y) / a2 + 0.3 * torch::randn(truth.sizes(), truth.options());
  }
};

bool non_increasing(const torch::Tensor& energy) {
  const auto rise = energy.narrow(0, 1, energy.size(0) - 1) - energy.narrow(0, 0, energy.size(0) - 1);
  // Rounding of a float64 energy of size |E|: 1e-13 |E|.
  return (rise <= 1e-13 * energy.narrow(0, 0, energy.size(0) - 1).abs()).all().item<bool>();
}

}  // namespace

TEST_CASE("fixed-step descent on an ACR energy decreases it monotonically below 1/L and blows up above 2/L") {
  AcrSetup s;
  const Problem problem = s.problem();
  GradientDescentOptions o;
  o.iterations = 200;
  o.step = 0.9 / s.lipschitz;
  const auto r = gradient_descent(problem, torch::zeros_like(s.truth), o);
  CHECK(r.energy.size(0) == 201);
  CHECK(non_increasing(r.energy));
  CHECK(r.energy[200][0].item<double>() < 0.5 * r.energy[0][0].item<double>());  // it did move
  CHECK(!r.oracle);
  // Control: 2.5/L exceeds 2/λ_max(∇²E) (λ_max >= 2‖A‖²(1 − 1e-6) + m > L/1.02): divergence.
  o.step = 2.5 / s.lipschitz;
  CHECK_THROWS_AS(gradient_descent(problem, torch::zeros_like(s.truth), o), NumericalError);
}

TEST_CASE("two starts reach the same minimiser of the strongly convex ACR energy") {
  AcrSetup s;
  const Problem problem = s.problem();
  GradientDescentOptions o;
  o.iterations = 3000;
  o.step = 0.9 / s.lipschitz;
  o.gradient_tolerance = 1e-7;
  const auto start_b = s.backprojection_start();
  const auto a = gradient_descent(problem, torch::zeros_like(s.truth), o);
  const auto b = gradient_descent(problem, start_b, o);
  for (int i = 0; i < 2; ++i) {
    CAPTURE(i);
    CHECK(a.stop[i] == StopReason::GradientTolerance);
    CHECK(b.stop[i] == StopReason::GradientTolerance);
    const double ga = a.gradient_norm[a.gradient_norm.size(0) - 1][i].item<double>();
    const double gb = b.gradient_norm[b.gradient_norm.size(0) - 1][i].item<double>();
    const double distance = (a.x[i] - b.x[i]).norm().item<double>();
    MESSAGE("image " << i << ": |x_a - x_b| = " << distance << ", bound (g_a + g_b)/m = " << (ga + gb) / s.modulus
                     << " after " << a.iterations[i] << " / " << b.iterations[i] << " iterations");
    CHECK(distance <= (ga + gb) / s.modulus);
    CHECK(start_b[i].norm().item<double>() > 1.0);  // the starts were far apart
  }
}

TEST_CASE("Armijo backtracking never increases the energy and reaches the fixed-step minimiser") {
  AcrSetup s;
  const Problem problem = s.problem();
  GradientDescentOptions o;
  o.iterations = 3000;
  o.gradient_tolerance = 1e-7;
  o.step = 0.9 / s.lipschitz;
  const auto fixed = gradient_descent(problem, torch::zeros_like(s.truth), o);
  o.rule = StepRule::Armijo;
  o.step = 20 / s.lipschitz;  // far too long: backtracking must shorten it
  const auto armijo = gradient_descent(problem, s.backprojection_start(), o);
  CHECK(non_increasing(armijo.energy));
  CHECK(armijo.step.max().item<double>() < o.step);  // it did backtrack
  for (int i = 0; i < 2; ++i) {
    CAPTURE(i);
    CHECK(armijo.stop[i] == StopReason::GradientTolerance);
    const double g1 = fixed.gradient_norm[fixed.gradient_norm.size(0) - 1][i].item<double>();
    const double g2 = armijo.gradient_norm[armijo.gradient_norm.size(0) - 1][i].item<double>();
    CHECK((fixed.x[i] - armijo.x[i]).norm().item<double>() <= (g1 + g2) / s.modulus);
  }
}

TEST_CASE("the truth stops nothing unless the oracle stop is asked for, and then the result says so") {
  AcrSetup s;
  // No regulariser: Landweber on noisy data, which fits the noise after a
  // while (semi-convergence), so the distance to the truth must grow.
  const Problem problem(s.A, noisy(s.A.forward(s.truth), 0.1, 7), {}, 0.0);
  GradientDescentOptions o;
  o.iterations = 400;
  o.step = 0.9 / (2 * 1.01 * s.a2);
  const auto plain = gradient_descent(problem, torch::zeros_like(s.truth), o);
  const auto with_truth = gradient_descent(problem, torch::zeros_like(s.truth), o, s.truth);
  CHECK(torch::equal(plain.x, with_truth.x));
  CHECK(!plain.psnr.defined());
  CHECK(with_truth.psnr.size(0) == 401);
  CHECK(!with_truth.oracle);

  o.oracle_stop = true;
  CHECK(thrown_input_error([&] { gradient_descent(problem, torch::zeros_like(s.truth), o); }).find("truth") == 0);
  const auto oracle = gradient_descent(problem, torch::zeros_like(s.truth), o, s.truth);
  CHECK(oracle.oracle);
  for (int i = 0; i < 2; ++i) {
    CAPTURE(i);
    REQUIRE(oracle.stop[i] == StopReason::Oracle);
    // The unstopped run's distances: non-increasing up to the oracle's
    // iterate, larger at the next one; the oracle keeps that iterate.
    const int k = oracle.iterations[i];
    GradientDescentOptions one = o;
    one.oracle_stop = false;
    one.iterations = k + 1;
    const auto run = gradient_descent(problem, torch::zeros_like(s.truth), one);
    one.iterations = k;
    const auto upto = gradient_descent(problem, torch::zeros_like(s.truth), one);
    const double at_k = (upto.x[i] - s.truth[i]).norm().item<double>();
    const double after = (run.x[i] - s.truth[i]).norm().item<double>();
    CHECK(after > at_k);
    CHECK((oracle.x[i] - upto.x[i]).abs().max().item<double>() == 0.0);
    CHECK(k < 400);
    MESSAGE("image " << i << ": oracle stop after " << k << " iterations, PSNR "
                     << oracle.psnr[oracle.psnr.size(0) - 1][i].item<double>() << " dB against "
                     << with_truth.psnr[400][i].item<double>() << " dB at 400");
  }
}

TEST_CASE("the poll is called after every iteration and a throw from it stops the solve") {
  AcrSetup s;
  const Problem problem = s.problem();
  GradientDescentOptions o;
  o.iterations = 7;
  o.step = 0.9 / s.lipschitz;
  std::vector<int> seen;
  o.poll = [&](int k) { seen.push_back(k); };
  gradient_descent(problem, torch::zeros_like(s.truth), o);
  CHECK(seen == std::vector<int>{1, 2, 3, 4, 5, 6, 7});
  struct Stop {};
  o.poll = [](int k) {
    if (k == 3) throw Stop{};
  };
  CHECK_THROWS_AS(gradient_descent(problem, torch::zeros_like(s.truth), o), Stop);
}

TEST_CASE("a non-finite energy is a NumericalError naming the image, in both solvers") {
  AcrSetup s;
  // R = Σ x per image, but NaN for an image whose mean exceeds 0.75.
  const auto bad = [](const torch::Tensor& x) {
    const auto sum = x.flatten(1).sum(1);
    return torch::where(x.flatten(1).mean(1) > 0.75, torch::full_like(sum, std::nan("")), sum);
  };
  const Problem problem(s.A, s.y, bad, 1.0);
  auto start = torch::zeros_like(s.truth);
  start[1].fill_(1.0);  // image 1's mean is 1 > 0.75: its R is NaN
  GradientDescentOptions o;
  o.iterations = 3;
  o.step = 0.5 / s.lipschitz;
  std::string message;
  try {
    gradient_descent(problem, start, o);
  } catch (const NumericalError& e) {
    message = e.what();
  }
  CHECK(message.find("image 1") != std::string::npos);
  CHECK(message.find("not finite") != std::string::npos);
  PrimalDualOptions p;
  p.iterations = 3;
  p.regulariser_lipschitz = 1;
  CHECK_THROWS_AS(primal_dual(problem, start, p), NumericalError);
}
