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

torch::Tensor boundary_penalty(const torch::Tensor& points, BoundaryPenalty kind, const torch::Tensor& weights) {
  torch::Tensor per_point;
  if (kind == BoundaryPenalty::SquaredExcess) {
    per_point = torch::relu(points.abs() - 1).square().sum(3);
  } else {
    const double tau = 2.0 / double(std::max(points.size(1), points.size(2)));  // one pixel width
    per_point = torch::sigmoid((std::get<0>(points.abs().max(3)) - 1) / tau);
  }
  if (!weights.defined()) return per_point.mean({1, 2});
  return (per_point * weights.unsqueeze(0)).sum({1, 2}) / weights.sum();
}

ClassifierEnergy::ClassifierEnergy(const MatrixGroup& group, Logits classifier, torch::Tensor image,
                                   ClassifierEnergyOptions options)
    : group_(group), classifier_(std::move(classifier)), image_(std::move(image)), options_(options) {
  options_.validate();
  if (image_.dim() != 2 || image_.size(0) < 2 || image_.size(1) < 2)
    throw InputError(
        fmt::format("ClassifierEnergy: image must be (H, W) with H, W >= 2, got {}", fmt::join(image_.sizes(), " x ")));
  if (!classifier_) throw InputError("ClassifierEnergy: classifier is empty");
  ink_ = image_.abs();
  if (options_.region == BoundaryRegion::MovedContent && !(ink_.sum().item<double>() > 0))
    throw InputError("ClassifierEnergy: the moved-content boundary needs an image that is not all zero");
  std::vector<double> flat;
  for (const auto& b : group_.scaled_basis()) flat.insert(flat.end(), b.begin(), b.end());
  basis_ = torch::tensor(flat, torch::kFloat64).reshape({group_.dimension(), 3, 3});
}

torch::Tensor ClassifierEnergy::energy_of(const torch::Tensor& elements, const torch::Tensor& inverses) const {
  const auto h = image_.size(0), w = image_.size(1);
  const auto dtype = image_.scalar_type();
  const auto grid = sampling_grid(inverses.to(dtype), h, w, kMinDepth);
  const auto warped = warp_with_grid(image_.expand({inverses.size(0), h, w}).unsqueeze(1), grid);
  auto energy = -torch::logsumexp(classifier_(warped), 1);
  if (options_.boundary_weight > 0) {
    const auto points =
        options_.region == BoundaryRegion::SamplingGrid ? grid : sampling_grid(elements.to(dtype), h, w, kMinDepth);
    const auto weights = options_.region == BoundaryRegion::MovedContent ? ink_ : torch::Tensor();
    energy = energy + options_.boundary_weight * boundary_penalty(points, options_.boundary, weights);
  }
  // Through the horizon, either way: not a view of the image at all.
  const auto behind = minimum_depth(inverses, h, w).le(kMinDepth) | minimum_depth(elements, h, w).le(kMinDepth);
  return torch::where(behind, torch::full_like(energy, std::numeric_limits<double>::infinity()), energy)
      .to(torch::kFloat64);
}

EnergyBatch ClassifierEnergy::evaluate(const Element& base, std::span<const double> epsilon, int rows) const {
  const int k = group_.dimension();
  if (rows < 0 || epsilon.size() != std::size_t(rows) * std::size_t(k))
    throw InputError(fmt::format("ClassifierEnergy: {} coordinates for {} rows of {}", epsilon.size(), rows, k));
  EnergyBatch out;
  if (rows == 0) return out;
  const Matrix3 base_m = to_matrix(base), base_inverse = invert(base_m);
  const auto base_t =
      torch::tensor(std::vector<double>(base_m.begin(), base_m.end()), torch::kFloat64).reshape({1, 3, 3});
  const auto base_inv =
      torch::tensor(std::vector<double>(base_inverse.begin(), base_inverse.end()), torch::kFloat64).reshape({1, 3, 3});
  torch::AutoGradMode grad_mode(true);
  const auto eps = torch::tensor(std::vector<double>(epsilon.begin(), epsilon.end()), torch::kFloat64)
                       .reshape({rows, k})
                       .requires_grad_(true);
  // h = exp(A) base  =>  h^-1 = base^-1 exp(-A)
  const auto algebra = torch::einsum("rk,kij->rij", {eps, basis_});
  const auto elements = torch::matmul(torch::linalg_matrix_exp(algebra), base_t);
  const auto inverses = torch::matmul(base_inv, torch::linalg_matrix_exp(-algebra));
  const auto energy = energy_of(elements, inverses);
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
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  const auto energy = energy_of(element_tensor(elements, f64), element_tensor(inverses, f64)).contiguous();
  std::vector<double> out(energy.data_ptr<double>(), energy.data_ptr<double>() + energy.size(0));
  for (double& v : out)
    if (!std::isfinite(v)) v = std::numeric_limits<double>::infinity();
  return out;
}

}  // namespace structura::canonicalisation::images
