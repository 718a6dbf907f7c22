// Central finite differences of a scalar function of a float64 tensor, the
// independent truth for autograd gradients (libtorch C++ has no gradcheck).
#pragma once

#include <torch/torch.h>

#include <functional>

namespace structura::testing {

// ∂f/∂x_i ≈ (f(x + h e_i) − f(x − h e_i)) / 2h for every entry i of x.
inline torch::Tensor central_differences(const std::function<double(const torch::Tensor&)>& f,
                                         const torch::Tensor& x, double h = 1e-6) {
  torch::NoGradGuard no_grad;
  auto base = x.detach().clone().contiguous();
  auto flat = base.view({-1});
  auto grad = torch::empty_like(flat);
  for (std::int64_t i = 0; i < flat.numel(); ++i) {
    const double v = flat[i].item<double>();
    flat[i] = v + h;
    const double up = f(base);
    flat[i] = v - h;
    const double down = f(base);
    flat[i] = v;
    grad[i] = (up - down) / (2 * h);
  }
  return grad.view(x.sizes());
}

inline double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

}  // namespace structura::testing
