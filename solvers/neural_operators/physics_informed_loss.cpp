#include "neural_operators/physics_informed_loss.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "neural_operators/shape.hpp"

namespace structura::neural_operators {

void PhysicsInformedOptions::validate(const std::string& where) const {
  pde.validate(where + ".pde");
  auto positive_real = [&](const char* key, double value) {
    if (!(value > 0 && std::isfinite(value)))
      throw InputError(fmt::format("{}.{} = {}: expected a finite number > 0", where, key, value));
  };
  auto weight = [&](const char* key, double value) {
    if (!(value >= 0 && std::isfinite(value)))
      throw InputError(fmt::format("{}.{} = {}: expected a finite weight >= 0", where, key, value));
  };
  positive_real("length", length);
  positive_real("t_end", t_end);
  if (residual_points < 1)
    throw InputError(fmt::format("{}.residual_points = {}: expected at least 1", where, residual_points));
  if (boundary_points < 0)
    throw InputError(fmt::format("{}.boundary_points = {}: expected 0 or more", where, boundary_points));
  if (batch < 1) throw InputError(fmt::format("{}.batch = {}: expected at least 1", where, batch));
  weight("residual_weight", residual_weight);
  weight("ic_weight", ic_weight);
  weight("bc_weight", bc_weight);
}

namespace {

const PhysicsInformedOptions& checked(const PhysicsInformedOptions& o, const std::string& where) {
  o.validate(where);
  return o;
}

// Stream of the minibatch order, apart from the collocation points' streams (the steps).
constexpr std::uint64_t kMinibatchStream = 0xDEE90;

}  // namespace

PhysicsInformedLoss::PhysicsInformedLoss(DeepOnet model, torch::Tensor u0, torch::Tensor sensors,
                                         const PhysicsInformedOptions& options, mpi::Comm comm,
                                         const std::string& where)
    : model_(std::move(model)),
      u0_(std::move(u0)),
      sensors_(std::move(sensors)),
      options_(checked(options, where)),
      comm_(std::move(comm)),
      sampler_(options_.seed, kMinibatchStream, u0_.dim() == 2 ? u0_.size(0) : 1, options_.batch) {
  const std::int64_t m = model_->options().sensors;
  require(u0_.dim() == 2 && u0_.size(1) == m && u0_.size(0) >= 1,
          fmt::format("{}: expected initial conditions (n, {}) for the DeepONet's sensors, got sizes {}", where, m,
                      shape_of(u0_)));
  require(sensors_.dim() == 1 && sensors_.size(0) == m,
          fmt::format("{}: expected {} sensor positions, got sizes {}", where, m, shape_of(sensors_)));
  require(model_->options().coordinates == 2,
          fmt::format("{}: the DeepONet's trunk must take (x, t), it takes {} coordinates", where,
                      model_->options().coordinates));
}

PhysicsInformedTerms PhysicsInformedLoss::terms(const std::vector<std::int64_t>& indices, std::int64_t step) const {
  const auto& o = options_;
  const auto n = static_cast<std::int64_t>(indices.size());
  const auto dtype = u0_.options();
  const std::int64_t r = o.residual_points, b = o.boundary_points;
  // One draw of 4 uniforms per point: (x, t) of residual point j, and
  // t of boundary point j < B, keyed by (seed, step; function, j).
  const CounterRng rng(o.seed, static_cast<std::uint64_t>(step));
  std::vector<double> xr(n * r), tr(n * r), tb(n * b);
  for (std::int64_t f = 0; f < n; ++f)
    for (std::int64_t j = 0; j < std::max(r, b); ++j) {
      const auto u = rng.uniform4(static_cast<std::uint64_t>(indices[f]), static_cast<std::uint64_t>(j));
      if (j < r) {
        xr[f * r + j] = o.length * u.u[0];
        tr[f * r + j] = o.t_end * u.u[1];
      }
      if (j < b) tb[f * b + j] = o.t_end * u.u[2];
    }
  auto tensor = [&](std::vector<double>& v, std::int64_t cols) {
    return torch::from_blob(v.data(), {n, cols}, torch::kFloat64).to(dtype, false, /*copy=*/true);
  };
  const torch::Tensor index = torch::tensor(indices, torch::kLong).to(u0_.device());
  const torch::Tensor u0 = u0_.index_select(0, index);
  const Field field = deeponet_field(model_, u0);

  // One evaluation for all points of each function: R interior points,
  // the m sensors at t = 0, B boundary times at x = 0 and at x = L.
  const std::int64_t m = sensors_.size(0);
  const torch::Tensor xs = sensors_.to(dtype).unsqueeze(0).expand({n, m});
  const torch::Tensor t_boundary = tensor(tb, b);
  const torch::Tensor x =
      torch::cat({tensor(xr, r), xs, torch::zeros_like(t_boundary), torch::full_like(t_boundary, o.length)}, 1);
  const torch::Tensor t = torch::cat({tensor(tr, r), torch::zeros_like(xs), t_boundary, t_boundary}, 1);
  const FieldDerivatives d = field_derivatives(field, x, t);

  PhysicsInformedTerms out;
  out.residual = pde_residual(d, o.pde).narrow(1, 0, r).pow(2).mean(1).sum();
  out.initial = (d.u.narrow(1, r, m) - u0).pow(2).mean(1).sum();
  if (b > 0) {
    auto jump = [&](const torch::Tensor& v) { return v.narrow(1, r + m, b) - v.narrow(1, r + m + b, b); };
    out.boundary = (jump(d.u).pow(2) + jump(d.u_x).pow(2)).mean(1).sum();
  } else {
    out.boundary = torch::zeros({}, dtype);
  }
  out.total = o.residual_weight * out.residual + o.ic_weight * out.initial + o.bc_weight * out.boundary;
  return out;
}

double PhysicsInformedLoss::operator()(std::int64_t step) {
  const double global = static_cast<double>(sampler_.batch_size(step));
  const std::vector<std::int64_t> mine = sampler_.indices(step, comm_.size(), comm_.rank());
  std::vector<double> local = {0, 0, 0};
  double value = 0;
  if (!mine.empty()) {  // a rank with no functions this step adds zero gradients
    const PhysicsInformedTerms t = terms(mine, step);
    const torch::Tensor loss = t.total / global;
    loss.backward();
    value = loss.item<double>();
    local = {t.residual.item<double>() / global, t.initial.item<double>() / global, t.boundary.item<double>() / global};
  }
  comm_.sum_in_place(local);
  last_ = local;
  return value;
}

}  // namespace structura::neural_operators
