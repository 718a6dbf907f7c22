#include "geometry/residual_mlp.hpp"

#include <string>

namespace structura::geometry {

namespace {

// x Wᵀ + b: a linear layer on points (LinearImpl::forward is not const).
torch::Tensor linear_point(const torch::nn::Linear& layer, const torch::Tensor& x) {
  return torch::linear(x, layer->weight, layer->bias);
}

// dx Wᵀ: the same layer on tangents, without its bias.
torch::Tensor linear_tangent(const torch::nn::Linear& layer, const torch::Tensor& tangents) {
  return torch::matmul(tangents, layer->weight.t());
}

// relu(h) and its tangent dh ⊙ 1[h > 0] (the derivative at 0 taken as 0,
// as autograd does).
void relu_with_tangent(const torch::Tensor& h, const torch::Tensor& dh, torch::Tensor& out, torch::Tensor& dout) {
  out = torch::relu(h);
  if (dh.defined()) dout = dh * (h > 0).to(h.scalar_type()).unsqueeze(1);
}

}  // namespace

ResidualMlp::ResidualMlp(std::int64_t inputs, std::int64_t outputs, std::int64_t hidden, std::int64_t blocks) {
  // Module names are file format (/models/<name>/parameters/...).
  input_ = register_module("input", torch::nn::Linear(inputs, hidden));
  for (std::int64_t j = 0; j < blocks; ++j) {
    first_.push_back(register_module("block" + std::to_string(j) + "_first", torch::nn::Linear(hidden, hidden)));
    second_.push_back(register_module("block" + std::to_string(j) + "_second", torch::nn::Linear(hidden, hidden)));
    torch::NoGradGuard no_grad;
    second_.back()->weight.uniform_(-1e-3, 1e-3);
    second_.back()->bias.uniform_(-1e-3, 1e-3);
  }
  output_ = register_module("output", torch::nn::Linear(hidden, outputs));
}

MlpEvaluation ResidualMlp::evaluate(const torch::Tensor& x, const torch::Tensor& tangents) const {
  const bool with_tangents = tangents.defined();
  auto h = linear_point(input_, x);
  torch::Tensor dh = with_tangents ? linear_tangent(input_, tangents) : torch::Tensor();
  for (std::size_t j = 0; j < first_.size(); ++j) {
    torch::Tensor a, da, b, db;
    relu_with_tangent(h, dh, a, da);
    auto pre = linear_point(first_[j], a);
    torch::Tensor dpre = with_tangents ? linear_tangent(first_[j], da) : torch::Tensor();
    relu_with_tangent(pre, dpre, b, db);
    h = h + linear_point(second_[j], b);
    if (with_tangents) dh = dh + linear_tangent(second_[j], db);
  }
  MlpEvaluation out;
  out.y = linear_point(output_, h);
  if (with_tangents) out.dy = linear_tangent(output_, dh);
  return out;
}

}  // namespace structura::geometry
