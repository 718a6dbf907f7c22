#include "variational/checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace structura::variational::detail {

void require_start_and_truth(const Problem& problem, const torch::Tensor& start, const torch::Tensor& truth) {
  require_images(problem.op(), start, "start", problem.batch());
  require(torch::isfinite(start).all().item<bool>(), "start: contains NaN or Inf");
  if (truth.defined()) {
    require_images(problem.op(), truth, "truth", problem.batch());
    require(torch::isfinite(truth).all().item<bool>(), "truth: contains NaN or Inf");
  }
}

void require_sane(const std::string& solver, int iteration, const torch::Tensor& index, const torch::Tensor& energy,
                  const torch::Tensor& gradient_norm, const torch::Tensor& start_energy, double factor) {
  const auto* e = energy.data_ptr<double>();
  const auto* g = gradient_norm.data_ptr<double>();
  const auto* id = index.data_ptr<std::int64_t>();
  const auto* e0 = start_energy.data_ptr<double>();
  for (std::int64_t j = 0; j < energy.size(0); ++j) {
    const auto i = id[j];
    if (!std::isfinite(e[j]) || !std::isfinite(g[j]))
      throw NumericalError(fmt::format("{}: image {}: the energy ({}) or its gradient norm ({}) is not finite at "
                                       "iteration {}",
                                       solver, i, e[j], g[j], iteration));
    if (e[j] - e0[i] > factor * std::max(std::abs(e0[i]), 1e-12))
      throw NumericalError(fmt::format("{}: image {}: the energy blew up at iteration {}: {} against {} at the start "
                                       "(the step is too large for this energy)",
                                       solver, i, iteration, e[j], e0[i]));
  }
}

torch::Tensor indices_of(const torch::Tensor& mask) { return torch::nonzero(mask).flatten().to(torch::kInt64); }

}  // namespace structura::variational::detail
