#include "regularisers/lipschitz.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace structura::regularisers {

double conv_norm_bound(const torch::Tensor& weight) {
  return std::min(schur_conv_norm_bound(weight), fourier_conv_norm_bound(weight));
}

double schur_conv_norm_bound(const torch::Tensor& weight) {
  torch::NoGradGuard no_grad;
  const torch::Tensor a = weight.detach().abs().to(torch::kFloat64);
  const double rows = a.sum({1, 2, 3}).max().item<double>();     // per output channel
  const double columns = a.sum({0, 2, 3}).max().item<double>();  // per input channel
  return std::sqrt(rows * columns);
}

double fourier_conv_norm_bound(const torch::Tensor& weight) {
  torch::NoGradGuard no_grad;
  const torch::Tensor w = weight.detach().to(torch::kFloat64);
  const std::int64_t kh = w.size(2), kw = w.size(3);
  // Degrees of the trigonometric polynomials: offsets -n..n about the
  // centre for odd sizes; an even size has no centre, and its offsets
  // 0..k-1 give degree k - 1 (|f| does not change under a phase shift).
  auto degree = [](std::int64_t k) { return k % 2 == 1 ? k / 2 : k - 1; };
  const double n = static_cast<double>(degree(kh) + degree(kw));
  if (n == 0) return schur_conv_norm_bound(weight);  // 1 x 1: a matrix per pixel, Schur is not the point
  std::int64_t m = 16;
  while (std::numbers::pi * n / static_cast<double>(m) > 1.0 / 16) m *= 2;
  // (out, in, M, M) -> (M, M, out, in): one matrix per frequency, and its
  // largest singular value: a vector norm for in = 1; an SVD per frequency
  // while that is cheap (~ M^2 out in min(out, in) <= 2^22); beyond, the
  // smaller of its Frobenius norm and Schur's test on it (an SVD of 16 x 16
  // at 256^2 frequencies would cost seconds per call).
  const torch::Tensor spectrum = torch::fft::fft2(w, {m, m}).permute({2, 3, 0, 1});
  const std::int64_t out = w.size(0), in = w.size(1);
  double sigma = 0;
  if (in == 1) {
    sigma = spectrum.abs().square().sum({-2, -1}).sqrt().max().item<double>();
  } else if (m * m * out * in * std::min(out, in) <= (std::int64_t{1} << 22)) {
    sigma = torch::linalg_matrix_norm(spectrum, 2.0, {-2, -1}).max().item<double>();
  } else {
    const torch::Tensor a = spectrum.abs();
    const torch::Tensor frobenius = a.square().sum({-2, -1}).sqrt();
    const torch::Tensor schur = (a.sum(-1).amax(-1) * a.sum(-2).amax(-1)).sqrt();
    sigma = torch::minimum(frobenius, schur).max().item<double>();
  }
  // (1 + 1e-12): the FFT's and SVD's own rounding, far below the Bernstein margin.
  return sigma * (1 + 1e-12) / (1 - std::numbers::pi * n / static_cast<double>(m));
}

}  // namespace structura::regularisers
