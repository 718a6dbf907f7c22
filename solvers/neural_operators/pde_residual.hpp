// PDE residuals by automatic differentiation, for physics-informed training
// (Raissi et al.; the PI-DeepONet of Wang, Wang, Perdikaris, residual_net):
//   heat     r = u_t - nu u_xx
//   Burgers  r = u_t + u u_x - nu u_xx        (viscous; nu = 0.01 as the reference)
// of any field u(x, t) written in torch operations: a DeepONet with its
// branch input fixed (deeponet_field), or an analytic solution, which is how
// the residual operator itself is tested. The field must be pointwise: the
// value at point j may depend on (x_j, t_j) only, so that the gradient of
// the summed values is the stack of pointwise derivatives.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>

#include "neural_operators/deeponet.hpp"

namespace structura::neural_operators {

enum class Equation { Heat, Burgers };

// "heat", "burgers"; InputError naming `where` otherwise.
Equation parse_equation(const std::string& name, const std::string& where);
const char* equation_name(Equation equation);

struct PdeOptions {
  Equation equation = Equation::Burgers;
  double nu = 0.01;  // viscosity / diffusivity

  // InputError naming where.nu unless nu is finite and > 0.
  void validate(const std::string& where) const;
};

// u(x, t) for x, t of one shape -> u of that shape.
using Field = std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& t)>;

// The DeepONet's prediction for the functions u0 (N, m) as a field on x, t
// of shape (N, P).
Field deeponet_field(DeepOnet model, const torch::Tensor& u0);

// u and the derivatives the residuals need, at the points (x, t) (same
// shape), differentiable in the field's parameters (taken with
// create_graph). x and t enter as fresh leaves: the caller's tensors are
// not changed. One evaluation of the field for all points: a loss that
// needs values at several point sets (interior, initial line, boundary)
// concatenates them, which saves most of the per-operation overhead.
struct FieldDerivatives {
  torch::Tensor u, u_x, u_t, u_xx;
};
FieldDerivatives field_derivatives(const Field& u, const torch::Tensor& x, const torch::Tensor& t);

// The residual of `pde` from the derivatives.
torch::Tensor pde_residual(const FieldDerivatives& d, const PdeOptions& pde);
// The residual at the points (x, t): field_derivatives, then the above.
torch::Tensor pde_residual(const Field& u, const torch::Tensor& x, const torch::Tensor& t, const PdeOptions& pde);

}  // namespace structura::neural_operators
