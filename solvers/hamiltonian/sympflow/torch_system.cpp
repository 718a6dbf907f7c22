#include "hamiltonian/sympflow/torch_system.hpp"

#include <vector>

namespace structura::hamiltonian::sympflow {

namespace {

std::vector<torch::Tensor> columns(const torch::Tensor& x, int first, int count) {
  std::vector<torch::Tensor> c;
  c.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) c.push_back(x.select(1, first + i));
  return c;
}

}  // namespace

torch::Tensor vector_field(const System& system, const torch::Tensor& x) {
  return std::visit(
      [&](const auto& s) {
        const int n = s.dof();
        std::vector<torch::Tensor> q = columns(x, 0, n), p = columns(x, n, n), dq(n), dp(n);
        s.vector_field(q.data(), p.data(), dq.data(), dp.data());
        dq.insert(dq.end(), dp.begin(), dp.end());
        return torch::stack(dq, 1);
      },
      system);
}

torch::Tensor energy(const System& system, const torch::Tensor& x) {
  return std::visit(
      [&](const auto& s) {
        const int n = s.dof();
        std::vector<torch::Tensor> q = columns(x, 0, n), p = columns(x, n, n);
        return s.energy(q.data(), p.data()).unsqueeze(1);
      },
      system);
}

}  // namespace structura::hamiltonian::sympflow
