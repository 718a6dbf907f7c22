// The spectral convolution against its definition written as plain loops in
// float64: the forward DFT of each channel, the complex weights applied to
// the kept modes, every other mode zero, and the inverse real DFT (a
// half spectrum X_0..X_{n/2} read as the Hermitian spectrum it stands
// for: the imaginary parts of X_0 and of the Nyquist X_{n/2} drop out).
// 1-D with modes below and at the limit n/2 + 1 (odd and even n), 2-D with
// the positive and negative k_x blocks; and every option outside its range
// is an InputError naming the field.
#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

#include "core/error.hpp"
#include "neural_operators/fno.hpp"
#include "neural_operators/spectral_conv.hpp"
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::neural_operators;
using cd = std::complex<double>;

namespace {

constexpr double two_pi = 2 * std::numbers::pi;

// The inverse real DFT of a half spectrum h[0 .. n/2] at point j.
double inverse_real_dft(const std::vector<cd>& h, std::int64_t n, std::int64_t j) {
  double sum = h[0].real();
  for (std::int64_t k = 1; k < static_cast<std::int64_t>(h.size()); ++k) {
    if (2 * k == n) {
      sum += h[k].real() * std::cos(std::numbers::pi * static_cast<double>(j));  // Nyquist: real part only
    } else {
      sum += 2 * (h[k] * std::polar(1.0, two_pi * static_cast<double>(k * j) / n)).real();
    }
  }
  return sum / static_cast<double>(n);
}

// out[b][o][j] by loops from x (B, I, n) and w (I, O, modes) complex.
torch::Tensor loops_1d(const torch::Tensor& x, const torch::Tensor& w) {
  const std::int64_t batch = x.size(0), in = x.size(1), n = x.size(2), out = w.size(1), modes = w.size(2);
  auto xa = x.accessor<double, 3>();
  auto wa = w.accessor<c10::complex<double>, 3>();
  torch::Tensor y = torch::zeros({batch, out, n}, torch::kFloat64);
  for (std::int64_t b = 0; b < batch; ++b)
    for (std::int64_t o = 0; o < out; ++o) {
      std::vector<cd> half(n / 2 + 1, 0.0);
      for (std::int64_t k = 0; k < modes; ++k)
        for (std::int64_t i = 0; i < in; ++i) {
          cd xk = 0;
          for (std::int64_t j = 0; j < n; ++j) xk += xa[b][i][j] * std::polar(1.0, -two_pi * double(k * j) / n);
          half[k] += cd(wa[i][o][k].real(), wa[i][o][k].imag()) * xk;
        }
      for (std::int64_t j = 0; j < n; ++j) y[b][o][j] = inverse_real_dft(half, n, j);
    }
  return y;
}

// 2-D: kept rows k_x in [0, mx) (low) and [nx - mx, nx) (high), columns k_y in [0, my).
torch::Tensor loops_2d(const torch::Tensor& x, const torch::Tensor& low, const torch::Tensor& high) {
  const std::int64_t batch = x.size(0), in = x.size(1), nx = x.size(2), ny = x.size(3);
  const std::int64_t out = low.size(1), mx = low.size(2), my = low.size(3);
  auto xa = x.accessor<double, 4>();
  auto la = low.accessor<c10::complex<double>, 4>();
  auto ha = high.accessor<c10::complex<double>, 4>();
  torch::Tensor y = torch::zeros({batch, out, nx, ny}, torch::kFloat64);
  for (std::int64_t b = 0; b < batch; ++b)
    for (std::int64_t o = 0; o < out; ++o) {
      // V[kx][ky]: the output spectrum on the half plane ky <= ny/2.
      std::vector<std::vector<cd>> v(nx, std::vector<cd>(ny / 2 + 1, 0.0));
      for (std::int64_t kx = 0; kx < nx; ++kx) {
        const bool is_low = kx < mx, is_high = kx >= nx - mx;
        if (!is_low && !is_high) continue;
        for (std::int64_t ky = 0; ky < my; ++ky)
          for (std::int64_t i = 0; i < in; ++i) {
            cd xk = 0;
            for (std::int64_t p = 0; p < nx; ++p)
              for (std::int64_t q = 0; q < ny; ++q)
                xk += xa[b][i][p][q] * std::polar(1.0, -two_pi * (double(kx * p) / nx + double(ky * q) / ny));
            const auto w = is_low ? la[i][o][kx][ky] : ha[i][o][kx - (nx - mx)][ky];
            v[kx][ky] += cd(w.real(), w.imag()) * xk;
          }
      }
      // irfftn: a complex inverse DFT over kx, then the inverse real DFT over ky.
      for (std::int64_t p = 0; p < nx; ++p) {
        std::vector<cd> half(ny / 2 + 1, 0.0);
        for (std::int64_t ky = 0; ky <= ny / 2; ++ky)
          for (std::int64_t kx = 0; kx < nx; ++kx)
            half[ky] += v[kx][ky] * std::polar(1.0, two_pi * double(kx * p) / nx);
        for (std::int64_t q = 0; q < ny; ++q) y[b][o][p][q] = inverse_real_dft(half, ny, q) / double(nx);
      }
    }
  return y;
}

}  // namespace

