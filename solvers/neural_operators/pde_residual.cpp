#include "neural_operators/pde_residual.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"
#include "neural_operators/shape.hpp"

namespace structura::neural_operators {

Equation parse_equation(const std::string& name, const std::string& where) {
  if (name == "heat") return Equation::Heat;
  if (name == "burgers") return Equation::Burgers;
  throw InputError(fmt::format("{} = \"{}\": expected \"heat\" or \"burgers\"", where, name));
}

const char* equation_name(Equation equation) { return equation == Equation::Heat ? "heat" : "burgers"; }

void PdeOptions::validate(const std::string& where) const {
  if (!(nu > 0 && std::isfinite(nu)))
    throw InputError(fmt::format("{}.nu = {}: expected a finite viscosity > 0", where, nu));
}

Field deeponet_field(DeepOnet model, const torch::Tensor& u0) {
  return [model, u0](const torch::Tensor& x, const torch::Tensor& t) mutable {
    require(x.dim() == 2 && x.size(0) == u0.size(0),
            fmt::format("deeponet_field: expected points (N, P) with N = {}, got sizes {}", u0.size(0), shape_of(x)));
    return model->forward(u0, torch::stack({x, t}, -1));
  };
}

namespace {

void require_points(const torch::Tensor& x, const torch::Tensor& t, const char* who) {
  require(x.sizes() == t.sizes(),
          fmt::format("{}: x and t must have one shape, got {} and {}", who, shape_of(x), shape_of(t)));
}

// d(sum y)/dx with create_graph; zeros where y does not depend on x (a
// field without t, or a derivative that is constant), which autograd
// reports as an unused or non-differentiable input.
torch::Tensor gradient(const torch::Tensor& y, const torch::Tensor& x) {
  if (!y.requires_grad()) return torch::zeros_like(x);
  torch::Tensor g = torch::autograd::grad({y.sum()}, {x}, {}, /*retain_graph=*/true, /*create_graph=*/true,
                                          /*allow_unused=*/true)[0];
  return g.defined() ? g : torch::zeros_like(x);
}

}  // namespace

FieldDerivatives field_derivatives(const Field& field, const torch::Tensor& x, const torch::Tensor& t) {
  require_points(x, t, "field_derivatives");
  const torch::Tensor xs = x.detach().clone().requires_grad_(true);
  const torch::Tensor ts = t.detach().clone().requires_grad_(true);
  FieldDerivatives d;
  d.u = field(xs, ts);
  require(d.u.sizes() == x.sizes(), fmt::format("field_derivatives: the field returned sizes {} for points of sizes {}",
                                                shape_of(d.u), shape_of(x)));
  d.u_x = gradient(d.u, xs);
  d.u_t = gradient(d.u, ts);
  d.u_xx = gradient(d.u_x, xs);
  return d;
}

torch::Tensor pde_residual(const FieldDerivatives& d, const PdeOptions& pde) {
  if (pde.equation == Equation::Heat) return d.u_t - pde.nu * d.u_xx;
  return d.u_t + d.u * d.u_x - pde.nu * d.u_xx;
}

torch::Tensor pde_residual(const Field& field, const torch::Tensor& x, const torch::Tensor& t, const PdeOptions& pde) {
  return pde_residual(field_derivatives(field, x, t), pde);
}

}  // namespace structura::neural_operators
