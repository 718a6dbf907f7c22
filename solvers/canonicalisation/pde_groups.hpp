// The heat and Burgers symmetry groups (pde/symmetries.hpp) as groups for
// LieLAC's descent: a chosen subset of the generators, each scaled, so the
// algebra coordinates eps map to exp(sum_i scale_i eps_i v_{g_i}).
//
// The scales are TIED's (src/groups.py, ../shared/science/lielac-reference.md
// §1c): the sl(2) part (d_t, scaling, projective) by 0.02 for heat and 0.1
// for Burgers, the rest by 1, so that a unit step in eps is a comparable
// change of the data along every generator.
//
// Which generators: an experiment canonicalises over a subgroup that keeps
// its data meaningful. A periodic initial condition at t = 0 whose model
// predicts at a fixed time can use only the generators that keep the period
// and the time scale (pde_frame.hpp): heat d_x, d_t, u d_u; Burgers d_x,
// d_t and the Galilean boost t d_x + d_u (periodic_generators()).
#pragma once

#include <vector>

#include "canonicalisation/lie_algebra_descent.hpp"
#include "pde/symmetries.hpp"

namespace structura::canonicalisation {

class PdeSymmetryGroup final : public LieGroup {
public:
  // generators: distinct indices into the equation's generators
  // (0 .. group.dimension() - 1); scales: one per generator, > 0. InputError
  // naming `key` (e.g. "canonicalisation.generators") otherwise.
  PdeSymmetryGroup(const pde::SymmetryGroup& group, std::vector<int> generators, std::vector<double> scales,
                   const std::string& key = "canonicalisation.generators");
  // TIED's scales for the chosen generators.
  static PdeSymmetryGroup tied(const pde::SymmetryGroup& group, std::vector<int> generators,
                               const std::string& key = "canonicalisation.generators");
  static std::vector<double> tied_scales(const pde::SymmetryGroup& group, const std::vector<int>& generators);
  // The generators that keep a periodic domain and the time scale.
  static std::vector<int> periodic_generators(pde::SymmetricEquation equation);

  int dimension() const override { return static_cast<int>(generators_.size()); }
  Element identity() const override;
  Element exp(std::span<const double> epsilon) const override;
  Element compose(const Element& a, const Element& b) const override;
  Element inverse(const Element& g) const override;

  const pde::SymmetryGroup& pde_group() const { return group_; }
  const std::vector<int>& generators() const { return generators_; }

  // An Element holds the 7 numbers of pde::GroupElement in declaration order.
  static Element pack(const pde::GroupElement& g);
  static pde::GroupElement unpack(const Element& e);

private:
  pde::SymmetryGroup group_;
  std::vector<int> generators_;
  std::vector<double> scales_;
};

}  // namespace structura::canonicalisation
