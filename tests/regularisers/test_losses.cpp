// The adversarial training losses. Truths written out by hand:
//   a linear critic R(x) = <w, x> + b has grad R = w everywhere, so the
//   penalty is N max(|w| - 1, 0)^2 (one-sided) or N (|w| - 1)^2, and its
//   gradient in w is N 2 (|w| - 1) w / |w| (the double backward);
//   a quadratic critic R(x) = (c/2)|x|^2 has grad R(xhat) = c xhat, with
//   xhat = eps x_gen + (1 - eps) x_true computed here;
//   the penalty's parameter gradient through a real ICNN: central
//   differences in one weight (float64);
//   the Wasserstein term: sums of the critic's values;
//   interpolation weights: keyed by global index (a split batch draws the same);
//   the lambda heuristic: 2 mean |g_i| for rows of known norm.
#include <cmath>

#include "core/error.hpp"
#include "regularisers/icnn.hpp"
#include "regularisers/losses.hpp"
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::regularisers;

namespace {

class LinearCritic : public Regulariser {
public:
  explicit LinearCritic(const torch::Tensor& w) {
    w_ = register_parameter("w", w.clone());
    b_ = register_parameter("b", torch::full({1}, 0.3, torch::kFloat64));
  }
  torch::Tensor forward(const torch::Tensor& x) override { return (x * w_).sum({1, 2, 3}).unsqueeze(1) + b_; }
  torch::Tensor w_, b_;
};

class QuadraticCritic : public Regulariser {
public:
  explicit QuadraticCritic(double c) : c_(c) {}
  torch::Tensor forward(const torch::Tensor& x) override { return 0.5 * c_ * x.square().sum({1, 2, 3}).unsqueeze(1); }
  double c_;
};

}  // namespace

TEST_CASE("the gradient penalty of a linear critic, by hand") {
  const std::int64_t n = 5;
  const torch::Tensor truth = torch::randn({n, 1, 3, 4}, torch::kFloat64);
  const torch::Tensor generated = torch::randn({n, 1, 3, 4}, torch::kFloat64);
  const torch::Tensor eps = interpolation_weights(1, 2, 0, n);
  for (double norm : {0.5, 2.0}) {
    torch::Tensor w = torch::randn({1, 1, 3, 4}, torch::kFloat64);
    w = w * (norm / w.norm().item<double>());
    LinearCritic critic(w);
    const torch::Tensor one = gradient_penalty(critic, truth, generated, eps, GradientPenalty::OneSided);
    const torch::Tensor two = gradient_penalty(critic, truth, generated, eps, GradientPenalty::TwoSided);
    CHECK(one.item<double>() == doctest::Approx(n * std::pow(std::max(norm - 1, 0.0), 2)).epsilon(1e-12));
    CHECK(two.item<double>() == doctest::Approx(n * std::pow(norm - 1, 2)).epsilon(1e-12));
    // d/dw of N (|w| - 1)^2 = N 2 (|w| - 1) w / |w|: needs create_graph.
    two.backward();
    const torch::Tensor expected = n * 2 * (norm - 1) * w / norm;
    CHECK((critic.w_.grad() - expected).abs().max().item<double>() < 1e-12);
    CHECK_FALSE(critic.b_.grad().defined());  // b does not move the gradient: not in the graph
  }
}

TEST_CASE("the gradient penalty interpolates truth and reconstruction with one eps per sample") {
  const std::int64_t n = 4;
  const torch::Tensor truth = torch::randn({n, 1, 2, 2}, torch::kFloat64);
  const torch::Tensor generated = torch::randn({n, 1, 2, 2}, torch::kFloat64);
  const torch::Tensor eps = interpolation_weights(3, 4, 10, n);
  QuadraticCritic critic(1.7);
  double one = 0, two = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double e = eps[i].item<double>();
    const double g = 1.7 * (e * generated[i] + (1 - e) * truth[i]).norm().item<double>();
    one += std::pow(std::max(g - 1, 0.0), 2);
    two += std::pow(g - 1, 2);
  }
  CHECK(gradient_penalty(critic, truth, generated, eps, GradientPenalty::OneSided).item<double>() ==
        doctest::Approx(one).epsilon(1e-12));
  CHECK(gradient_penalty(critic, truth, generated, eps, GradientPenalty::TwoSided).item<double>() ==
        doctest::Approx(two).epsilon(1e-12));
  CHECK_THROWS_AS(gradient_penalty(critic, truth, generated, eps.narrow(0, 0, 3), GradientPenalty::TwoSided),
                  InputError);
}

