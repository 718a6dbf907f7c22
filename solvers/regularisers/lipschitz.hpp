// Rigorous upper bounds of Lipschitz constants, from which the IWCNN's
// weak-convexity modulus and the CNC condition are computed. Bounds, not
// estimates: a power iteration would approach the norm from below and could
// make a certified modulus too small.
#pragma once

#include <torch/torch.h>

namespace structura::regularisers {

// Upper bound of the l2 operator norm of a stride-1 convolution with zero
// padding and weight (out, in, kh, kw), on images of any size: the smaller
// of the two bounds below. The bias does not enter a Lipschitz constant.
double conv_norm_bound(const torch::Tensor& weight);

// Schur's test: ||K||_2 <= sqrt(||K||_1 ||K||_inf), where the largest
// absolute row sum of the matrix is at most max_o sum_{i,a,b} |w[o,i,a,b]|
// and the largest column sum at most max_i sum_{o,a,b} |w[o,i,a,b]| (zero
// padding only drops entries). Cheap; blind to the signs of the weights.
double schur_conv_norm_bound(const torch::Tensor& weight);

// Fourier bound: a zero-padded convolution is a compression of the same
// convolution on l2(Z^2), whose norm is sup_w ||K^(w)||_2 over the torus,
// K^(w) the (out x in) matrix of the kernels' Fourier series. That sup is
// taken on an M x M grid of frequencies (FFT, then the largest singular
// value per frequency) and made an upper bound of the whole torus by
// Bernstein's inequality: for unit u, v, f = v^H K^(w) u is a trigonometric
// polynomial of degree n_h (n_w) in w_1 (w_2), n = kernel / 2 for odd
// sizes, so |df/dw_i| <= n_i sup|f| and every w is within pi/M of a grid
// point in each coordinate: sup|f| <= max_grid|f| / (1 - pi (n_h + n_w)/M).
// M is the power of 2 that makes that factor at most 16/15 (256 for 5 x 5).
// Per frequency sigma_max exactly (in = 1: a vector norm; small matrices:
// an SVD), or, for large ones, bounded by min(Frobenius norm, Schur's test
// on the matrix). Keeps the cancellations between weights of both signs
// that Schur's test on the whole kernel drops (2-4x smaller on random
// kernels). Cost: an FFT of the weights to M x M (milliseconds).
double fourier_conv_norm_bound(const torch::Tensor& weight);

// The SiLU phi(t) = t * sigmoid(t): bounds of |phi'| and |phi''| on R.
// phi' = s (1 + t (1 - s)) lies in (-0.0999, 1.0999] (its maximum 1.09984
// at t = 2.3994); phi'' = s (1 - s) (2 + t (1 - 2 s)) with t (1 - 2 s) <= 0
// is at most 2 s (1 - s) <= 1/2 (equality at 0) and at least -0.0999
// (tests/regularisers checks both on a dense grid).
inline constexpr double kSiluSlopeBound = 1.1;
inline constexpr double kSiluCurvatureBound = 0.5;

}  // namespace structura::regularisers
