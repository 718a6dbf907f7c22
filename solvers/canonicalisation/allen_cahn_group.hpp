// The 2-D Allen-Cahn symmetry group (pde/allen_cahn_symmetries.hpp:
// rotations about the domain centre, translations in x, y and t) as a group
// for LieLAC's descent: a chosen subset of its 4 generators, each scaled,
// so that the algebra coordinates eps map to exp(sum_i scale_i eps_i v_{g_i}).
// The discrete u -> -u is not in the algebra; elements here have sign +1
// unless composed with AllenCahnSymmetries::negation() by the caller.
//
// Generators (the order of AllenCahnSymmetries): 0 d_x, 1 d_y, 2 d_t,
// 3 the rotation -(y - c_y) d_x + (x - c_x) d_y. A field at t = 0 whose
// model predicts at a fixed time uses 0, 1 and 3 (d_t relabels the time).
#pragma once

#include <string>
#include <vector>

#include "canonicalisation/lie_algebra_descent.hpp"
#include "pde/allen_cahn_symmetries.hpp"

namespace structura::canonicalisation {

class AllenCahnGroup final : public LieGroup {
public:
  // generators: distinct indices 0 .. 3; scales: one per generator, > 0.
  // InputError naming `key` otherwise.
  AllenCahnGroup(const pde::AllenCahnSymmetries& symmetries, std::vector<int> generators, std::vector<double> scales,
                 const std::string& key = "canonicalisation.generators");

  int dimension() const override { return static_cast<int>(generators_.size()); }
  Element identity() const override;
  Element exp(std::span<const double> epsilon) const override;
  Element compose(const Element& a, const Element& b) const override;
  Element inverse(const Element& g) const override;

  const pde::AllenCahnSymmetries& symmetries() const { return symmetries_; }
  const std::vector<int>& generators() const { return generators_; }

  // An Element holds (theta, bx, by, tau, sign) of pde::AcGroupElement.
  static Element pack(const pde::AcGroupElement& g);
  static pde::AcGroupElement unpack(const Element& e);

private:
  pde::AllenCahnSymmetries symmetries_;
  std::vector<int> generators_;
  std::vector<double> scales_;
};

}  // namespace structura::canonicalisation
