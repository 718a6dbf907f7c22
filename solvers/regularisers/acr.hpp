// The adversarial convex regulariser (ACR, Mukherjee et al.,
// arXiv 2008.02839), as in the reference code's convex_models.py:
//   R(x) = ICNN(x) + softplus(p) * sum_{b, c, pixels} |F_{b,c} * x|
//               + softplus(q) * ||x||^2
//   (N, 1, H, W) -> (N, 1).
// The second term is the sparsifying filter bank (SFB): `banks` 7x7
// convolutions (1 -> filters each, no bias, zero same padding); a norm of a
// linear map, hence convex. The third makes R softplus(q)-strongly convex
// with modulus 2 softplus(q) (so minimisers are unique). p and q are free
// parameters; softplus keeps both weights positive. R is convex whenever
// the ICNN's weights are non-negative: call project_weights() after every
// optimiser step. The reference trains the ICNN with one Adam and SFB + L2
// with another (weight decay 1.0): icnn_parameters() / other_parameters().
// The gradient penalty of its training applies to the ICNN only (icnn()).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "regularisers/icnn.hpp"

namespace structura::regularisers {

struct AcrOptions {
  IcnnOptions icnn = {};         // in_channels must stay 1
  std::int64_t banks = 10;       // SFB filter banks (reference: 10)
  std::int64_t filters = 32;     // filters per bank (reference: 32)
  std::int64_t filter_size = 7;  // odd (reference: 7)
  double sfb_weight_init = -12;  // p at start: softplus(-12) = 6.1e-6 (reference)
  double l2_weight_init = -9;    // q at start: softplus(-9) = 1.23e-4 (reference)

  void validate(const std::string& where) const;  // InputError naming where.<field>
};

class Acr : public Regulariser {
public:
  explicit Acr(const AcrOptions& options, const std::string& where = "acr");
  torch::Tensor forward(const torch::Tensor& x) override;
  void project_weights() override { icnn_->project_weights(); }
  // The larger of the ICNN's and filter_size / 2 (the SFB); the L2 term is pointwise.
  std::int64_t receptive_radius() const override;
  // The ICNN's density + softplus(p) sum_{b, c} |F_{b,c} * x| + softplus(q) x^2, per pixel.
  torch::Tensor density(const torch::Tensor& x, std::int64_t height, std::int64_t width) override;

  // The three terms, each (N, 1).
  torch::Tensor sfb_term(const torch::Tensor& x);
  torch::Tensor l2_term(const torch::Tensor& x);
  // 2 softplus(q): R - (modulus/2)||x||^2 is convex.
  double strong_convexity_modulus() const;

  Icnn& icnn() { return *icnn_; }
  std::vector<torch::Tensor> icnn_parameters() const { return icnn_->parameters(); }
  std::vector<torch::Tensor> other_parameters() const;  // SFB filters, p, q
  const AcrOptions& options() const { return options_; }

private:
  AcrOptions options_;
  std::shared_ptr<Icnn> icnn_;            // "icnn"
  std::vector<torch::nn::Conv2d> sfb_;    // "sfb0".."sfb<banks-1>"
  torch::Tensor sfb_weight_, l2_weight_;  // "sfb_weight" (p), "l2_weight" (q)
};

}  // namespace structura::regularisers
