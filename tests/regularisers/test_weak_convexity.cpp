// The IWCNN's weak-convexity modulus and the CNC condition. Truths:
//   the SiLU bounds |phi'| <= 1.1, |phi''| <= 1/2: autograd on a dense grid;
//   conv_norm_bound >= the operator norm: power iteration (a lower bound);
//   Icnn::gradient_bound >= |grad R(x)| entry by entry (autograd), and
//   Icnn::lipschitz_bound >= |R(x) - R(y)| / |x - y| on random pairs;
//   the IWCNN: the checker (test_convexity_checker.cpp) finds it non-convex
//   and passes it at the computed rho;
//   the CNC energy: the checker on (kappa/2)|x|^2 + R, and on a real
//   quadratic data term 1/2 |Ax - y|^2 + lambda R with A^T A >= mu I built
//   from chosen singular values; without the enforced condition it fails.
#include <cmath>
#include <tuple>
#include <vector>

#include "core/error.hpp"
#include "gradient_check.hpp"
#include "regularisers/cnc.hpp"
#include "regularisers/convexity.hpp"
#include "regularisers/hessian.hpp"
#include "regularisers/iwcnn.hpp"
#include "regularisers/lipschitz.hpp"
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::regularisers;

namespace {

constexpr std::int64_t kSide = 6;

IwcnnOptions small_iwcnn() {
  IwcnnOptions o;
  o.smooth.layers = 1;
  o.smooth.channels = 4;
  o.smooth.kernel = 3;
  o.icnn.layers = 2;
  o.icnn.channels = 4;
  o.icnn.kernel = 3;
  o.icnn.init_scale = 0.5;  // visible curvature (the reference's 1e-3 makes R almost affine)
  return o;
}

// Scales a smooth layer's weights: a larger gain drives the SiLU into its
// curved range, so that the non-convexity is plain on random pairs.
void amplify(torch::nn::Module& m, const std::string& name, double gain) {
  torch::NoGradGuard no_grad;
  m.named_parameters()[name].mul_(gain);
}

ScalarFunction of(Regulariser& r) {
  return [&r](const torch::Tensor& x) { return r.forward(x); };
}

}  // namespace

TEST_CASE("the SiLU's slope and curvature bounds hold on a dense grid") {
  torch::Tensor t = torch::linspace(-60, 60, 1200001, torch::kFloat64).requires_grad_(true);
  torch::Tensor d1 = torch::autograd::grad({torch::silu(t).sum()}, {t}, {}, true, true)[0];
  torch::Tensor d2 = torch::autograd::grad({d1.sum()}, {t})[0];
  const double slope = d1.abs().max().item<double>(), curvature = d2.abs().max().item<double>();
  MESSAGE("max |silu'| = ", slope, ", max |silu''| = ", curvature);
  CHECK(slope <= kSiluSlopeBound);
  CHECK(slope == doctest::Approx(1.0998).epsilon(1e-4));  // the bound is tight to 0.02 %
  CHECK(curvature <= kSiluCurvatureBound);
  CHECK(curvature == doctest::Approx(0.5).epsilon(1e-9));  // attained at t = 0
}

// Power iteration on K^T K for side x side images: converges to |K| from below.
double power_norm(const torch::Tensor& w, std::int64_t side, int iterations = 300) {
  const std::int64_t pad = w.size(2) / 2;
  torch::Tensor v = torch::randn({1, w.size(1), side, side}, torch::kFloat64);
  double norm = 0;
  for (int k = 0; k < iterations; ++k) {
    v = v / v.norm();
    const torch::Tensor kv = torch::conv2d(v, w, {}, 1, pad);
    norm = kv.norm().item<double>();
    v = torch::conv_transpose2d(kv, w, {}, 1, pad);
  }
  return norm;
}

