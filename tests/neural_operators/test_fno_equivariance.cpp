// Translation equivariance of the FNO on the periodic grid: without the
// coordinate channels every part (pointwise lifting and projection, the 1x1
// convolutions, GELU, the spectral convolution, which multiplies mode k of a
// shift by s cells by exp(-2 pi i k s / n) on both sides) commutes with
// whole-cell shifts, so F(roll(u, s)) = roll(F(u), s) up to rounding (float64).
// Negative controls that the same comparison must reject: the reference's
// coordinate channels (x is not shifted with u), and a roll by the wrong
// number of cells.
#include "neural_operators/fno.hpp"
#include "torch_doctest.hpp"

using namespace structura::neural_operators;

namespace {

// Spectral weights of a size the output notices: the reference's
// 1/(width^2) init leaves the spectral path small next to the 1x1 path.
void enlarge_spectral_weights(torch::nn::Module& model, double std) {
  torch::NoGradGuard no_grad;
  for (auto& p : model.named_parameters())
    if (p.key().find("spectral") != std::string::npos) p.value().normal_(0, std);
}

double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

}  // namespace

TEST_CASE("the 1-D FNO without coordinates commutes with periodic shifts; with them it does not") {
  torch::manual_seed(21);
  const torch::Tensor u = torch::randn({3, 32}, torch::kFloat64);
  for (bool grid : {false, true}) {
    Fno1d model(Fno1dOptions{.points = 32, .modes = 12, .width = 16, .layers = 4, .projection = 32, .grid = grid});
    model->to(torch::kFloat64);
    enlarge_spectral_weights(*model, 0.1);
    torch::NoGradGuard no_grad;
    const torch::Tensor out = model->forward(u);
    const double scale = max_abs(out);
    const double error = max_abs(model->forward(torch::roll(u, 5, 1)) - torch::roll(out, 5, 1)) / scale;
    MESSAGE("grid channel ", grid, ": max |F(shift u) - shift F(u)| / max |F(u)| = ", error);
    if (!grid) {
      CHECK(error < 1e-13);
      // A roll by the wrong number of cells is caught by the same comparison.
      const double wrong = max_abs(model->forward(torch::roll(u, 5, 1)) - torch::roll(out, 6, 1)) / scale;
      MESSAGE("shifted by 6 instead of 5: ", wrong);
      CHECK(wrong > 1e-2);
    } else {
      CHECK(error > 1e-3);
    }
  }
}

TEST_CASE("the 2-D FNO without coordinates commutes with periodic shifts; with them it does not") {
  torch::manual_seed(22);
  const torch::Tensor u = torch::randn({2, 16, 12}, torch::kFloat64);
  for (bool grid : {false, true}) {
    Fno2d model(Fno2dOptions{.points_x = 16,
                             .points_y = 12,
                             .modes_x = 5,
                             .modes_y = 6,
                             .width = 8,
                             .layers = 3,
                             .projection = 16,
                             .grid = grid});
    model->to(torch::kFloat64);
    enlarge_spectral_weights(*model, 0.1);
    torch::NoGradGuard no_grad;
    const torch::Tensor out = model->forward(u);
    const double scale = max_abs(out);
    auto shift = [](const torch::Tensor& v, std::int64_t sx, std::int64_t sy) {
      return torch::roll(v, {sx, sy}, {1, 2});
    };
    const double error = max_abs(model->forward(shift(u, 3, -2)) - shift(out, 3, -2)) / scale;
    MESSAGE("grid channels ", grid, ": max |F(shift u) - shift F(u)| / max |F(u)| = ", error);
    if (!grid) {
      CHECK(error < 1e-13);
      const double wrong = max_abs(model->forward(shift(u, 3, -2)) - shift(out, 3, -1)) / scale;
      MESSAGE("shifted by (3, -1) instead of (3, -2): ", wrong);
      CHECK(wrong > 1e-2);
    } else {
      CHECK(error > 1e-3);
    }
  }
}
