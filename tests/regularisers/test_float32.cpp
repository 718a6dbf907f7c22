// The regularisers in float32 (the kinds' default training dtype) against
// the same weights in float64. Truths:
//   values and input gradients: the float64 evaluation of the same float32
//   weights on the same (float32-representable) images, which float32 must
//   match to its rounding (relative 1e-5; float32's epsilon is 6e-8 and a
//   network sums a few thousand terms);
//   the CNC's weight t and the IWCNN's certified rho: computed in float64
//   from the weights whatever their dtype, so equal to float64 rounding;
//   convexity: the checker at float32's tolerance passes the ICNN and the
//   ACR in float32 and still fails the ICNN with negative hidden weights, so
//   the pass is not the looser tolerance's doing;
//   training: a few Adam steps of the critic loss (Wasserstein + two-sided
//   penalty, double backward) in float32 follow the same steps in float64
//   from the same weights on the same data: finite, the same losses and
//   parameters to a small multiple of float32's rounding.
#include <functional>
#include <memory>

#include "nn/optimizer.hpp"
#include "regularisers/losses.hpp"

#include "regularisers/acr.hpp"
#include "regularisers/ar_critic.hpp"
#include "regularisers/cnc.hpp"
#include "regularisers/convexity.hpp"
#include "regularisers/icnn.hpp"
#include "regularisers/iwcnn.hpp"
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::regularisers;

namespace {

constexpr std::int64_t kSide = 16;
constexpr double kFloat32Tolerance = 1e-5;

IcnnOptions small_icnn() {
  IcnnOptions o;
  o.layers = 3;
  o.channels = 6;
  o.kernel = 3;
  o.init_scale = 0.3;  // visible curvature (the reference's 1e-3 makes R almost affine)
  return o;
}

AcrOptions small_acr() {
  AcrOptions o;
  o.icnn = small_icnn();
  o.banks = 2;
  o.filters = 4;
  o.filter_size = 3;
  o.sfb_weight_init = 0;  // the filter bank and the L2 term matter
  o.l2_weight_init = 0;
  return o;
}

IwcnnOptions small_iwcnn() {
  IwcnnOptions o;
  o.smooth.channels = 4;
  o.smooth.kernel = 3;
  o.icnn = small_icnn();
  return o;
}

using Make = std::function<std::shared_ptr<Regulariser>()>;

struct Precision {
  double value = 0, gradient = 0;  // largest relative differences float32 vs float64
};

// The same weights (drawn in float32 from `seed`, then widened exactly) in
// both dtypes, on the same images: relative differences of the values (to
// the largest |R|) and of each image's gradient (in norm).
Precision compare(const Make& make, std::uint64_t seed) {
  torch::manual_seed(seed);
  std::shared_ptr<Regulariser> wide = make();
  wide->to(torch::kFloat64);
  torch::manual_seed(seed);
  std::shared_ptr<Regulariser> narrow = make();  // float32, libtorch's default
  const torch::Tensor x32 = torch::randn({6, 1, kSide, kSide}, torch::kFloat32).requires_grad_(true);
  const torch::Tensor x64 = x32.detach().to(torch::kFloat64).requires_grad_(true);
  const torch::Tensor v32 = narrow->forward(x32), v64 = wide->forward(x64);
  const torch::Tensor g32 = torch::autograd::grad({v32.sum()}, {x32})[0];
  const torch::Tensor g64 = torch::autograd::grad({v64.sum()}, {x64})[0];
  REQUIRE(bool(v32.scalar_type() == torch::kFloat32));
  Precision p;
  p.value = ((v32.detach().to(torch::kFloat64) - v64.detach()).abs().max() / v64.detach().abs().max()).item<double>();
  p.gradient = ((g32.to(torch::kFloat64) - g64).flatten(1).norm(2, 1) / g64.flatten(1).norm(2, 1)).max().item<double>();
  return p;
}

ScalarFunction of(Regulariser& r) {
  return [&r](const torch::Tensor& x) { return r.forward(x); };
}

}  // namespace