TEST_CASE("conv_norm_bound bounds the convolution's operator norm") {
  torch::manual_seed(31);
  for (int trial = 0; trial < 4; ++trial) {
    const torch::Tensor w = torch::randn({5, 3, 3, 3}, torch::kFloat64);
    const double norm = power_norm(w, 12);
    const double bound = conv_norm_bound(w);
    CHECK(norm <= bound);
    CHECK(bound < 4 * norm);  // a usable bound, not an arbitrary large number
  }
  // The identity convolution has norm 1 and the bound is exact.
  torch::Tensor identity = torch::zeros({2, 2, 3, 3}, torch::kFloat64);
  identity[0][0][1][1] = identity[1][1][1][1] = 1;
  CHECK(conv_norm_bound(identity) == 1.0);
}

TEST_CASE("the Fourier bound is an upper bound, tight on large images, and below Schur's on random kernels") {
  torch::manual_seed(34);
  // (out, in, k): a first smooth layer (in = 1, one vector norm per
  // frequency), a deeper one (a matrix per frequency), a wider kernel.
  for (const auto& [out, in, k] : std::vector<std::tuple<int, int, int>>{{8, 1, 5}, {4, 4, 3}, {3, 2, 7}}) {
    const torch::Tensor w = torch::randn({out, in, k, k}, torch::kFloat64);
    const double small = power_norm(w, 10), large = power_norm(w, 64);
    const double fourier = fourier_conv_norm_bound(w), schur = schur_conv_norm_bound(w);
    MESSAGE(out, "x", in, "x", k, "x", k, ": power iteration ", small, " (10^2), ", large, " (64^2); Fourier bound ",
            fourier, ", Schur ", schur);
    CHECK(small <= fourier);
    CHECK(large <= fourier);
    CHECK(fourier < 1.1 * large);  // the sup over the torus, approached by large images, +6.7 % Bernstein margin
    CHECK(fourier < schur);
    CHECK(conv_norm_bound(w) == fourier);
  }
}

TEST_CASE("the ICNN's gradient and Lipschitz bounds hold") {
  torch::manual_seed(32);
  IcnnOptions o = small_iwcnn().icnn;
  Icnn icnn(o);
  icnn.to(torch::kFloat64);
  auto [x, y] = random_pairs(64, {1, kSide, kSide}, 1.0, 33);
  {
    torch::Tensor xg = x.clone().requires_grad_(true);
    const torch::Tensor g = torch::autograd::grad({icnn.forward(xg).sum()}, {xg})[0];
    const torch::Tensor bound = icnn.gradient_bound(kSide, kSide);
    CHECK((g.abs() <= bound * (1 + 1e-12)).all().item<bool>());
  }
  torch::NoGradGuard no_grad;
  const torch::Tensor ratio = (icnn.forward(x) - icnn.forward(y)).abs().flatten() / (x - y).flatten(1).norm(2, 1);
  const double bound = icnn.lipschitz_bound(kSide, kSide);
  MESSAGE("ICNN: largest observed slope ", ratio.max().item<double>(), ", bound ", bound);
  CHECK(ratio.max().item<double>() <= bound);
}

