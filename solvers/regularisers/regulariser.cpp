#include "regularisers/regulariser.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"

namespace structura::regularisers {

void require_image_batch(const torch::Tensor& x, const std::string& where) {
  require(x.defined(), fmt::format("{}: expected an image batch (N, 1, H, W), got an undefined tensor", where));
  require(x.dim() == 4 && x.size(1) == 1 && torch::isFloatingType(x.scalar_type()),
          fmt::format("{}: expected a floating image batch (N, 1, H, W), got shape {} of type {}", where,
                      fmt::format("{}", fmt::join(x.sizes().vec(), "x")), c10::toString(x.scalar_type())));
}

torch::Tensor Regulariser::density(const torch::Tensor&, std::int64_t, std::int64_t) {
  throw InputError(fmt::format("{}: not a sum of a local map over pixels (receptive_radius() = -1); it cannot be "
                               "split into row bands",
                               name()));
}

torch::Tensor per_image(const torch::Tensor& values) {
  if (values.dim() == 2 && values.size(1) == 1) return values.view({values.size(0)});
  require(values.dim() == 1,
          fmt::format("expected one value per image, shaped (N, 1) or (N), got {} dimensions", values.dim()));
  return values;
}

}  // namespace structura::regularisers
