#include "canonicalisation/pde_groups.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace structura::canonicalisation {

namespace {

bool in_sl2(pde::SymmetricEquation equation, int generator) {
  // heat: d_t (1), scaling (3), projective (5); Burgers: d_t (1), scaling (3), projective (4)
  return equation == pde::SymmetricEquation::Heat ? (generator == 1 || generator == 3 || generator == 5)
                                                  : (generator == 1 || generator == 3 || generator == 4);
}

}  // namespace

PdeSymmetryGroup::PdeSymmetryGroup(const pde::SymmetryGroup& group, std::vector<int> generators,
                                   std::vector<double> scales, const std::string& key)
    : group_(group), generators_(std::move(generators)), scales_(std::move(scales)) {
  if (generators_.empty()) throw InputError(fmt::format("{}: at least one generator is needed", key));
  std::vector<int> sorted = generators_;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    throw InputError(fmt::format("{}: generators repeat ({})", key, generators_));
  for (int g : generators_)
    if (g < 0 || g >= group_.dimension())
      throw InputError(fmt::format("{}: generator {} does not exist (this equation has 0 .. {})", key, g,
                                   group_.dimension() - 1));
  if (scales_.size() != generators_.size())
    throw InputError(fmt::format("{}: {} scales for {} generators", key, scales_.size(), generators_.size()));
  for (double s : scales_)
    if (!(s > 0) || !std::isfinite(s)) throw InputError(fmt::format("{}: scales must be finite and > 0", key));
}

std::vector<double> PdeSymmetryGroup::tied_scales(const pde::SymmetryGroup& group, const std::vector<int>& generators) {
  const double sl2 = group.equation() == pde::SymmetricEquation::Heat ? 0.02 : 0.1;
  std::vector<double> scales;
  for (int g : generators) scales.push_back(in_sl2(group.equation(), g) ? sl2 : 1.0);
  return scales;
}

PdeSymmetryGroup PdeSymmetryGroup::tied(const pde::SymmetryGroup& group, std::vector<int> generators,
                                        const std::string& key) {
  auto scales = tied_scales(group, generators);
  return PdeSymmetryGroup(group, std::move(generators), std::move(scales), key);
}

std::vector<int> PdeSymmetryGroup::periodic_generators(pde::SymmetricEquation) { return {0, 1, 2}; }

Element PdeSymmetryGroup::pack(const pde::GroupElement& g) {
  return {g.alpha, g.beta, g.gamma, g.delta, g.lambda0, g.lambda1, g.log_sigma};
}

pde::GroupElement PdeSymmetryGroup::unpack(const Element& e) {
  if (e.size() != 7) throw Error(fmt::format("a PDE group element has 7 numbers, not {}", e.size()));
  pde::GroupElement g;
  g.alpha = e[0];
  g.beta = e[1];
  g.gamma = e[2];
  g.delta = e[3];
  g.lambda0 = e[4];
  g.lambda1 = e[5];
  g.log_sigma = e[6];
  return g;
}

Element PdeSymmetryGroup::identity() const { return pack(pde::GroupElement{}); }

Element PdeSymmetryGroup::exp(std::span<const double> epsilon) const {
  // Along one generator the one-parameter subgroup is known in closed form:
  // exact, and much cheaper than the composed product of the general exp.
  int nonzero = 0, which = 0;
  for (std::size_t i = 0; i < epsilon.size(); ++i)
    if (epsilon[i] != 0) {
      ++nonzero;
      which = static_cast<int>(i);
    }
  if (nonzero == 0) return identity();
  if (nonzero == 1)
    return pack(group_.one_parameter(generators_[static_cast<std::size_t>(which)],
                                     scales_[static_cast<std::size_t>(which)] * epsilon[static_cast<std::size_t>(which)]));
  std::vector<double> full(static_cast<std::size_t>(group_.dimension()), 0.0);
  for (std::size_t i = 0; i < generators_.size(); ++i)
    full[static_cast<std::size_t>(generators_[i])] = scales_[i] * epsilon[i];
  return pack(group_.exp(full));
}

Element PdeSymmetryGroup::compose(const Element& a, const Element& b) const {
  return pack(group_.compose(unpack(a), unpack(b)));
}

Element PdeSymmetryGroup::inverse(const Element& g) const { return pack(group_.inverse(unpack(g))); }

}  // namespace structura::canonicalisation