TEST_CASE("float32 values and input gradients equal float64's to float32 rounding") {
  const std::vector<std::pair<const char*, Make>> models = {
      {"AR critic",
       [] {
         ArCriticOptions o;
         o.height = o.width = kSide;
         o.dense = 32;
         return std::make_shared<ArCritic>(o);
       }},
      {"ICNN", [] { return std::make_shared<Icnn>(small_icnn()); }},
      {"ACR", [] { return std::make_shared<Acr>(small_acr()); }},
      {"IWCNN", [] { return std::make_shared<Iwcnn>(small_iwcnn()); }},
      {"CNC", [] {
         CncOptions o;
         o.convex = small_acr();
         o.weak = small_iwcnn();
         o.enforce_condition = false;  // t = 1: the IWCNN's share is not scaled away
         return std::make_shared<Cnc>(o);
       }}};
  std::uint64_t seed = 70;
  for (const auto& [name, make] : models) {
    const Precision p = compare(make, ++seed);
    MESSAGE(std::string(name), ": float32 vs float64, value ", p.value, ", gradient ", p.gradient, " (relative)");
    CHECK(p.value < kFloat32Tolerance);
    CHECK(p.gradient < kFloat32Tolerance);
    CHECK(p.value > 0);  // float32 was really used: it does round
  }
}

TEST_CASE("the CNC's weight t and the IWCNN's certified rho do not depend on the weights' dtype") {
  CncOptions o;
  o.convex = small_acr();
  o.weak = small_iwcnn();
  torch::manual_seed(80);
  Cnc narrow(o);
  torch::manual_seed(80);
  Cnc wide(o);
  wide.to(torch::kFloat64);
  const double rho32 = narrow.weak().weak_convexity_modulus(kSide, kSide);
  const double rho64 = wide.weak().weak_convexity_modulus(kSide, kSide);
  MESSAGE("rho_W float32 ", rho32, ", float64 ", rho64, "; t ", narrow.weak_scale(kSide, kSide));
  CHECK(rho32 > 0);
  CHECK(rho32 == doctest::Approx(rho64).epsilon(1e-12));
  CHECK(narrow.weak_scale(kSide, kSide) == doctest::Approx(wide.weak_scale(kSide, kSide)).epsilon(1e-12));
  CHECK(narrow.margin(kSide, kSide) >= -1e-6);
}

TEST_CASE("the convexity checks pass the ICNN and the ACR in float32, and still fail a non-convex ICNN") {
  const ConvexityCheckOptions float32_tolerance{.relative_tolerance = 1e-4};
  auto [x, y] = nearby_pairs(128, {1, 6, 6}, 1.0, 0.1, 90, torch::kFloat32);
  auto [u, v] = random_pairs(128, {1, 6, 6}, 1.0, 91, torch::kFloat32);
  REQUIRE(bool(x.scalar_type() == torch::kFloat32));
  torch::manual_seed(92);
  Icnn icnn(small_icnn());
  CHECK(check_convexity(of(icnn), x, y, float32_tolerance).passed());
  CHECK(check_convexity(of(icnn), u, v, float32_tolerance).passed());
  torch::manual_seed(93);
  Acr acr(small_acr());
  CHECK(check_convexity(of(acr), x, y, float32_tolerance).passed());
  CHECK(check_convexity(of(acr), u, v, float32_tolerance).passed());
  {
    torch::NoGradGuard no_grad;
    for (auto& w : icnn.constrained_weights()) w.normal_(0, 0.3);  // about half negative
  }
  const ConvexityReport broken = check_convexity(of(icnn), x, y, float32_tolerance);
  MESSAGE("float32 ICNN with negative weights: ", broken.midpoint_violations, " midpoint and ",
          broken.monotonicity_violations, " monotonicity violations of 128");
  CHECK_FALSE(broken.passed());
  icnn.project_weights();
  CHECK(check_convexity(of(icnn), x, y, float32_tolerance).passed());
}