TEST_CASE("an untrained IWCNN is not convex, but rho-weakly convex with the computed rho") {
  torch::manual_seed(36);
  Iwcnn iwcnn(small_iwcnn());
  iwcnn.to(torch::kFloat64);
  amplify(iwcnn, "smooth0.weight", 2);
  auto [x, y] = nearby_pairs(256, {1, kSide, kSide}, 2.0, 0.1, 35);  // short segments find local non-convexity
  const ConvexityReport plain = check_convexity(of(iwcnn), x, y);
  const double rho = iwcnn.weak_convexity_modulus(kSide, kSide);
  MESSAGE("IWCNN: ", plain.midpoint_violations, " midpoint and ", plain.monotonicity_violations,
          " monotonicity violations of 256; the pairs need rho >= ", plain.needed_modulus, ", the bound is ", rho);
  CHECK_FALSE(plain.passed());
  CHECK(plain.monotonicity_violations > 0);
  CHECK(plain.needed_modulus > 0);
  const ConvexityReport weak = check_convexity(of(iwcnn), x, y, {.modulus = rho});
  CHECK(weak.passed());
  CHECK(plain.needed_modulus <= rho);
  // The most negative curvature at the points, a sharper lower bound of the
  // true modulus than random pairs: still below rho.
  const CurvatureEstimate curvature = hessian_extreme_eigenvalues(of(iwcnn), x.narrow(0, 0, 64), 100, 36);
  const double local = -curvature.smallest.min().item<double>();
  MESSAGE("IWCNN: most negative Hessian eigenvalue -", local, " at 64 points; rho / observed = ", rho / local);
  CHECK(local > 0);
  CHECK(local <= rho);
  // Many more points, independent and far apart (scale 1 to 4): the most
  // negative Hessian eigenvalue anywhere it was looked for stays below rho.
  for (double scale : {1.0, 2.0, 4.0}) {
    auto [u, v] = random_pairs(128, {1, kSide, kSide}, scale, 37 + static_cast<std::uint64_t>(scale));
    const CurvatureEstimate far = hessian_extreme_eigenvalues(of(iwcnn), torch::cat({u, v}), 100, 38);
    const double seen = -far.smallest.min().item<double>();
    MESSAGE("IWCNN: most negative Hessian eigenvalue -", seen, " at 256 points of scale ", scale, " (rho ", rho, ")");
    CHECK(seen <= rho);
  }
  // Its gradient is autograd's too (the smooth part included).
  CHECK(testing::gradient_error(iwcnn, x.narrow(0, 0, 2), 36) < 1e-6);
}

TEST_CASE("with two smooth layers, too, rho bounds the negative curvature found anywhere") {
  torch::manual_seed(39);
  IwcnnOptions o = small_iwcnn();
  o.smooth.layers = 2;
  Iwcnn iwcnn(o);
  iwcnn.to(torch::kFloat64);
  amplify(iwcnn, "smooth0.weight", 2);
  amplify(iwcnn, "smooth1.weight", 2);
  const double rho = iwcnn.weak_convexity_modulus(kSide, kSide);
  auto [x, y] = nearby_pairs(256, {1, kSide, kSide}, 2.0, 0.1, 40);
  const ConvexityReport plain = check_convexity(of(iwcnn), x, y);
  CHECK(plain.needed_modulus > 0);
  CHECK(check_convexity(of(iwcnn), x, y, {.modulus = rho}).passed());
  auto [u, v] = random_pairs(128, {1, kSide, kSide}, 2.0, 41);
  const CurvatureEstimate curvature = hessian_extreme_eigenvalues(of(iwcnn), torch::cat({x.narrow(0, 0, 128), u, v}), 100, 42);
  const double seen = -curvature.smallest.min().item<double>();
  MESSAGE("IWCNN, 2 smooth layers: pairs need ", plain.needed_modulus, ", most negative Hessian eigenvalue -", seen,
          " at 384 points, rho ", rho, " (", rho / seen, "x)");
  CHECK(seen > 0);
  CHECK(seen <= rho);
}

