#include "variational/problem.hpp"

#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "tomography/metrics.hpp"

namespace structura::variational {

RegulariserFunction regulariser_of(regularisers::Regulariser& model) {
  return [&model](const torch::Tensor& x) { return model.forward(x); };
}

Problem::Problem(const LinearOperator& A, torch::Tensor data, RegulariserFunction regulariser, double lambda)
    : a_(&A), y_(std::move(data)), r_(std::move(regulariser)), lambda_(lambda) {
  require(std::isfinite(lambda) && lambda >= 0, fmt::format("lambda: must be finite and >= 0, got {}", lambda));
  require(r_ || lambda == 0, "regulariser: missing, but lambda > 0 needs one");
  require_data(A, y_, "data");
  require(torch::isfinite(y_).all().item<bool>(), "data: contains NaN or Inf");
  y_ = y_.detach();
}

std::pair<torch::Tensor, torch::Tensor> Problem::regulariser_and_gradient(const torch::Tensor& x,
                                                                          bool with_gradient) const {
  const auto m = x.size(0);
  if (!r_ || lambda_ == 0) {
    return {torch::zeros({m}, torch::kFloat64), with_gradient ? torch::zeros_like(x) : torch::Tensor()};
  }
  torch::Tensor xg = x.detach().requires_grad_(with_gradient);
  torch::AutoGradMode mode(with_gradient);  // whatever the caller's mode
  const torch::Tensor values = regularisers::per_image(r_(xg));
  require(values.size(0) == m,
          fmt::format("regulariser: returned {} values for {} images", values.size(0), m));
  torch::Tensor gradient;
  if (with_gradient) {
    const torch::Tensor total = values.sum();
    // A regulariser that does not depend on x (or not differentiably) has a zero gradient.
    std::vector<torch::Tensor> grads{torch::Tensor()};
    if (total.requires_grad())
      grads = torch::autograd::grad({total}, {xg}, /*grad_outputs=*/{}, /*retain_graph=*/false,
                                    /*create_graph=*/false, /*allow_unused=*/true);
    gradient = grads[0].defined() ? lambda_ * grads[0].detach() : torch::zeros_like(x);
  }
  return {lambda_ * values.detach().to(torch::kCPU, torch::kFloat64), gradient};
}

Evaluation Problem::evaluate(const torch::Tensor& x, bool with_gradient, const torch::Tensor& index) const {
  const torch::Tensor y = index.defined() ? y_.index_select(0, index.to(y_.device())) : y_;
  require_images(*a_, x, "x", y.size(0));
  torch::NoGradGuard no_grad;
  const torch::Tensor residual = a_->forward(x) - y;
  Evaluation e;
  e.data_term = data_norm2(*a_, residual);
  auto [lambda_r, grad_r] = regulariser_and_gradient(x, with_gradient);
  e.regulariser = lambda_ > 0 ? lambda_r / lambda_ : lambda_r;
  e.energy = e.data_term + lambda_r;
  if (with_gradient) e.gradient = 2 * a_->adjoint(residual) + grad_r;
  return e;
}

torch::Tensor psnr_per_image(const torch::Tensor& x, const torch::Tensor& truth) {
  const torch::Tensor a = x.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  const torch::Tensor b = truth.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  const auto n = a.size(0);
  const long size = static_cast<long>(a.numel() / std::max<std::int64_t>(n, 1));
  torch::Tensor out = torch::empty({n}, torch::kFloat64);
  for (std::int64_t i = 0; i < n; ++i) {
    const double* t = b.data_ptr<double>() + i * size;
    out[i] = tomography::psnr(t, a.data_ptr<double>() + i * size, size, tomography::data_range_of(t, size));
  }
  return out;
}

torch::Tensor norms_per_image(const torch::Tensor& t) {
  return t.detach().to(torch::kCPU, torch::kFloat64).flatten(1).pow(2).sum(1).sqrt();
}

}  // namespace structura::variational
