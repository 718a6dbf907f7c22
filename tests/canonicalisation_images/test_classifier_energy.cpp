// The classifier energy E(h) = -logsumexp(logits(h . u)) + w B(h)
// (solvers/canonicalisation/images/classifier_energy.hpp). Truths:
//   the autograd gradient in the algebra coordinates equals central finite
//   differences of the energy (both groups, both boundary penalties, about
//   the identity and about another base element, float64 network);
//   at the identity E is -logsumexp of the network's logits of u computed
//   directly, and no pixel samples outside (B = 0);
//   a translation by 1/2 gives the squared-excess penalty computed pixel by
//   pixel here and a smooth fraction near the quarter of the frame that
//   left; a homography through the horizon is +infinity with a zero
//   gradient; bad options and shapes are InputErrors naming them.
#include <fmt/format.h>

#include <cmath>

#include "canonicalisation/images/classifier.hpp"
#include "canonicalisation/images/classifier_energy.hpp"
#include "canonicalisation/images/matrix_groups.hpp"
#include "canonicalisation/images/warp.hpp"
#include "core/error.hpp"
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::canonicalisation;
using namespace structura::canonicalisation::images;

namespace {

// A random float64 network and a smooth-ish random image.
struct Fixture {
  SmallCnn model;
  torch::Tensor image;
  Fixture(std::int64_t n = 12) : model(ClassifierOptions{8, 32, 10}) {
    torch::manual_seed(5);
    model->to(torch::kFloat64);
    model->eval();
    image = torch::nn::functional::avg_pool2d(torch::rand({1, 1, n + 2, n + 2}, torch::kFloat64),
                                              torch::nn::functional::AvgPool2dFuncOptions(3).stride(1))
                .reshape({n, n});
  }
  Logits logits() {
    return [m = model](const torch::Tensor& x) mutable { return m->forward(x); };
  }
};

template <class F>
std::string input_error(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  FAIL("no InputError");
  return {};
}

}  // namespace

TEST_CASE("autograd gradient in the algebra = central finite differences") {
  Fixture fx;
  for (const MatrixGroup& group : {affine_group(), homography_group()}) {
    for (BoundaryPenalty penalty : {BoundaryPenalty::SquaredExcess, BoundaryPenalty::Fraction}) {
      const ClassifierEnergy energy(group, fx.logits(), fx.image, {0.7, penalty});
      const int k = group.dimension(), rows = 5;
      torch::manual_seed(11);
      const auto eps_t = (0.8 * torch::randn({rows, k}, torch::kFloat64)).contiguous();
      const std::vector<double> eps(eps_t.data_ptr<double>(), eps_t.data_ptr<double>() + rows * k);
      std::vector<double> base_eps(k, 0.0);
      for (int j = 0; j < k; ++j) base_eps[j] = 0.5 * std::cos(1.0 + j);
      for (const Element& base : {group.identity(), group.exp(base_eps)}) {
        const EnergyBatch b = energy.evaluate(base, eps, rows);
        REQUIRE(b.energy.size() == std::size_t(rows));
        REQUIRE(b.gradient.size() == std::size_t(rows * k));
        double worst = 0, largest = 0, boundary_seen = 0;
        for (int r = 0; r < rows; ++r) {
          REQUIRE(std::isfinite(b.energy[r]));
          std::vector<double> row(eps.begin() + r * k, eps.begin() + (r + 1) * k);
          // The same energy through energies(): h = exp(eps) base.
          const double direct = energy.energies({group.compose(group.exp(row), base)})[0];
          CHECK(std::abs(direct - b.energy[r]) < 1e-12 * (1 + std::abs(direct)));
          for (int j = 0; j < k; ++j) {
            const double step = 1e-6;
            std::vector<double> plus = row, minus = row;
            plus[j] += step;
            minus[j] -= step;
            const double ep = energy.evaluate(base, plus, 1).energy[0];
            const double em = energy.evaluate(base, minus, 1).energy[0];
            const double fd = (ep - em) / (2 * step);
            worst = std::max(worst, std::abs(fd - b.gradient[r * k + j]));
            largest = std::max(largest, std::abs(fd));
          }
          boundary_seen = std::max(boundary_seen, direct);
        }
        MESSAGE(fmt::format("{} / {}: largest |dE/deps| {:.3e}, autograd - FD {:.1e}", group.name(),
                            penalty == BoundaryPenalty::SquaredExcess ? "squared-excess" : "fraction", largest, worst));
        CHECK(largest > 1e-3);  // a gradient worth comparing
        CHECK(worst < 1e-6 * largest);
      }
    }
  }
}

