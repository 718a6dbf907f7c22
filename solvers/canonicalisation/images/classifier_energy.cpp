#include "canonicalisation/images/classifier_energy.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "canonicalisation/images/warp.hpp"
#include "core/error.hpp"

namespace structura::canonicalisation::images {

namespace {

// Pixels whose homogeneous depth p2 is below this are through the horizon.
constexpr double kMinDepth = 1e-3;

}  // namespace

void ClassifierEnergyOptions::validate(const std::string& where) const {
  if (!std::isfinite(boundary_weight) || boundary_weight < 0)
    throw InputError(fmt::format("{}.boundary_weight: must be finite and >= 0, got {}", where, boundary_weight));
}

torch::Tensor boundary_penalty(const torch::Tensor& grid, BoundaryPenalty kind) {
  const auto excess = torch::relu(grid.abs() - 1);  // (N, H, W, 2)
  if (kind == BoundaryPenalty::SquaredExcess) return excess.square().sum(3).mean({1, 2});
  const double tau = 2.0 / double(std::max(grid.size(1), grid.size(2)));  // one pixel width
  const auto outside = std::get<0>(grid.abs().max(3)) - 1;
  return torch::sigmoid(outside / tau).mean({1, 2});
}

ClassifierEnergy::ClassifierEnergy(const MatrixGroup& group, Logits classifier, torch::Tensor image,
                                   ClassifierEnergyOptions options)
    : group_(group), classifier_(std::move(classifier)), image_(std::move(image)), options_(options) {
  options_.validate();
  if (image_.dim() != 2 || image_.size(0) < 2 || image_.size(1) < 2)
    throw InputError(fmt::format("ClassifierEnergy: image must be (H, W) with H, W >= 2, got {}", fmt::join(image_.sizes(), " x ")));
  if (!classifier_) throw InputError("ClassifierEnergy: classifier is empty");
  std::vector<double> flat;
  for (const auto& b : group_.scaled_basis()) flat.insert(flat.end(), b.begin(), b.end());
  basis_ = torch::tensor(flat, torch::kFloat64).reshape({group_.dimension(), 3, 3});
}

torch::Tensor ClassifierEnergy::energy_of_inverses(const torch::Tensor& inverses) const {
  const auto h = image_.size(0), w = image_.size(1);
  const auto m = inverses.to(image_.scalar_type());
  const auto grid = sampling_grid(m, h, w, kMinDepth);
  const auto warped = warp_with_grid(image_.expand({inverses.size(0), h, w}).unsqueeze(1), grid);
  const auto logits = classifier_(warped);
  auto energy = -torch::logsumexp(logits, 1);
  if (options_.boundary_weight > 0) energy = energy + options_.boundary_weight * boundary_penalty(grid, options_.boundary);
  // Through the horizon: not a view of the image at all.
  const auto behind = minimum_depth(inverses, h, w).le(kMinDepth);
  return torch::where(behind, torch::full_like(energy, std::numeric_limits<double>::infinity()), energy)
      .to(torch::kFloat64);
}

EnergyBatch ClassifierEnergy::evaluate(const Element& base, std::span<const double> epsilon, int rows) const {
  const int k = group_.dimension();
  if (rows < 0 || epsilon.size() != std::size_t(rows) * std::size_t(k))
    throw InputError(fmt::format("ClassifierEnergy: {} coordinates for {} rows of {}", epsilon.size(), rows, k));
  EnergyBatch out;
  if (rows == 0) return out;
  const Matrix3 base_inverse = invert(to_matrix(base));
  const auto base_inv = torch::tensor(std::vector<double>(base_inverse.begin(), base_inverse.end()), torch::kFloat64)
                            .reshape({1, 3, 3});
  torch::AutoGradMode grad_mode(true);
  const auto eps = torch::tensor(std::vector<double>(epsilon.begin(), epsilon.end()), torch::kFloat64)
                       .reshape({rows, k})
                       .requires_grad_(true);
  // h = exp(A) base  =>  h^-1 = base^-1 exp(-A)
  const auto algebra = torch::einsum("rk,kij->rij", {eps, basis_});
  const auto inverses = torch::matmul(base_inv, torch::linalg_matrix_exp(-algebra));
  const auto energy = energy_of_inverses(inverses);
  const auto finite = torch::isfinite(energy);
  const auto gradient =
      torch::autograd::grad({torch::where(finite, energy, torch::zeros_like(energy)).sum()}, {eps})[0];
  const auto e = energy.detach().contiguous();
  const auto g = torch::where(finite.unsqueeze(1), gradient, torch::zeros_like(gradient)).contiguous();
  out.energy.assign(e.data_ptr<double>(), e.data_ptr<double>() + rows);
  out.gradient.assign(g.data_ptr<double>(), g.data_ptr<double>() + std::size_t(rows) * k);
  for (double& v : out.energy)
    if (!std::isfinite(v)) v = std::numeric_limits<double>::infinity();
  return out;
}

std::vector<double> ClassifierEnergy::energies(const std::vector<Element>& elements) const {
  torch::NoGradGuard no_grad;
  std::vector<Element> inverses;
  for (const auto& e : elements) inverses.push_back(group_.inverse(e));
  const auto energy = energy_of_inverses(element_tensor(inverses, torch::TensorOptions().dtype(torch::kFloat64)))
                          .contiguous();
  std::vector<double> out(energy.data_ptr<double>(), energy.data_ptr<double>() + energy.size(0));
  for (double& v : out)
    if (!std::isfinite(v)) v = std::numeric_limits<double>::infinity();
  return out;
}

}  // namespace structura::canonicalisation::images
