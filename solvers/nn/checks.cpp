#include "nn/checks.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"

namespace structura::nn {

void check_finite_loss(const std::string& name, std::int64_t step, double loss) {
  if (!std::isfinite(loss))
    throw NumericalError(fmt::format(
        "{}: the loss is {} at step {}; lower the learning rate or enable gradient clipping", name, loss, step));
}

void check_finite_gradient_norm(const std::string& name, std::int64_t step, double gradient_norm, double loss) {
  if (!std::isfinite(gradient_norm))
    throw NumericalError(fmt::format(
        "{}: the gradient norm is {} at step {} (loss {}); lower the learning rate or enable gradient clipping", name,
        gradient_norm, step, loss));
}

void DivergenceCheck::check(const std::string& name, std::int64_t step, double loss) {
  if (factor_ > 0 && smallest_ > 0 && loss > factor_ * smallest_)
    throw NumericalError(fmt::format("{}: diverged at step {}: the loss {} exceeds {} times the smallest loss so far ({})",
                                     name, step, loss, factor_, smallest_));
  record(loss);
}

}  // namespace structura::nn
