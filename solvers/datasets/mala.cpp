#include "datasets/mala.hpp"

#include <fmt/format.h>

namespace structura::datasets {

void validate(const MalaSettings& s) {
  require(std::isfinite(s.step) && s.step > 0,
          fmt::format("data.mala.step: expected a step size > 0, got {}", s.step));
  require(s.steps >= 1, fmt::format("data.mala.steps: expected at least 1 step, got {}", s.steps));
}

}  // namespace structura::datasets
