// An input weakly convex network (IWCNN, after Shumaylov et al.,
// arXiv 2310.05812 / 2402.01052; their code is not public, so this is built
// from the definition):
//   R(x) = ICNN(S(x)) + softplus(q) ||x||^2,        (N, 1, H, W) -> (N, 1)
//   S    = `layers` x [k x k convolution (stride 1, same padding) -> SiLU]
// (default: one 128-channel 5x5 convolution + SiLU, the limited-angle
// design the notes report). S is smooth, the ICNN convex: R is not convex
// in general but rho-weakly convex, i.e. R + (rho/2)||x||^2 is convex, with
//
//   rho = max(0, H_L - 2 softplus(q))
//
// Derivation. g = ICNN is convex, and its gradient is bounded entry by entry,
// |grad g| <= G (Icnn::gradient_bound, also for subgradients). For any x, y,
// d = y - x and a subgradient v of g at S(x):
//   g(S(y)) >= g(S(x)) + <v, S(y) - S(x)>
//           =  g(S(x)) + <DS(x)^T v, d> + <v, S(y) - S(x) - DS(x) d>
// and the last term is (1/2) d^T Hess<v, S>(xi) d >= -(1/2) H |d|^2 for any
// H >= sup { |Hess <v, S>(x)| : x, |v| <= G }: a quadratic minorant at every
// x, i.e. H-weak convexity of g o S; the c |x|^2 term (c = softplus(q)) adds
// curvature 2c. H by induction over the layers s_k = phi(K_k s_{k-1} + b_k),
// s_0 = x, with a_k >= |K_k|_2 (conv_norm_bound: the smaller of Schur's
// test and a Fourier bound, lipschitz.hpp), g1 >= |phi'|, g2 >= |phi''|
// (SiLU: 1.1, 0.5; the sup of |phi''| is 0.5 exactly), Lip(s_k) <= L_k =
// g1 a_k L_{k-1}, L_0 = 1: for |w| <= W entry by entry,
//   Hess <w, s_k> = Ds_{k-1}^T K_k^T diag(w phi'') K_k Ds_{k-1}
//                 + Hess <K_k^T (w phi'), s_{k-1}>        (phi' frozen at x)
//   => H_k(W) = |diag(c)^(1/2) K_k|_2^2 L_{k-1}^2 + H_{k-1}(g1 |K_k|^T W),  H_0 = 0,
// c_o = g2 max_pixels W_o per output channel o (|v^T K^T D K v| <= v^T K^T
// diag(c) K v for |D| <= c; diag(c)^(1/2) K is the convolution with its
// output channels scaled, so conv_norm_bound bounds it), and H_L = H_L(G).
// History on the test's model (6x6, 4 channels): a Lipschitz constant of g
// times one of DS gave ~16x more than the entrywise |W|; with |W|_inf a_k^2
// and Schur's a_k the bound was 78x the most negative Hessian eigenvalue
// seen at random points; the Fourier norm and the per-channel c make it 22x
// (tests/regularisers/test_weak_convexity.cpp prints both): safe, loose,
// the rest mostly G's (the ICNN's entrywise gradient bound is ~30x its
// largest observed slope).
// rho depends on the image size through G, hence the arguments of
// weak_convexity_modulus().
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "regularisers/icnn.hpp"

namespace structura::regularisers {

struct SmoothNetOptions {
  std::int64_t layers = 1;      // convolution + SiLU layers
  std::int64_t channels = 128;  // output channels of every layer
  std::int64_t kernel = 5;      // odd

  void validate(const std::string& where) const;
};

struct IwcnnOptions {
  SmoothNetOptions smooth = {};
  IcnnOptions icnn = {};       // in_channels is set to smooth.channels
  double l2_weight_init = -9;  // q at start: softplus(-9) = 1.23e-4 (as the ACR)

  void validate(const std::string& where) const;
};

class Iwcnn : public Regulariser {
public:
  explicit Iwcnn(const IwcnnOptions& options, const std::string& where = "iwcnn");
  torch::Tensor forward(const torch::Tensor& x) override;
  void project_weights() override { icnn_->project_weights(); }
  // The ICNN's radius + smooth.layers * (smooth.kernel / 2).
  std::int64_t receptive_radius() const override;
  // The ICNN's density of S(x) + softplus(q) x^2, per pixel.
  torch::Tensor density(const torch::Tensor& x, std::int64_t height, std::int64_t width) override;

  // S(x): (N, 1, H, W) -> (N, smooth.channels, H, W).
  torch::Tensor smooth(const torch::Tensor& x);
  // H_L of the header comment: a bound of the curvature of <v, S> over
  // all |v| <= G = icnn().gradient_bound(height, width).
  double composition_curvature(std::int64_t height, std::int64_t width) const;
  // rho for (height x width) images, from the current weights: R + (rho/2)||x||^2 is convex.
  double weak_convexity_modulus(std::int64_t height, std::int64_t width) const;

  Icnn& icnn() { return *icnn_; }
  const IwcnnOptions& options() const { return options_; }

private:
  IwcnnOptions options_;
  std::vector<torch::nn::Conv2d> smooth_;  // "smooth0".."smooth<layers-1>"
  std::shared_ptr<Icnn> icnn_;             // "icnn"
  torch::Tensor l2_weight_;                // "l2_weight" (q)
};

}  // namespace structura::regularisers
