// The classifier energy E(h) = -logsumexp(logits(h . u)) + w B(h)
// (solvers/canonicalisation/images/classifier_energy.hpp). Truths:
//   the autograd gradient in the algebra coordinates equals central finite
//   differences of the energy (both groups, every boundary penalty and region, about
//   the identity and about another base element, float64 network);
//   at the identity E is -logsumexp of the network's logits of u computed
//   directly (nothing is outside);
//   the boundary term of a translation by 1/2 and of a magnification by 2,
//   for every region and penalty, equals its recomputation pixel by pixel
//   here (the sampling grid is blind to magnification, the moved frame and
//   content are not; a quarter of the frame leaves under the translation);
//   a homography through the horizon either way is +infinity with a zero
//   gradient; bad options and shapes are InputErrors naming them.
#include <fmt/format.h>

#include <cmath>

#include "canonicalisation/images/classifier.hpp"
#include "canonicalisation/images/classifier_energy.hpp"
#include "canonicalisation/images/matrix_groups.hpp"
#include "canonicalisation/images/warp.hpp"
#include "core/error.hpp"
#include "input_error.hpp"
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::canonicalisation;
using namespace structura::canonicalisation::images;

namespace {

using structura::testing::input_error;

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

}  // namespace

TEST_CASE("autograd gradient in the algebra = central finite differences") {
  Fixture fx;
  for (const MatrixGroup& group : {affine_group(), homography_group()}) {
    for (BoundaryPenalty penalty : {BoundaryPenalty::SquaredExcess, BoundaryPenalty::Fraction})
      for (BoundaryRegion region :
           {BoundaryRegion::MovedContent, BoundaryRegion::MovedFrame, BoundaryRegion::SamplingGrid}) {
        const ClassifierEnergy energy(group, fx.logits(), fx.image, {0.7, penalty, region});
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
          int kinks = 0;
          for (int r = 0; r < rows; ++r) {
            REQUIRE(std::isfinite(b.energy[r]));
            std::vector<double> row(eps.begin() + r * k, eps.begin() + (r + 1) * k);
            // The same energy through energies(): h = exp(eps) base.
            const double direct = energy.energies({group.compose(group.exp(row), base)})[0];
            CHECK(std::abs(direct - b.energy[r]) < 1e-12 * (1 + std::abs(direct)));
            for (int j = 0; j < k; ++j) {
              auto central = [&](double step) {
                std::vector<double> plus = row, minus = row;
                plus[j] += step;
                minus[j] -= step;
                return (energy.evaluate(base, plus, 1).energy[0] - energy.evaluate(base, minus, 1).energy[0]) /
                       (2 * step);
              };
              const double fd = central(1e-6);
              // A ReLU of the classifier or a bilinear cell boundary within a
              // step of the point is a kink, where no difference quotient
              // approximates the derivative: there the quotients at two steps
              // disagree (elsewhere only by rounding, ~1e-9). Such coordinates
              // are counted, not compared; at most two per case are allowed.
              if (std::abs(fd - central(2.5e-7)) > 1e-5 * (1e-2 + std::abs(fd))) {
                ++kinks;
                continue;
              }
              worst = std::max(worst, std::abs(fd - b.gradient[r * k + j]));
              largest = std::max(largest, std::abs(fd));
            }
            boundary_seen = std::max(boundary_seen, direct);
          }
          MESSAGE(fmt::format("{} / {} / region {}: largest |dE/deps| {:.3e}, autograd - FD {:.1e}, kinks {}", group.name(),
                              penalty == BoundaryPenalty::SquaredExcess ? "squared-excess" : "fraction", int(region),
                              largest, worst, kinks));
          CHECK(largest > 1e-3);  // a gradient worth comparing
          CHECK(worst < 1e-6 * largest);
          CHECK(kinks <= 2);
        }
      }
  }
}

// The penalty recomputed here pixel by pixel: points p(i, j) = pi(M c(i, j))
// for the pixel centres c, weighted by w(i, j) (1 for the frame regions).
double penalty_by_pixel(const Matrix3& m, BoundaryPenalty kind, const torch::Tensor& weights, int n) {
  double sum = 0, total = 0;
  const auto w = weights.contiguous();
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const double x = (2.0 * j + 1) / n - 1, y = (2.0 * i + 1) / n - 1;
      const double pz = m[6] * x + m[7] * y + m[8];
      const double px = (m[0] * x + m[1] * y + m[2]) / pz, py = (m[3] * x + m[4] * y + m[5]) / pz;
      double value;
      if (kind == BoundaryPenalty::SquaredExcess) {
        const double ex = std::max(0.0, std::abs(px) - 1), ey = std::max(0.0, std::abs(py) - 1);
        value = ex * ex + ey * ey;
      } else {
        value = 1 / (1 + std::exp(-(std::max(std::abs(px), std::abs(py)) - 1) / (2.0 / n)));
      }
      const double weight = w.defined() ? w[i][j].item<double>() : 1.0;
      sum += weight * value;
      total += weight;
    }
  return sum / total;
}

