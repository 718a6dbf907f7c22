// The input-convex network of the adversarial convex regulariser (ACR,
// Mukherjee et al., arXiv 2008.02839; Subhadip-1/data_driven_convex_regularization):
//   (N, C, H, W) -> (N, 1), with C = 1 for images (more for the IWCNN, which
//   feeds it a smooth network's features):
//     z_0     = sigma(Wx_0 x + b_0)
//     z_{k+1} = sigma(Wz_k z_k + Wx_{k+1} x + b_{k+1}),  k = 0 .. layers-1
//     R(x)    = mean over pixels of (W_out z_layers)
//   sigma = leaky ReLU (slope 0.2): convex and non-decreasing. All
//   convolutions k x k, stride 1, zero "same" padding; Wx (C -> channels)
//   with bias and free, Wz (channels -> channels) and W_out (channels -> 1)
//   without bias.
// Guarantee: R is convex in x whenever every Wz and W_out is non-negative
// (a non-negative combination of convex functions, passed through a convex
// non-decreasing sigma, stays convex; the x-path is affine). The optimiser
// does not know that: call project_weights() after every step, which clamps
// negative entries to 0 as the reference's zero_clip_weights does.
// Works for any image size (the pool is global).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "regularisers/regulariser.hpp"

namespace structura::regularisers {

struct IcnnOptions {
  std::int64_t in_channels = 1;  // 1 for images
  std::int64_t layers = 10;      // number of Wz layers (reference: 10)
  std::int64_t channels = 48;    // hidden channels (reference: 48)
  std::int64_t kernel = 5;       // odd kernel size (reference: 5)
  double leaky_slope = 0.2;      // in [0, 1]: convex and non-decreasing (reference: 0.2)
  // Wz and W_out start uniform on [0, init_scale] (reference: 1e-3); Wx
  // keep libtorch's default (Kaiming-uniform) initialisation.
  double init_scale = 1e-3;

  // InputError naming where.<field>.
  void validate(const std::string& where) const;
};

class Icnn : public Regulariser {
public:
  explicit Icnn(const IcnnOptions& options, const std::string& where = "icnn");
  // x (N, in_channels, H, W) -> (N, 1).
  torch::Tensor forward(const torch::Tensor& x) override;
  // Clamps Wz and W_out to >= 0 (in place, outside autograd).
  void project_weights() override;
  // (layers + 2) * (kernel / 2): wx_0, each Wz layer and W_out widen it by kernel / 2.
  std::int64_t receptive_radius() const override;
  // W_out z_layers / (height width): forward() is its sum over the image.
  torch::Tensor density(const torch::Tensor& x, std::int64_t height, std::int64_t width) override;

  // An elementwise bound G of the input gradient on (height x width)
  // inputs: |grad R(x)| <= G at every x, entry by entry, (1, in_channels,
  // height, width), from the current weights. Back-propagating the pool's
  // 1/(height width) through |W_out|, |Wz_k| with sigma' in [0, 1]:
  //   D_L = |W_out|^T 1/(HW),  D_k = |Wz_k|^T D_{k+1},  G = sum_k |Wx_k|^T D_k
  // (|sigma' (W^T d)| <= |W|^T |d| entry by entry; ^T: the transposed
  // convolution, the exact adjoint of the zero-padded one). Valid for any
  // weights; where Wz, W_out >= 0 and the slope is 1 it is attained.
  torch::Tensor gradient_bound(std::int64_t height, std::int64_t width) const;
  // |G|_2: a Lipschitz constant of R on (height x width) inputs.
  double lipschitz_bound(std::int64_t height, std::int64_t width) const;

  // The parameters project_weights() constrains (Wz..., W_out).
  std::vector<torch::Tensor> constrained_weights() const;
  const IcnnOptions& options() const { return options_; }

private:
  torch::Tensor output_map(const torch::Tensor& x);  // W_out z_layers, (N, 1, H, W)

  IcnnOptions options_;
  std::vector<torch::nn::Conv2d> wx_;  // "wx0".."wx<layers>"
  std::vector<torch::nn::Conv2d> wz_;  // "wz0".."wz<layers-1>"
  torch::nn::Conv2d out_{nullptr};     // "out"
};

}  // namespace structura::regularisers
