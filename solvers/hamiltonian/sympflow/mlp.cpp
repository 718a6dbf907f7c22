#include "hamiltonian/sympflow/mlp.hpp"

#include <string>

namespace structura::hamiltonian::sympflow {

ActivationTerms activation_terms(Activation activation, const torch::Tensor& a, bool need_second) {
  ActivationTerms r;
  switch (activation) {
    case Activation::Tanh:
      r.value = torch::tanh(a);
      r.first = 1 - r.value * r.value;
      if (need_second) r.second = -2 * r.value * r.first;
      break;
    case Activation::Sin:
      r.value = torch::sin(a);
      r.first = torch::cos(a);
      if (need_second) r.second = -r.value;
      break;
    case Activation::Swish: {
      const torch::Tensor g = torch::sigmoid(a);
      const torch::Tensor gd = g * (1 - g);
      r.value = a * g;
      r.first = g + a * gd;
      if (need_second) r.second = gd * (2 + a * (1 - 2 * g));
      break;
    }
  }
  return r;
}

MlpImpl::MlpImpl(int inputs, int width, int depth, int outputs, Activation activation) : activation_(activation) {
  int in = inputs;
  for (int j = 0; j <= depth; ++j) {
    const int out = j < depth ? width : outputs;
    linears_.push_back(register_module("linear" + std::to_string(j), torch::nn::Linear(in, out)));
    in = out;
  }
}

torch::Tensor MlpImpl::forward(const torch::Tensor& z) {
  torch::Tensor h = z;
  for (std::size_t j = 0; j + 1 < linears_.size(); ++j) h = activation_terms(activation_, linears_[j](h), false).value;
  return linears_.back()(h);
}

std::pair<torch::Tensor, torch::Tensor> MlpImpl::forward_with_tangent(const torch::Tensor& z,
                                                                      const torch::Tensor& zdot) {
  torch::Tensor h = z, hdot = zdot;
  for (std::size_t j = 0; j + 1 < linears_.size(); ++j) {
    const auto s = activation_terms(activation_, linears_[j](h), false);
    hdot = s.first * torch::matmul(hdot, linears_[j]->weight.t());  // the bias has no tangent
    h = s.value;
  }
  return {linears_.back()(h), torch::matmul(hdot, linears_.back()->weight.t())};
}

MlpImpl::Gradient MlpImpl::input_gradient(const torch::Tensor& z, const torch::Tensor& zdot) {
  TORCH_CHECK(linears_.back()->weight.size(0) == 1, "input_gradient needs a scalar MLP");
  const bool tangent = zdot.defined();
  const std::size_t hidden = linears_.size() - 1;
  // Forward: keep sigma'(a_k), sigma''(a_k) and the tangents adot_k.
  std::vector<torch::Tensor> first(hidden), second(hidden), adot(hidden);
  torch::Tensor h = z, hdot = zdot;
  for (std::size_t k = 0; k < hidden; ++k) {
    const auto& W = linears_[k]->weight;
    const auto s = activation_terms(activation_, linears_[k](h), tangent);
    first[k] = s.first;
    if (tangent) {
      second[k] = s.second;
      adot[k] = torch::matmul(hdot, W.t());
      hdot = s.first * adot[k];
    }
    h = s.value;
  }
  // Backward: delta_{k-1} = (sigma'(a_k) * delta_k) W_k, starting from the
  // output weights; its tangent differentiates every factor.
  torch::Tensor delta = linears_.back()->weight;  // (1, width), broadcasts over the batch
  torch::Tensor delta_dot;
  for (std::size_t k = hidden; k-- > 0;) {
    const auto& W = linears_[k]->weight;
    const torch::Tensor e = first[k] * delta;
    if (tangent) {
      torch::Tensor e_dot = second[k] * adot[k] * delta;
      if (delta_dot.defined()) e_dot = e_dot + first[k] * delta_dot;
      delta_dot = torch::matmul(e_dot, W);
    }
    delta = torch::matmul(e, W);
  }
  return {delta, delta_dot};
}

}  // namespace structura::hamiltonian::sympflow
