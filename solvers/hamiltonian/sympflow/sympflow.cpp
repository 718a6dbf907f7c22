#include "hamiltonian/sympflow/sympflow.hpp"

#include <string>

#include "core/error.hpp"

namespace structura::hamiltonian::sympflow {

namespace {

// The MLP input (c, t) with its tangent (cdot, tdot), for the rows at time t
// stacked over the rows at time 0: one MLP call gives both gradients.
struct StackedInput {
  torch::Tensor z, zdot;
};
StackedInput stack_t_and_zero(const torch::Tensor& c, const torch::Tensor& cdot, const torch::Tensor& t) {
  StackedInput s;
  const torch::Tensor zero = torch::zeros_like(t);
  s.z = torch::cat({torch::cat({c, t}, 1), torch::cat({c, zero}, 1)}, 0);
  if (cdot.defined()) {
    s.zdot = torch::cat({torch::cat({cdot, torch::ones_like(t)}, 1), torch::cat({cdot, zero}, 1)}, 0);
  }
  return s;
}

// grad(c, t) - grad(c, 0) in the coordinates (the last input is t) from the
// stacked gradients. Where t == 0 both halves have equal inputs, so the
// difference is zero in exact arithmetic, but a BLAS may round the two halves
// of one batch differently (libtorch 2.11's CPU float32 GEMM did, by one ulp,
// in tools/device/sympflow_cuda_check.sh); those rows are set to exactly zero,
// so that N(0, x) = x bit for bit on every backend. Their parameter gradient
// is zero either way.
torch::Tensor gradient_change(const torch::Tensor& stacked, std::int64_t batch, std::int64_t n,
                              const torch::Tensor& t) {
  const torch::Tensor diff =
      stacked.narrow(0, 0, batch).narrow(1, 0, n) - stacked.narrow(0, batch, batch).narrow(1, 0, n);
  return diff.masked_fill(t == 0, 0);
}

}  // namespace

SympFlow::SympFlow(const FlowMapArchitecture& architecture) : architecture_(architecture) {
  architecture_.validate();
  const auto& a = architecture_;
  for (int i = 0; i < a.layers; ++i) {
    potentials_.push_back(
        register_module("potential" + std::to_string(i), Mlp(a.inputs(), a.width, a.depth, 1, a.activation)));
    kinetics_.push_back(
        register_module("kinetic" + std::to_string(i), Mlp(a.inputs(), a.width, a.depth, 1, a.activation)));
  }
  h0_ = register_parameter("h0", torch::zeros({1}));
}

SympFlow::Half SympFlow::update(Mlp& mlp, bool potential, const torch::Tensor& c, const torch::Tensor& cdot,
                                const torch::Tensor& moved, const torch::Tensor& moved_dot, const torch::Tensor& t) {
  const std::int64_t batch = c.size(0), n = c.size(1);
  const StackedInput in = stack_t_and_zero(c, cdot, t);
  const auto g = mlp->input_gradient(in.z, in.zdot);
  const torch::Tensor diff = gradient_change(g.value, batch, n, t);
  Half h;
  h.moved = potential ? moved - diff : moved + diff;
  if (g.dot.defined()) {
    const torch::Tensor diff_dot =
        g.dot.narrow(0, 0, batch).narrow(1, 0, n) - g.dot.narrow(0, batch, batch).narrow(1, 0, n);
    h.moved_dot = potential ? moved_dot - diff_dot : moved_dot + diff_dot;
  }
  return h;
}

FlowValue SympFlow::flow(const torch::Tensor& x0, const torch::Tensor& t, bool with_time_derivative) {
  const int n = architecture_.dof;
  torch::Tensor q = x0.narrow(1, 0, n), p = x0.narrow(1, n, n);
  torch::Tensor qdot, pdot;
  if (with_time_derivative) {  // x0 does not depend on t
    qdot = torch::zeros_like(q);
    pdot = torch::zeros_like(p);
  }
  const bool potential_first = architecture_.order == LayerOrder::PotentialFirst;
  for (int i = 0; i < architecture_.layers; ++i) {
    for (int half = 0; half < 2; ++half) {
      if ((half == 0) == potential_first) {
        auto h = update(potentials_[i], true, q, qdot, p, pdot, t);
        p = h.moved, pdot = h.moved_dot;
      } else {
        auto h = update(kinetics_[i], false, p, pdot, q, qdot, t);
        q = h.moved, qdot = h.moved_dot;
      }
    }
  }
  FlowValue v;
  v.x = torch::cat({q, p}, 1);
  if (with_time_derivative) v.xdot = torch::cat({qdot, pdot}, 1);
  return v;
}

torch::Tensor SympFlow::hamiltonian(const torch::Tensor& x, const torch::Tensor& t) {
  const int n = architecture_.dof;
  const std::int64_t batch = x.size(0);
  torch::Tensor q = x.narrow(1, 0, n), p = x.narrow(1, n, n);
  torch::Tensor h = torch::tanh(h0_).expand({batch, 1});
  const bool potential_first = architecture_.order == LayerOrder::PotentialFirst;
  // Walk the 2L maps from the last one applied to the first: add the map's
  // Hamiltonian (d/dt of its MLP) at the current point, then undo the map.
  for (int i = architecture_.layers; i-- > 0;) {
    for (int half = 2; half-- > 0;) {
      const bool potential = (half == 0) == potential_first;
      Mlp& mlp = potential ? potentials_[i] : kinetics_[i];
      const torch::Tensor& c = potential ? q : p;
      const StackedInput in = stack_t_and_zero(c, {}, t);
      const torch::Tensor g = mlp->input_gradient(in.z).value;
      h = h + g.narrow(0, 0, batch).narrow(1, n, 1);
      const torch::Tensor diff = gradient_change(g, batch, n, t);
      if (potential) {
        p = p + diff;  // undo p <- p - diff
      } else {
        q = q - diff;  // undo q <- q + diff
      }
    }
  }
  return h;
}

FlowMapWeights SympFlow::export_weights() const {
  FlowMapWeights w;
  w.architecture = architecture_;
  w.values.reserve(static_cast<std::size_t>(architecture_.size()));
  torch::NoGradGuard no_grad;
  auto append = [&](const torch::Tensor& t) {
    const torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat64).contiguous();
    w.values.insert(w.values.end(), c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
  };
  for (int i = 0; i < architecture_.layers; ++i) {
    for (const Mlp* mlp : {&potentials_[i], &kinetics_[i]}) {
      for (const auto& linear : (*mlp)->linears()) {
        append(linear->weight);
        append(linear->bias);
      }
    }
  }
  require(static_cast<std::int64_t>(w.values.size()) == architecture_.size(), "SympFlow::export_weights: layout size");
  return w;
}

void SympFlow::import_weights(const FlowMapWeights& weights) {
  const auto& a = weights.architecture;
  const auto& b = architecture_;
  if (a.dof != b.dof || a.layers != b.layers || a.width != b.width || a.depth != b.depth ||
      a.activation != b.activation || a.order != b.order)
    throw InputError("SympFlow::import_weights: the weights were made for another architecture");
  if (static_cast<std::int64_t>(weights.values.size()) != b.size())
    throw InputError("SympFlow::import_weights: wrong number of values");
  torch::NoGradGuard no_grad;
  std::size_t offset = 0;
  auto take = [&](torch::Tensor t) {  // shares storage with the parameter
    const auto n = static_cast<std::size_t>(t.numel());
    torch::Tensor src =
        torch::from_blob(const_cast<double*>(weights.values.data() + offset), t.sizes(), torch::kFloat64);
    t.copy_(src.to(t.options()));
    offset += n;
  };
  for (int i = 0; i < b.layers; ++i) {
    for (Mlp* mlp : {&potentials_[i], &kinetics_[i]}) {
      for (auto& linear : (*mlp)->linears()) {
        take(linear->weight);
        take(linear->bias);
      }
    }
  }
}

}  // namespace structura::hamiltonian::sympflow