TEST_CASE("energy at the identity, a known translation and through the horizon") {
  Fixture fx(16);
  const MatrixGroup group = homography_group();
  const auto direct = -torch::logsumexp(fx.model->forward(fx.image.reshape({1, 1, 16, 16})), 1).item<double>();
  for (BoundaryPenalty penalty : {BoundaryPenalty::SquaredExcess, BoundaryPenalty::Fraction}) {
    const ClassifierEnergy energy(group, fx.logits(), fx.image, {3.0, penalty});
    const double e = energy.energies({group.identity()})[0];
    if (penalty == BoundaryPenalty::SquaredExcess)
      CHECK(std::abs(e - direct) < 1e-13);
    else  // a sigmoid of minus half a pixel at the border pixels, e^-... small but not 0
      CHECK(e - direct > 0);
  }
  // h = translation by +1/2 in x: h^-1 samples at x - 1/2; the pixels with
  // x < -1/2 sample outside, by (-1/2 - x) - ... computed pixel by pixel.
  const Element shift = {1, 0, 0.5, 0, 1, 0, 0, 0, 1};
  double squared = 0;
  for (int j = 0; j < 16; ++j) {
    const double x = (2.0 * j + 1) / 16 - 1 - 0.5;
    const double out = std::max(0.0, std::abs(x) - 1);
    squared += out * out;  // the same for every row; y stays inside
  }
  squared /= 16;
  const auto warped = act(fx.image.unsqueeze(0), {shift}).unsqueeze(1);
  const double logits_term = -torch::logsumexp(fx.model->forward(warped), 1).item<double>();
  const ClassifierEnergy excess(group, fx.logits(), fx.image, {2.0, BoundaryPenalty::SquaredExcess});
  CHECK(std::abs(excess.energies({shift})[0] - (logits_term + 2.0 * squared)) < 1e-12);
  const ClassifierEnergy fraction(group, fx.logits(), fx.image, {1.0, BoundaryPenalty::Fraction});
  const double f = fraction.energies({shift})[0] - logits_term;
  MESSAGE(fmt::format("translation by 1/2: squared excess {:.5f}, smooth fraction {:.4f} (a quarter leaves)", squared, f));
  double smooth = 0;  // sigmoid((max(|x|, |y|) - 1) / tau), tau = one pixel width
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 16; ++j) {
      const double x = (2.0 * j + 1) / 16 - 1 - 0.5, y = (2.0 * i + 1) / 16 - 1;
      smooth += 1 / (1 + std::exp(-(std::max(std::abs(x), std::abs(y)) - 1) / (2.0 / 16)));
    }
  smooth /= 256;
  CHECK(std::abs(f - smooth) < 1e-12);
  CHECK(std::abs(f - 0.25) < 0.06);  // near the quarter of the frame that left
  // A homography whose inverse sends part of the frame through the horizon.
  const Element horizon = group.inverse({1, 0, 0, 0, 1, 0, 2.0, 0, 1});
  CHECK(std::isinf(excess.energies({horizon})[0]));
  const EnergyBatch b = excess.evaluate(horizon, std::vector<double>(8, 0.0), 1);
  CHECK(std::isinf(b.energy[0]));
  for (double g : b.gradient) CHECK(g == 0);
}

TEST_CASE("bad energy options and images name the field") {
  Fixture fx;
  const MatrixGroup group = affine_group();
  CHECK(input_error([&] { ClassifierEnergy(group, fx.logits(), fx.image, {-1.0}); }).find("energy.boundary_weight") !=
        std::string::npos);
  CHECK(input_error([&] { ClassifierEnergy(group, fx.logits(), fx.image, {std::nan("")}); })
            .find("energy.boundary_weight") != std::string::npos);
  CHECK(input_error([&] { ClassifierEnergy(group, fx.logits(), fx.image.unsqueeze(0)); }).find("image") !=
        std::string::npos);
  const ClassifierEnergy energy(group, fx.logits(), fx.image);
  CHECK(input_error([&] { energy.evaluate(group.identity(), std::vector<double>(5, 0.0), 1); }).find("coordinates") !=
        std::string::npos);
  CHECK(input_error([] { ClassifierOptions{0}.validate(); }).find("classifier.channels") != std::string::npos);
  CHECK(input_error([] { ClassifierOptions{8, 16, 1}.validate(); }).find("classifier.classes") != std::string::npos);
  ClassifierTrainingOptions training;
  training.batch = 0;
  CHECK(input_error([&] { training.validate(); }).find("training.batch") != std::string::npos);
  training = {};
  training.optimizer.learning_rate = -1;
  CHECK(input_error([&] { training.validate(); }).find("training.optimizer") != std::string::npos);
}
