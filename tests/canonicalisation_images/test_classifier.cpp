// The SmallCnn classifier on both packaged image sizes. Truths: measured
// held-out accuracies far above chance (0.1) after seconds of training by
// the shared loop, on Fashion-MNIST (28 x 28) and on the raw 8 x 8 digits;
// an untrained network sits near chance (the control); the logits have
// the shape the energy expects for any image size >= 2.
#include <fmt/format.h>

#include <chrono>

#include "canonicalisation/images/classifier.hpp"
#include "core/mpi.hpp"
#include "datasets/digits.hpp"
#include "datasets/fashion_mnist.hpp"
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::canonicalisation::images;

namespace {

// The first n images of a set as (n, H, W) floats and int64 labels.
std::pair<torch::Tensor, torch::Tensor> tensors(const datasets::ImageSet& set, std::int64_t first, std::int64_t n) {
  const auto pixels = torch::from_blob(const_cast<float*>(set.image(first)), {n, set.height, set.width}).clone();
  const auto labels =
      torch::tensor(std::vector<std::int64_t>(set.labels.begin() + first, set.labels.begin() + first + n));
  return {pixels, labels};
}

}  // namespace

TEST_CASE("logits for any image size") {
  SmallCnn model(ClassifierOptions{4, 8, 10});
  for (std::int64_t n : {2, 8, 20, 28})
    CHECK(model->forward(torch::rand({3, n, n})).sizes() == torch::IntArrayRef{3, 10});
  CHECK(model->forward(torch::rand({2, 1, 9, 13})).sizes() == torch::IntArrayRef{2, 10});
}

TEST_CASE("trained for seconds: Fashion-MNIST and raw digits far above chance") {
  const mpi::Comm comm{};
  struct Case {
    const char* name;
    datasets::ImageSet train, test;
    std::int64_t n_train, n_test;
    double required;
  };
  const datasets::ImageSet digits = datasets::load_digits();
  std::vector<Case> cases;
  cases.push_back({"Fashion-MNIST", datasets::load_fashion_mnist(datasets::Split::Train),
                   datasets::load_fashion_mnist(datasets::Split::Test), 6000, 2000, 0.7});
  cases.push_back({"digits 8x8", digits, digits, 1500, 297, 0.85});
  for (Case& c : cases) {
    auto [train_x, train_y] = tensors(c.train, 0, c.n_train);
    // The digits' held-out block is rows 1500.. of the same file.
    auto [test_x, test_y] = tensors(c.test, c.train.count == c.test.count ? c.n_train : 0, c.n_test);
    torch::manual_seed(1);
    SmallCnn model(ClassifierOptions{16, 64, 10});
    const double untrained = accuracy(model, test_x, test_y);
    ClassifierTrainingOptions training;
    training.steps = 300;
    training.optimizer.learning_rate = 3e-3;
    const auto t0 = std::chrono::steady_clock::now();
    train_classifier(model, train_x, train_y, training, comm);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double trained = accuracy(model, test_x, test_y);
    MESSAGE(fmt::format("{}: {} steps in {:.1f} s, held-out accuracy {:.3f} (untrained {:.3f})", c.name, training.steps,
                        seconds, trained, untrained));
    CHECK(untrained < 0.3);
    CHECK(trained > c.required);
  }
}
