// What the training losses and the evaluation need from a learned flow map
// N(t, x) on phase space R^{2n}, x = (q, p): its value and its time
// derivative at a batch of (t, x0). SympFlow and the MLP baseline implement it.
#pragma once

#include <torch/torch.h>

namespace structura::hamiltonian::sympflow {

struct FlowValue {
  torch::Tensor x;     // N(t, x0), (batch, 2n)
  torch::Tensor xdot;  // d/dt N(t, x0), undefined unless asked for
};

class FlowModel : public torch::nn::Module {
public:
  // x0 is (batch, 2n), t is (batch, 1).
  virtual FlowValue flow(const torch::Tensor& x0, const torch::Tensor& t, bool with_time_derivative) = 0;
  virtual int dof() const = 0;
};

}  // namespace structura::hamiltonian::sympflow
