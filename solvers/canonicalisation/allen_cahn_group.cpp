#include "canonicalisation/allen_cahn_group.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace structura::canonicalisation {

AllenCahnGroup::AllenCahnGroup(const pde::AllenCahnSymmetries& symmetries, std::vector<int> generators,
                               std::vector<double> scales, const std::string& key)
    : symmetries_(symmetries), generators_(std::move(generators)), scales_(std::move(scales)) {
  if (generators_.empty()) throw InputError(fmt::format("{}: needs at least one generator", key));
  if (scales_.size() != generators_.size())
    throw InputError(fmt::format("{}: {} scales for {} generators", key, scales_.size(), generators_.size()));
  for (std::size_t i = 0; i < generators_.size(); ++i) {
    const int g = generators_[i];
    if (g < 0 || g >= pde::AllenCahnSymmetries::dimension)
      throw InputError(fmt::format("{}: generator {} is not one of 0 (d_x), 1 (d_y), 2 (d_t), 3 (rotation)", key, g));
    if (std::find(generators_.begin() + static_cast<long>(i) + 1, generators_.end(), g) != generators_.end())
      throw InputError(fmt::format("{}: lists generator {} twice", key, g));
    if (!(scales_[i] > 0) || !std::isfinite(scales_[i]))
      throw InputError(fmt::format("{}: the scale of generator {} must be > 0 (got {})", key, g, scales_[i]));
  }
}

Element AllenCahnGroup::pack(const pde::AcGroupElement& g) { return {g.theta, g.bx, g.by, g.tau, double(g.sign)}; }

pde::AcGroupElement AllenCahnGroup::unpack(const Element& e) {
  pde::AcGroupElement g;
  g.theta = e.at(0);
  g.bx = e.at(1);
  g.by = e.at(2);
  g.tau = e.at(3);
  g.sign = e.at(4) < 0 ? -1 : 1;
  return g;
}

Element AllenCahnGroup::identity() const { return pack({}); }

Element AllenCahnGroup::exp(std::span<const double> epsilon) const {
  std::array<double, 4> a{0, 0, 0, 0};
  for (std::size_t i = 0; i < generators_.size(); ++i)
    a[static_cast<std::size_t>(generators_[i])] = scales_[i] * epsilon[i];
  return pack(symmetries_.exp(a));
}

Element AllenCahnGroup::compose(const Element& a, const Element& b) const {
  return pack(symmetries_.compose(unpack(a), unpack(b)));
}

Element AllenCahnGroup::inverse(const Element& g) const { return pack(symmetries_.inverse(unpack(g))); }

}  // namespace structura::canonicalisation