TEST_CASE("the 1-D spectral convolution equals the explicit DFT sums") {
  torch::manual_seed(3);
  // (n, modes): fewer modes than the grid has; all rfft modes of an even
  // grid (the Nyquist mode's imaginary part is dropped); of an odd grid.
  for (auto [n, modes] : {std::pair<std::int64_t, std::int64_t>{16, 5}, {16, 9}, {15, 8}}) {
    SpectralConv1d conv(3, 2, modes);
    conv->to(torch::kFloat64);
    {
      torch::NoGradGuard no_grad;  // the reference's init has only positive parts; test any complex weight
      conv->named_parameters()["weight"].normal_();
    }
    const torch::Tensor x = torch::randn({2, 3, n}, torch::kFloat64);
    const torch::Tensor expected = loops_1d(x, conv->complex_weight().detach());
    const double error = (conv->forward(x) - expected).abs().max().item<double>();
    MESSAGE("n = ", n, ", modes = ", modes, ": max |conv - DFT sum| = ", error, " of ",
            expected.abs().max().item<double>());
    CHECK(error < 1e-13);
  }
}

TEST_CASE("the 2-D spectral convolution equals the explicit DFT sums") {
  torch::manual_seed(4);
  for (auto [nx, ny, mx, my] : {std::array<std::int64_t, 4>{8, 8, 3, 3}, {8, 6, 4, 4}, {7, 9, 2, 5}}) {
    SpectralConv2d conv(2, 2, mx, my);
    conv->to(torch::kFloat64);
    {
      torch::NoGradGuard no_grad;
      for (auto& p : conv->parameters()) p.normal_();
    }
    const torch::Tensor x = torch::randn({2, 2, nx, ny}, torch::kFloat64);
    const torch::Tensor expected =
        loops_2d(x, conv->complex_weight_low().detach(), conv->complex_weight_high().detach());
    const double error = (conv->forward(x) - expected).abs().max().item<double>();
    MESSAGE(nx, "x", ny, ", modes ", mx, "x", my, ": max |conv - DFT sum| = ", error);
    CHECK(error < 1e-13);
  }
}

TEST_CASE("the spectral convolution is linear and its gradient reaches the weights") {
  // A negative control for the loops above: they must see a change of one
  // weight entry (otherwise they could agree with anything that ignores W).
  torch::manual_seed(5);
  SpectralConv1d conv(1, 1, 4);
  conv->to(torch::kFloat64);
  const torch::Tensor x = torch::randn({1, 1, 12}, torch::kFloat64);
  const torch::Tensor before = conv->forward(x).detach();
  {
    torch::NoGradGuard no_grad;
    conv->named_parameters()["weight"][0][0][2][1] += 0.5;  // imaginary part of mode 2
  }
  CHECK((conv->forward(x).detach() - before).abs().max().item<double>() > 1e-3);
  CHECK((conv->forward(2 * x) - 2 * conv->forward(x)).abs().max().item<double>() < 1e-14);
  conv->forward(x).pow(2).sum().backward();
  CHECK(conv->named_parameters()["weight"].grad().abs().sum().item<double>() > 0);
}

TEST_CASE("options outside their range are InputErrors naming the field") {
  CHECK_THROWS_WITH_AS(Fno1d(Fno1dOptions{.points = 16, .modes = 10}, "model"), doctest::Contains("model.modes = 10"),
                       InputError);
  CHECK_NOTHROW(Fno1d(Fno1dOptions{.points = 16, .modes = 9, .width = 2, .layers = 1, .projection = 2}));
  CHECK_THROWS_WITH_AS(Fno1d(Fno1dOptions{.width = 0}), doctest::Contains("fno.width = 0"), InputError);
  CHECK_THROWS_WITH_AS(Fno1d(Fno1dOptions{.layers = -1}), doctest::Contains("fno.layers"), InputError);
  CHECK_THROWS_WITH_AS(Fno1d(Fno1dOptions{.projection = 0}), doctest::Contains("fno.projection"), InputError);
  CHECK_THROWS_WITH_AS(Fno1d(Fno1dOptions{.points = 1, .modes = 1}), doctest::Contains("fno.points"), InputError);
  CHECK_THROWS_WITH_AS(Fno2d(Fno2dOptions{.points_x = 16, .modes_x = 9}), doctest::Contains("fno.modes_x = 9"),
                       InputError);
  CHECK_THROWS_WITH_AS(Fno2d(Fno2dOptions{.points_y = 16, .modes_y = 10}), doctest::Contains("fno.modes_y = 10"),
                       InputError);
  CHECK_THROWS_WITH_AS(Fno2d(Fno2dOptions{.width = -3}), doctest::Contains("fno.width = -3"), InputError);
  CHECK_THROWS_WITH_AS(SpectralConv1d(2, 0, 3, "layer"), doctest::Contains("layer.out_channels = 0"), InputError);
  // A grid too coarse for the kept modes, at evaluation time.
  Fno1d model(Fno1dOptions{.points = 32, .modes = 8, .width = 4, .layers = 1, .projection = 4});
  CHECK_THROWS_WITH_AS(model->forward(torch::zeros({1, 8})), doctest::Contains("modes = 8"), InputError);
  CHECK_THROWS_AS(model->forward(torch::zeros({8})), InputError);
}
