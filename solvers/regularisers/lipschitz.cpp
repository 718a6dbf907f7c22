#include "regularisers/lipschitz.hpp"

#include <cmath>

namespace structura::regularisers {

double conv_norm_bound(const torch::Tensor& weight) {
  torch::NoGradGuard no_grad;
  const torch::Tensor a = weight.detach().abs().to(torch::kFloat64);
  const double rows = a.sum({1, 2, 3}).max().item<double>();     // per output channel
  const double columns = a.sum({0, 2, 3}).max().item<double>();  // per input channel
  return std::sqrt(rows * columns);
}

}  // namespace structura::regularisers