namespace {

// Smooth "truths" (Gaussian bumps at random centres) and noisy copies, in
// float64 but float32-representable, so that both trainings see the same data.
std::pair<torch::Tensor, torch::Tensor> bumps(std::int64_t count, std::uint64_t seed) {
  torch::manual_seed(seed);
  const torch::Tensor grid = torch::linspace(-1, 1, kSide, torch::kFloat64);
  const torch::Tensor centres = torch::rand({count, 2, 1, 1}, torch::kFloat64) - 0.5;
  const torch::Tensor dy = grid.view({1, kSide, 1}) - centres.select(1, 0), dx = grid.view({1, 1, kSide}) - centres.select(1, 1);
  const torch::Tensor truth = torch::exp(-(dx.square() + dy.square()) / 0.1).unsqueeze(1);
  const torch::Tensor noisy = truth + 0.3 * torch::randn_like(truth);
  return {truth.to(torch::kFloat32).to(torch::kFloat64), noisy.to(torch::kFloat32).to(torch::kFloat64)};
}

// `steps` Adam steps (the kinds' IWCNN settings: betas (0.5, 0.99)) of the
// critic loss with the two-sided penalty 5 on the whole model and
// project_weights() after each; the losses per step.
std::vector<double> train(Regulariser& model, torch::Dtype dtype, int steps) {
  nn::OptimizerOptions a;
  a.learning_rate = 1e-3;
  a.beta1 = 0.5;
  a.beta2 = 0.99;
  const auto optimizer = nn::make_optimizer(model.parameters(), a);
  std::vector<double> losses;
  for (int step = 0; step < steps; ++step) {
    auto [truth, noisy] = bumps(8, 100 + static_cast<std::uint64_t>(step));
    const torch::Tensor eps = interpolation_weights(101, static_cast<std::uint64_t>(step), 0, 8, dtype);
    optimizer->zero_grad();
    const CriticLossTerms t =
        critic_loss(model, model, truth.to(dtype), noisy.to(dtype), eps, GradientPenalty::TwoSided, 5.0);
    const torch::Tensor loss = t.total / 8.0;
    loss.backward();
    optimizer->step();
    model.project_weights();
    losses.push_back(loss.item<double>());
  }
  return losses;
}

}  // namespace

TEST_CASE("a short float32 training of the IWCNN and the CNC follows the float64 one") {
  const std::vector<std::pair<const char*, Make>> models = {
      {"IWCNN", [] { return std::make_shared<Iwcnn>(small_iwcnn()); }},
      {"CNC", [] {
         CncOptions o;
         o.convex = small_acr();
         o.weak = small_iwcnn();
         return std::make_shared<Cnc>(o);
       }}};
  for (const auto& [name, make] : models) {
    torch::manual_seed(110);
    std::shared_ptr<Regulariser> wide = make();
    wide->to(torch::kFloat64);
    torch::manual_seed(110);
    std::shared_ptr<Regulariser> narrow = make();
    const std::vector<double> l64 = train(*wide, torch::kFloat64, 10), l32 = train(*narrow, torch::kFloat32, 10);
    double loss_gap = 0, parameter_gap = 0;
    for (std::size_t k = 0; k < l64.size(); ++k) {
      REQUIRE(std::isfinite(l32[k]));
      loss_gap = std::max(loss_gap, std::abs(l32[k] - l64[k]) / std::abs(l64[k]));
    }
    const auto p64 = wide->parameters(), p32 = narrow->parameters();
    REQUIRE(p64.size() == p32.size());
    for (std::size_t i = 0; i < p64.size(); ++i) {
      REQUIRE(bool(p32[i].scalar_type() == torch::kFloat32));
      REQUIRE(bool(p32[i].isfinite().all().item<bool>()));
      const double scale = std::max(1.0, p64[i].abs().max().item<double>());
      parameter_gap = std::max(parameter_gap, (p32[i].to(torch::kFloat64) - p64[i]).abs().max().item<double>() / scale);
    }
    MESSAGE(std::string(name), ": 10 steps, loss ", l64.front(), " -> ", l64.back(), "; float32 vs float64: losses ",
            loss_gap, ", parameters ", parameter_gap, " (relative)");
    CHECK(l64.back() < l64.front());  // the training did something
    CHECK(loss_gap < 1e-4);
    CHECK(parameter_gap < 1e-4);
  }
}
