// An ACR trained by nn::TrainingLoop with the library's critic loss
// (Wasserstein + two-sided penalty on the ICNN) and project_weights() as the
// module's after_update. Truths: the constrained weights are non-negative
// after every step, while the same training without the projection leaves
// negative ones (so the check can fail); the trained ACR passes the
// convexity checker; the critic separates truths from noisy images (the
// Wasserstein term falls below its start); data-parallel training on all
// ranks equals the same training on one rank (float64, 1e-12).
#include <cmath>
#include <memory>

#include "core/mpi.hpp"
#include "core/rng.hpp"
#include "nn/optimizer.hpp"
#include "nn/training_loop.hpp"
#include "regularisers/acr.hpp"
#include "regularisers/convexity.hpp"
#include "regularisers/losses.hpp"
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::regularisers;

namespace {

constexpr std::int64_t kBatch = 8, kSide = 8, kSteps = 8;

// Sample i of step s: a smooth "truth" (a bump at a random centre) and the
// same image with noise, keyed by the global index.
std::pair<torch::Tensor, torch::Tensor> draw(std::int64_t step, const Range& r) {
  torch::Tensor truth = torch::zeros({r.count, 1, kSide, kSide}, torch::kFloat64);
  torch::Tensor noisy = torch::zeros_like(truth);
  const CounterRng rng(61, static_cast<std::uint64_t>(step));
  for (std::int64_t i = 0; i < r.count; ++i) {
    const auto c = rng.uniform4(static_cast<std::uint64_t>(r.begin + i), 0);
    for (std::int64_t p = 0; p < kSide * kSide; ++p) {
      const double y = p / kSide, x = p % kSide;
      const double v = std::exp(-(std::pow(x - 2 - 4 * c.u[0], 2) + std::pow(y - 2 - 4 * c.u[1], 2)) / 4);
      const auto n = rng.uniform4(static_cast<std::uint64_t>(r.begin + i), 1 + p);
      double z1, z2;
      box_muller(n.u[0], n.u[1], z1, z2);
      truth[i][0][p / kSide][p % kSide] = v;
      noisy[i][0][p / kSide][p % kSide] = v + 0.3 * z1;
    }
  }
  return {truth, noisy};
}

struct Critic {
  std::shared_ptr<Acr> acr;
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::vector<double> wasserstein;      // global sums per step (this rank's view)
  double smallest_constrained = 1e300;  // over all steps

  Critic() {
    torch::manual_seed(62);
    AcrOptions o;
    o.icnn.layers = 2;
    o.icnn.channels = 4;
    o.icnn.kernel = 3;
    o.banks = 1;
    o.filters = 2;
    o.filter_size = 3;
    acr = std::make_shared<Acr>(o);
    acr->to(torch::kFloat64);
    nn::OptimizerOptions a;
    a.learning_rate = 2e-3;
    a.beta1 = 0.5;
    a.beta2 = 0.99;  // the reference's betas
    optimizer = nn::make_optimizer(acr->parameters(), a);
  }

  void train(const mpi::Comm& comm, bool project) {
    nn::TrainingOptions o;
    o.name = "acr";
    o.steps = kSteps;
    nn::TrainedModule m{"critic", acr.get(), optimizer.get(), {}};
    if (project) m.after_update = [this] { acr->project_weights(); };
    nn::TrainingLoop loop({m}, comm, o);
    loop.run({.losses = {[&](std::int64_t step, std::int64_t) {
                const Range r = comm.block(kBatch);
                auto [truth, noisy] = draw(step, r);
                const torch::Tensor eps = interpolation_weights(63, static_cast<std::uint64_t>(step), r.begin, r.count);
                CriticLossTerms t = critic_loss(*acr, acr->icnn(), truth, noisy, eps, GradientPenalty::TwoSided, 5.0);
                const torch::Tensor loss = t.total / double(kBatch);
                loss.backward();
                wasserstein.push_back(comm.sum(t.wasserstein) / kBatch);
                return loss.item<double>();
              }},
              .progress = [&](const nn::StepRecord&) {
                for (const auto& w : acr->icnn().constrained_weights())
                  smallest_constrained = std::min(smallest_constrained, w.min().item<double>());
              }});
  }
};

}  // namespace

TEST_CASE("an ACR trained by the TrainingLoop stays convex through project_weights") {
  mpi::Comm world;
  Critic projected;
  projected.train(world, true);
  CHECK(projected.smallest_constrained >= 0);
  MESSAGE("Wasserstein term per image: ", projected.wasserstein.front(), " -> ", projected.wasserstein.back());
  CHECK(projected.wasserstein.back() < projected.wasserstein.front());
  auto [x, y] = nearby_pairs(64, {1, kSide, kSide}, 1.0, 0.1, 64);
  CHECK(check_convexity([&](const torch::Tensor& v) { return projected.acr->forward(v); }, x, y).passed());

  Critic free;
  free.train(world, false);
  CHECK(free.smallest_constrained < 0);  // Adam alone leaves the convex class

  // The same training on this rank alone (the whole batch) gives the same parameters.
  Critic alone;
  alone.train(mpi::Comm(MPI_COMM_SELF), true);
  const auto a = projected.acr->parameters(), b = alone.acr->parameters();
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, (a[i] - b[i]).abs().max().item<double>());
  MESSAGE("largest parameter difference, all ranks vs one: ", worst);
  CHECK(worst < 1e-12);
}
