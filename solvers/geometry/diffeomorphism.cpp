#include "geometry/diffeomorphism.hpp"

namespace structura::geometry {

torch::Tensor Diffeomorphism::jvp(const torch::Tensor& x, const torch::Tensor& v) const {
  return evaluate(x, v.unsqueeze(1)).jv.squeeze(1);
}

torch::Tensor Diffeomorphism::inverse_jvp(const torch::Tensor& z, const torch::Tensor& w) const {
  return evaluate_inverse(z, w.unsqueeze(1)).jv.squeeze(1);
}

torch::Tensor Diffeomorphism::vjp(const torch::Tensor& x, const torch::Tensor& w) const {
  // A leaf copy of x that requires grad, whatever x was: the product is
  // then ∂⟨φ(x), w⟩/∂x, and create_graph keeps it differentiable in the
  // parameters.
  auto point = x.detach().requires_grad_(true);
  auto inner = (forward(point) * w).sum();
  return torch::autograd::grad({inner}, {point}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
}

torch::Tensor Diffeomorphism::jacobian(const torch::Tensor& x) const {
  const auto batch = x.size(0);
  const auto d = x.size(1);
  auto units = torch::eye(d, x.options()).unsqueeze(0).expand({batch, d, d});
  // evaluate gives jv[b, k, :] = Dφ(x_b) e_k, the k-th column; transpose to
  // rows = components of φ.
  return evaluate(x, units).jv.transpose(1, 2);
}

}  // namespace structura::geometry
