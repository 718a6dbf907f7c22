// The point models and the curves of the 2-D toy (regularisers/point_models.hpp,
// toy_curves.hpp). Truths:
//   distances: the minimum over 400 000 points sampled on the curve (error
//   below half their spacing, ~3e-5), and the circle's closed form;
//   samples: on the curve (distance ~0) and the same whatever block of
//   indices draws them (the rank split);
//   convexity: the checker (tested in test_convexity_checker.cpp) passes on
//   a PointIcnn after project_weights() and fails on the same network with
//   its hidden weights made negative, and on a plain MLP;
//   match_distance: exact for d + constant, and -d is anti-correlated;
//   the losses run unchanged on points seen as 1 x 2 images.
#include "core/error.hpp"
#include "regularisers/convexity.hpp"
#include "regularisers/losses.hpp"
#include "regularisers/point_models.hpp"
#include "regularisers/toy_curves.hpp"
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::regularisers;

namespace {

torch::Tensor dense_distance(ToyCurve curve, const torch::Tensor& points) {
  const torch::Tensor c = curve_points(curve, torch::linspace(0, 1, 400000, torch::kFloat64));
  std::vector<torch::Tensor> out;
  for (std::int64_t i = 0; i < points.size(0); ++i)
    out.push_back((c - points[i]).norm(2, 1).min());
  return torch::stack(out);
}

PointModelOptions small() {
  PointModelOptions o;
  o.layers = 3;
  o.width = 16;
  o.smooth_layers = 2;
  o.smooth_width = 16;
  return o;
}

}  // namespace

TEST_CASE("distance to the curves agrees with dense sampling of the curve") {
  torch::manual_seed(3);
  const torch::Tensor points = (torch::rand({60, 2}, torch::kFloat64) * 4 - 2);
  for (ToyCurve curve : {ToyCurve::Circle, ToyCurve::Spiral}) {
    const double worst = (distance_to_curve(curve, points) - dense_distance(curve, points)).abs().max().item<double>();
    CAPTURE(int(curve));
    CHECK(worst < 5e-5);
  }
  const torch::Tensor on = torch::tensor({1.0, 0.0, 0.0, -1.0}).view({2, 2});
  CHECK(distance_to_curve(ToyCurve::Circle, on).abs().max().item<double>() < 1e-15);
  CHECK(distance_to_curve(ToyCurve::Circle, torch::zeros({1, 2}, torch::kFloat64)).item<double>() == doctest::Approx(1));
}

TEST_CASE("samples lie on the curve and do not depend on the block that draws them") {
  for (ToyCurve curve : {ToyCurve::Circle, ToyCurve::Spiral}) {
    const ToySamples all = toy_samples(curve, 7, 1, 100, 50, 0.3);
    CHECK(distance_to_curve(curve, all.truth).max().item<double>() < 1e-6);
    const ToySamples part = toy_samples(curve, 7, 1, 120, 10, 0.3);
    CHECK(torch::equal(part.truth, all.truth.narrow(0, 20, 10)));
    CHECK(torch::equal(part.noisy, all.noisy.narrow(0, 20, 10)));
    const double spread = (all.noisy - all.truth).std().item<double>();
    CHECK(spread > 0.2);
    CHECK(spread < 0.4);
  }
  CHECK_THROWS_AS(parse_toy_curve("square", "data.curve"), InputError);
}

TEST_CASE("the input-convex point network is convex after projection, and only then") {
  torch::manual_seed(11);
  PointIcnn icnn(small(), 2);
  icnn.to(torch::kFloat64);
  auto f = [&](const torch::Tensor& x) { return icnn.forward(x); };
  const auto [x, y] = nearby_pairs(400, {1, 1, 2}, 1.0, 0.05, 5);
  CHECK(check_convexity(f, x, y).passed());
  {
    torch::NoGradGuard no_grad;
    for (auto& p : icnn.named_parameters())
      if (p.key().rfind("wz", 0) == 0) p.value().neg_();
  }
  CHECK_FALSE(check_convexity(f, x, y).passed());
  icnn.project_weights();
  CHECK(check_convexity(f, x, y).passed());

  PointMlp mlp(small());
  mlp.to(torch::kFloat64);
  const ConvexityReport plain = check_convexity([&](const torch::Tensor& t) { return mlp.forward(t); }, x, y);
  CHECK_FALSE(plain.passed());
  CHECK(plain.needed_modulus > 0);
}

TEST_CASE("the losses train a point critic: the Wasserstein term falls below zero") {
  torch::manual_seed(2);
  PointIwcnn critic(small());
  critic.to(torch::kFloat64);
  torch::optim::Adam adam(critic.parameters(), torch::optim::AdamOptions(1e-2));
  double w = 0, first = 0;
  for (int step = 0; step < 300; ++step) {
    const ToySamples s = toy_samples(ToyCurve::Circle, 1, 1, std::uint64_t(step) * 64, 64, 0.3);
    const torch::Tensor eps = interpolation_weights(1, 2, step * 64, 64);
    adam.zero_grad();
    const CriticLossTerms t = critic_loss(critic, critic, as_point_images(s.truth), as_point_images(s.noisy), eps,
                                          GradientPenalty::OneSided, 10.0);
    (t.total / 64).backward();
    adam.step();
    critic.project_weights();
    w = t.wasserstein / 64;
    if (step == 0) first = w;
  }
  // R small on the curve, large off it: E R(truth) - E R(noisy) < 0, about
  // minus the mean distance of the noisy points (~0.24 for noise 0.3) at
  // best; an untrained critic is near 0.
  MESSAGE("Wasserstein term per sample: ", first, " at the start, ", w, " after 300 steps");
  CHECK(w < -0.1);
  CHECK(w < first - 0.05);
}

TEST_CASE("match_distance") {
  const torch::Tensor d = torch::rand({100}, torch::kFloat64);
  const DistanceMatch same = match_distance(d + 3, d);
  CHECK(same.error < 1e-14);
  CHECK(same.correlation == doctest::Approx(1));
  const DistanceMatch opposite = match_distance(-d, d);
  CHECK(opposite.error == doctest::Approx(2));
  CHECK(opposite.correlation == doctest::Approx(-1));
  CHECK(match_distance(d, d, d > 0.5).points == (d > 0.5).sum().item<std::int64_t>());
  CHECK_THROWS_AS(match_distance(d, d.narrow(0, 0, 50)), InputError);
  CHECK_THROWS_AS(points_of(torch::zeros({4, 1, 2, 2}, torch::kFloat64), 2, "critic"), InputError);
}
