// Regularisers on points of R^d: the dense counterparts of the image models,
// for low-dimensional toys such as the 2-D example of the AWCR paper
// (Shumaylov et al., arXiv 2402.01052, figure 1: convex, plain and weakly
// convex adversarial regularisers against the distance to a curve).
//
// A point is passed as a 1 x d image, (N, 1, 1, d), so that the losses,
// the gradient penalties and the convexity checks of this library apply
// unchanged; every model maps it to (N, 1).
//
//   PointIcnn   input-convex MLP: z_0 = s(Wx_0 x + b_0),
//               z_{k+1} = s(Wz_k z_k + Wx_{k+1} x + b_{k+1}), R = w_out . z_L,
//               s = leaky ReLU (convex, non-decreasing); Wz_k, w_out >= 0
//               after project_weights(): R is convex (as icnn.hpp).
//   PointMlp    a plain MLP with leaky ReLU: the unconstrained critic of
//               the AR paper, no shape guarantee.
//   PointIwcnn  R = PointIcnn(S(x)) + softplus(q)|x|^2, S = layers of
//               Linear + SiLU (smooth): weakly convex (as iwcnn.hpp); its
//               modulus is not bounded here (the toy compares shapes).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "regularisers/regulariser.hpp"

namespace structura::regularisers {

struct PointModelOptions {
  std::int64_t dimension = 2;  // d
  std::int64_t layers = 4;     // hidden layers (PointIwcnn: of its ICNN)
  std::int64_t width = 64;     // hidden width
  double leaky_slope = 0.2;    // in [0, 1]
  // PointIwcnn only: Linear + SiLU layers of S and their width.
  std::int64_t smooth_layers = 2, smooth_width = 64;

  // InputError naming where.<field>.
  void validate(const std::string& where) const;
};

// (N, 1, 1, d) -> (N, d); InputError naming `where` for another shape.
torch::Tensor points_of(const torch::Tensor& x, std::int64_t dimension, const std::string& where);
// (N, d) -> (N, 1, 1, d), a view.
torch::Tensor as_point_images(const torch::Tensor& points);

class PointIcnn : public Regulariser {
public:
  // in_dimension: of the input the network is convex in (d, or S's width).
  PointIcnn(const PointModelOptions& options, std::int64_t in_dimension, const std::string& where = "icnn");
  torch::Tensor forward(const torch::Tensor& x) override;  // (N, 1, 1, d) -> (N, 1)
  torch::Tensor forward_points(const torch::Tensor& points);  // (N, in_dimension) -> (N, 1)
  void project_weights() override;

private:
  PointModelOptions options_;
  std::int64_t in_dimension_;
  std::string where_;
  std::vector<torch::nn::Linear> wx_;  // "wx0".."wx<layers>", with bias, free
  std::vector<torch::nn::Linear> wz_;  // "wz0".."wz<layers-1>", no bias, >= 0
  torch::nn::Linear out_{nullptr};     // "out", no bias, >= 0
};

class PointMlp : public Regulariser {
public:
  explicit PointMlp(const PointModelOptions& options, const std::string& where = "mlp");
  torch::Tensor forward(const torch::Tensor& x) override;

private:
  PointModelOptions options_;
  std::string where_;
  torch::nn::Sequential net_{nullptr};  // "net"
};

class PointIwcnn : public Regulariser {
public:
  explicit PointIwcnn(const PointModelOptions& options, const std::string& where = "iwcnn");
  torch::Tensor forward(const torch::Tensor& x) override;
  void project_weights() override { icnn_->project_weights(); }

private:
  PointModelOptions options_;
  std::string where_;
  torch::nn::Sequential smooth_{nullptr};  // "smooth"
  std::shared_ptr<PointIcnn> icnn_;        // "icnn"
  torch::Tensor l2_weight_;                // "l2_weight" (q), softplus(-9) = 1.2e-4 at start as the ACR
};

}  // namespace structura::regularisers