TEST_CASE("the penalty's parameter gradient through an ICNN equals central differences") {
  torch::manual_seed(41);
  IcnnOptions o;
  o.layers = 2;
  o.channels = 3;
  o.kernel = 3;
  o.init_scale = 0.5;
  Icnn icnn(o);
  icnn.to(torch::kFloat64);
  const torch::Tensor truth = torch::randn({3, 1, 5, 5}, torch::kFloat64);
  const torch::Tensor generated = torch::randn({3, 1, 5, 5}, torch::kFloat64);
  const torch::Tensor eps = interpolation_weights(5, 6, 0, 3);
  auto penalty = [&] { return gradient_penalty(icnn, truth, generated, eps, GradientPenalty::TwoSided); };
  penalty().backward();
  for (const auto& p : icnn.named_parameters()) {
    torch::Tensor param = p.value();
    const double analytic = param.grad().flatten()[0].item<double>();
    const double h = 1e-6;
    double fd;
    {
      torch::NoGradGuard no_grad;
      param.flatten()[0] += h;
    }
    const double up = penalty().item<double>();
    {
      torch::NoGradGuard no_grad;
      param.flatten()[0] -= 2 * h;
    }
    const double down = penalty().item<double>();
    {
      torch::NoGradGuard no_grad;
      param.flatten()[0] += h;
    }
    fd = (up - down) / (2 * h);
    INFO(p.key());
    // h = 1e-6, float64: truncation and rounding both ~1e-9 relative.
    CHECK(analytic == doctest::Approx(fd).epsilon(1e-6));
  }
}

TEST_CASE("the Wasserstein loss and the critic loss are sums over the shard") {
  const torch::Tensor truth = torch::randn({3, 1, 2, 3}, torch::kFloat64);
  const torch::Tensor generated = torch::randn({3, 1, 2, 3}, torch::kFloat64);
  const torch::Tensor w = torch::randn({1, 1, 2, 3}, torch::kFloat64);
  LinearCritic critic(w);
  double expected = 0;
  for (std::int64_t i = 0; i < 3; ++i) expected += (w * (truth[i] - generated[i])).sum().item<double>();  // b cancels
  CHECK(wasserstein_loss(critic, truth, generated).item<double>() == doctest::Approx(expected).epsilon(1e-12));
  const torch::Tensor eps = interpolation_weights(7, 8, 0, 3);
  const CriticLossTerms terms = critic_loss(critic, critic, truth, generated, eps, GradientPenalty::OneSided, 20);
  const double norm = w.norm().item<double>();
  CHECK(terms.wasserstein == doctest::Approx(expected).epsilon(1e-12));
  CHECK(terms.penalty == doctest::Approx(3 * std::pow(std::max(norm - 1, 0.0), 2)).epsilon(1e-12));
  CHECK(terms.total.item<double>() == doctest::Approx(terms.wasserstein + 20 * terms.penalty).epsilon(1e-12));
  CHECK_THROWS_AS(critic_loss(critic, critic, truth, generated, eps, GradientPenalty::OneSided, -1), InputError);
  CHECK_THROWS_AS(wasserstein_loss(critic, truth, generated.narrow(0, 0, 2)), InputError);
}

TEST_CASE("interpolation weights depend on the global index only") {
  const torch::Tensor whole = interpolation_weights(9, 3, 0, 10);
  const torch::Tensor split = torch::cat({interpolation_weights(9, 3, 0, 4), interpolation_weights(9, 3, 4, 6)});
  CHECK(torch::equal(whole, split));
  CHECK(whole.min().item<double>() > 0);
  CHECK(whole.max().item<double>() < 1);
  CHECK_FALSE(torch::equal(whole, interpolation_weights(9, 4, 0, 10)));  // another key, other weights
}

TEST_CASE("the lambda heuristic is twice the mean residual gradient norm") {
  torch::Tensor g = torch::zeros({3, 1, 2, 2}, torch::kFloat64);
  g[0][0][0][0] = 3;
  g[0][0][1][1] = 4;   // |g_0| = 5
  g[1][0][0][1] = -1;  // |g_1| = 1
  // |g_2| = 0
  CHECK(residual_gradient_norm_sum(g) == doctest::Approx(6.0));
  CHECK(lambda_heuristic(g) == doctest::Approx(2.0 * 6.0 / 3.0));
  // Shards: sums add, the global count divides.
  CHECK(lambda_from_residual_sum(
            residual_gradient_norm_sum(g.narrow(0, 0, 1)) + residual_gradient_norm_sum(g.narrow(0, 1, 2)), 3) ==
        doctest::Approx(4.0));
  CHECK_THROWS_AS(lambda_from_residual_sum(1.0, 0), InputError);
  CHECK_THROWS_AS(lambda_from_residual_sum(-1.0, 2), InputError);
}
