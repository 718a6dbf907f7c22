// Smoothed (isotropic) total variation as a Regulariser, the classical
// baseline of a learned one under the same solvers (solvers/variational):
//   TV_eps(x) = sum over pixels of sqrt(|grad x|^2 + eps^2) - eps
// with forward differences (x[i+1, j] - x[i, j], x[i, j+1] - x[i, j]), zero in
// the last row and column, as tomography/tv_pdhg.hpp defines TV (per pixel
// of unit size). Convex for any eps > 0 (a norm composed with a linear map,
// smoothed), with a gradient Lipschitz in x with constant 8/eps; it tends to
// TV as eps -> 0 and is 0 on constant images. No trainable parameters.
#pragma once

#include <torch/torch.h>

#include "regularisers/regulariser.hpp"

namespace structura::regularisers {

class SmoothedTotalVariation : public Regulariser {
public:
  // InputError unless eps > 0 and finite.
  explicit SmoothedTotalVariation(double eps, const std::string& where = "tv");
  torch::Tensor forward(const torch::Tensor& x) override;  // (N, 1, H, W) -> (N, 1)
  double eps() const { return eps_; }
  // 8 / eps: a Lipschitz constant of the gradient (|D|^2 <= 8 for the forward differences).
  double gradient_lipschitz() const { return 8.0 / eps_; }

private:
  double eps_;
  std::string where_;
};

}  // namespace structura::regularisers
