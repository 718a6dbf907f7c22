// LieLAC: canonicalisation by minimising an energy over a Lie group through
// its Lie algebra (Shumaylov et al., ICLR 2025; ../shared/science/pde-lielac.md).
//
// Given an input u and an energy E that is low on inputs that look like a
// model's training data, find the canonicalising element
//   h* = argmin_h E(h . u)
// The canonical input is h* . u; an equivariant prediction is mapped back
// with (h*)^-1. Only the algebra's generators v_1..v_k are needed: elements
// are reached as exp(sum_i eps_i v_i) (the group's own exp, scales included)
// composed with a base element.
//
// Two algorithms (the paper's global retraction and coordinate descent):
//   GlobalRetraction   h = exp(eps); Adam on eps from many restarts, the
//                      lowest energy seen over all steps and restarts wins.
//   CoordinateDescent  for non-compact groups: sweeps over the generators,
//                      h <- exp(eps_i v_i) . h with a 1-D Adam search on eps_i
//                      around the current element (re-centred after each
//                      coordinate), from the same restarts.
// Restart 0 starts at eps = 0 (the identity), so an input that is already
// canonical keeps (nearly) the identity and the result is never worse than
// doing nothing; restarts r >= 1 start at init_scale * N(0, I) drawn by the
// counter-based generator keyed by (seed, input_index, r), so a restart's
// path does not depend on the number of ranks. The restarts are split over
// the ranks of a communicator and the lowest energy wins (ties: the lowest
// restart index), the same on every rank.
//
// This library knows nothing of libtorch, PDEs or images: a group and an
// energy come in through the two interfaces below (PDE groups wrap
// pde::SymmetryGroup; image groups and a classifier's energy are libtorch
// code elsewhere that implements ChartEnergy with autograd).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/mpi.hpp"

namespace structura::canonicalisation {

// A group element in the group's own parametrisation (a 3 x 3 matrix row
// by row, the heat group's (alpha, beta, gamma, delta, lambda0, lambda1,
// log sigma), ...).
using Element = std::vector<double>;

class LieGroup {
public:
  virtual ~LieGroup() = default;
  virtual int dimension() const = 0;  // k, the number of algebra coordinates
  virtual Element identity() const = 0;
  // exp(sum_i epsilon_i v_i); epsilon has dimension() entries. Scales of
  // the basis (e.g. TIED's 0.084 / 0.421 for the affine group) are inside.
  virtual Element exp(std::span<const double> epsilon) const = 0;
  virtual Element compose(const Element& a, const Element& b) const = 0;  // a after b
  virtual Element inverse(const Element& g) const = 0;
};

// Energies of a batch of candidates h_r = exp(eps_r) . base and their
// gradients in eps_r. A candidate the energy cannot evaluate (an element
// outside the group's chart, a warp off the frame, a non-finite value)
// gets energy +infinity; it is then dropped by the descent, never chosen.
struct EnergyBatch {
  std::vector<double> energy;    // rows
  std::vector<double> gradient;  // rows x k, row-major: dE/d eps
};

class ChartEnergy {
public:
  virtual ~ChartEnergy() = default;
  // epsilon: rows x k, row-major.
  virtual EnergyBatch evaluate(const Element& base, std::span<const double> epsilon, int rows) const = 0;
};

// A ChartEnergy from an energy of one group element (e.g. the PDE
// domain/range mismatch of h . u), its gradient by central differences of
// step `step` in each coordinate (2k + 1 evaluations per candidate).
class FiniteDifferenceEnergy final : public ChartEnergy {
public:
  FiniteDifferenceEnergy(const LieGroup& group, std::function<double(const Element&)> energy_of_element,
                         double step = 1e-6);
  EnergyBatch evaluate(const Element& base, std::span<const double> epsilon, int rows) const override;

private:
  const LieGroup& group_;
  std::function<double(const Element&)> energy_of_element_;
  double step_;
};

enum class DescentMethod { GlobalRetraction, CoordinateDescent };

struct DescentOptions {
  DescentMethod method = DescentMethod::GlobalRetraction;
  int restarts = 64;           // TIED's hypotheses
  int steps = 100;             // Adam steps per restart (per coordinate for CoordinateDescent)
  int sweeps = 3;              // CoordinateDescent: passes over the generators
  double learning_rate = 0.01;
  double init_scale = 0.3;
  std::uint64_t seed = 0;
  std::uint64_t input_index = 0;  // keys the restarts of this input
  int batch = 64;                 // candidates per ChartEnergy::evaluate call on one rank

  void validate() const;  // InputError naming the field
};

struct Canonicalisation {
  Element element;                // h*
  std::vector<double> epsilon;    // its coordinates (GlobalRetraction: h* = exp(epsilon))
  double energy = 0;              // E(h* . u)
  double identity_energy = 0;     // E(u)
  int restart = 0;                // the restart that found it
  std::int64_t evaluations = 0;   // energy evaluations on all ranks
};

// Collective on comm; the same result on every rank. NumericalError when no
// candidate (the identity included) has a finite energy.
Canonicalisation canonicalise(const LieGroup& group, const ChartEnergy& energy, const DescentOptions& options,
                              const mpi::Comm& comm);

}  // namespace structura::canonicalisation