TEST_CASE("the boundary term pixel by pixel: identity, a translation, a magnification; the horizon") {
  Fixture fx(16);
  const MatrixGroup group = homography_group();
  const auto logits_term = [&](const Element& h) {
    const auto warped = act(fx.image.unsqueeze(0), {h}).unsqueeze(1);
    return -torch::logsumexp(fx.model->forward(warped), 1).item<double>();
  };
  // At the identity with the squared excess nothing is outside: E is the
  // network's -logsumexp of u itself.
  const auto direct = -torch::logsumexp(fx.model->forward(fx.image.reshape({1, 1, 16, 16})), 1).item<double>();
  for (BoundaryRegion region :
       {BoundaryRegion::MovedContent, BoundaryRegion::MovedFrame, BoundaryRegion::SamplingGrid}) {
    const ClassifierEnergy energy(group, fx.logits(), fx.image, {3.0, BoundaryPenalty::SquaredExcess, region});
    CHECK(std::abs(energy.energies({group.identity()})[0] - direct) < 1e-13);
  }
  // h = translation by +1/2 in x (a quarter of the frame leaves), and
  // h = magnification by 2 (the moved frame leaves, the sampling grid of
  // h^-1 stays inside).
  const Element shift = {1, 0, 0.5, 0, 1, 0, 0, 0, 1};
  const Element magnify = {2, 0, 0, 0, 2, 0, 0, 0, 1};
  for (const Element& h : {shift, magnify})
    for (BoundaryPenalty kind : {BoundaryPenalty::SquaredExcess, BoundaryPenalty::Fraction})
      for (BoundaryRegion region :
           {BoundaryRegion::MovedContent, BoundaryRegion::MovedFrame, BoundaryRegion::SamplingGrid}) {
        const ClassifierEnergy energy(group, fx.logits(), fx.image, {2.0, kind, region});
        const Matrix3 m = to_matrix(region == BoundaryRegion::SamplingGrid ? group.inverse(h) : h);
        const double expected =
            penalty_by_pixel(m, kind, region == BoundaryRegion::MovedContent ? fx.image.abs() : torch::Tensor(), 16);
        const double b = (energy.energies({h})[0] - logits_term(h)) / 2.0;
        CHECK(std::abs(b - expected) < 1e-12);
        if (h == magnify && region == BoundaryRegion::SamplingGrid && kind == BoundaryPenalty::SquaredExcess)
          CHECK(b == 0);  // blind to magnification
        if (h == magnify && region != BoundaryRegion::SamplingGrid) CHECK(b > 0.05);
        if (h == shift && region != BoundaryRegion::MovedContent && kind == BoundaryPenalty::Fraction)
          CHECK(std::abs(b - 0.25) < 0.06);  // near the quarter of the frame that left
      }
  // A homography that sends part of the frame through the horizon.
  const ClassifierEnergy excess(group, fx.logits(), fx.image, {2.0, BoundaryPenalty::SquaredExcess});
  for (const Element& horizon : {Element{1, 0, 0, 0, 1, 0, 2.0, 0, 1}, group.inverse({1, 0, 0, 0, 1, 0, 2.0, 0, 1})}) {
    CHECK(std::isinf(excess.energies({horizon})[0]));
    const EnergyBatch b = excess.evaluate(horizon, std::vector<double>(8, 0.0), 1);
    CHECK(std::isinf(b.energy[0]));
    for (double g : b.gradient) CHECK(g == 0);
  }
}

TEST_CASE("bad energy options and images name the field") {
  Fixture fx;
  const MatrixGroup group = affine_group();
  CHECK(input_error([&] { ClassifierEnergy(group, fx.logits(), fx.image, {-1.0}); }).find("energy.boundary_weight") !=
        std::string::npos);
  CHECK(input_error([&] {
          ClassifierEnergy(group, fx.logits(), fx.image, {std::nan("")});
        }).find("energy.boundary_weight") != std::string::npos);
  CHECK(input_error([&] { ClassifierEnergy(group, fx.logits(), fx.image.unsqueeze(0)); }).find("image") !=
        std::string::npos);
  const ClassifierEnergy energy(group, fx.logits(), fx.image);
  CHECK(input_error([&] { energy.evaluate(group.identity(), std::vector<double>(5, 0.0), 1); }).find("coordinates") !=
        std::string::npos);
  CHECK(input_error([&] {
          ClassifierEnergy(group, fx.logits(), torch::zeros({8, 8}, torch::kFloat64));
        }).find("moved-content") != std::string::npos);
  CHECK(input_error([] { ClassifierOptions{0}.validate(); }).find("classifier.channels") != std::string::npos);
  CHECK(input_error([] { ClassifierOptions{8, 16, 1}.validate(); }).find("classifier.classes") != std::string::npos);
  ClassifierTrainingOptions training;
  training.batch = 0;
  CHECK(input_error([&] { training.validate(); }).find("training.batch") != std::string::npos);
  training = {};
  training.optimizer.learning_rate = -1;
  CHECK(input_error([&] { training.validate(); }).find("training.optimizer") != std::string::npos);
  training = {};
  training.contrast_weight = -1;
  CHECK(input_error([&] { training.validate(); }).find("training.contrast_weight") != std::string::npos);
  training = {};
  training.contrast_maps.shear = -1;
  CHECK(input_error([&] { training.validate(); }).find("training.contrast_maps.shear") != std::string::npos);
}