TEST_CASE("the CNC energy is convex although its learned weakly convex part is not") {
  torch::manual_seed(36);
  CncOptions o;
  o.convex.icnn.layers = 2;
  o.convex.icnn.channels = 4;
  o.convex.icnn.kernel = 3;
  o.convex.banks = 1;
  o.convex.filters = 2;
  o.convex.filter_size = 3;
  o.convex.l2_weight_init = 0;  // sigma = 2 log 2
  o.weak = small_iwcnn();
  o.weak.icnn.init_scale = 2;  // a weak part far from convex
  auto [x, y] = nearby_pairs(256, {1, kSide, kSide}, 2.0, 0.1, 37);
  for (double kappa : {0.0, 0.5}) {
    o.data_curvature = kappa;
    torch::manual_seed(36);
    Cnc cnc(o);
    cnc.to(torch::kFloat64);
    amplify(cnc, "weak.smooth0.weight", 2);
    const double t = cnc.weak_scale(kSide, kSide);
    const double rho = cnc.weak().weak_convexity_modulus(kSide, kSide);
    MESSAGE("kappa ", kappa, ": rho_W = ", rho, ", sigma = ", cnc.convex().strong_convexity_modulus(), ", t = ", t);
    CHECK(t > 0);
    CHECK(t <= 1);
    CHECK(cnc.margin(kSide, kSide) >= -1e-12 * rho);
    CHECK_FALSE(check_convexity(of(cnc.weak()), x, y).passed());  // the learned part alone
    const ConvexityReport energy = check_convexity([&](const torch::Tensor& v) { return cnc.minimal_energy(v); }, x, y);
    CHECK(energy.passed());
    // t is cached on the parameters' versions: an in-place change of the
    // weights (an optimizer step) recomputes it.
    amplify(cnc, "weak.smooth0.weight", 1.5);
    const double rho_after = cnc.weak().weak_convexity_modulus(kSide, kSide);
    CHECK(rho_after > rho);
    CHECK(cnc.weak_scale(kSide, kSide) ==
          doctest::Approx(std::min(1.0, (kappa + cnc.convex().strong_convexity_modulus()) / rho_after)).epsilon(1e-14));
  }
}

TEST_CASE("the CNC condition matters: a real quadratic data term, with and without it") {
  torch::manual_seed(38);
  const std::int64_t n = kSide * kSide;
  const double mu = 0.05, lambda = 1.0;
  // A = U diag(s) V^T with singular values in [sqrt(mu), 2]: A^T A >= mu I exactly.
  const torch::Tensor u = std::get<0>(torch::linalg::qr(torch::randn({n, n}, torch::kFloat64)));
  const torch::Tensor v = std::get<0>(torch::linalg::qr(torch::randn({n, n}, torch::kFloat64)));
  const torch::Tensor s = torch::linspace(std::sqrt(mu), 2.0, n, torch::kFloat64);
  const torch::Tensor a = u.mm(torch::diag(s)).mm(v.t());
  const torch::Tensor data = torch::randn({n}, torch::kFloat64);
  CncOptions o;
  o.convex.icnn.layers = 1;
  o.convex.icnn.channels = 2;
  o.convex.icnn.kernel = 3;
  o.convex.banks = 0;
  o.weak = small_iwcnn();
  o.weak.icnn.init_scale = 2;
  o.data_curvature = mu / lambda;
  auto [x, y] = nearby_pairs(256, {1, kSide, kSide}, 2.0, 0.1, 39);
  auto energy = [&](Cnc& cnc) {
    return [&, lambda](const torch::Tensor& img) {
      const torch::Tensor r = img.flatten(1).mm(a.t()) - data;
      return 0.5 * r.square().sum(1) + lambda * per_image(cnc.forward(img));
    };
  };
  torch::manual_seed(40);
  Cnc enforced(o);
  enforced.to(torch::kFloat64);
  amplify(enforced, "weak.smooth0.weight", 2);
  CHECK(check_convexity(energy(enforced), x, y).passed());
  o.enforce_condition = false;  // t = 1: the learned part's non-convexity shows
  torch::manual_seed(40);
  Cnc free(o);
  free.to(torch::kFloat64);
  amplify(free, "weak.smooth0.weight", 2);
  CHECK(free.weak_scale(kSide, kSide) == 1.0);
  CHECK_FALSE(check_convexity(energy(free), x, y).passed());
  o.data_curvature = -1;
  CHECK_THROWS_WITH_AS(Cnc(o, "regulariser.cnc"), doctest::Contains("regulariser.cnc.data_curvature"), InputError);
}
