// Energies for canonicalising PDE data: low on inputs that look like a
// model's training data, as functions of a group element h (the energy of
// h . data). Use them with FiniteDifferenceEnergy (lie_algebra_descent.hpp).
//
// DomainMismatchEnergy is TIED's LieLACL2Target (the public re-implementation
// of LieLAC's PDE experiments, ../shared/science/lielac-reference.md §1b):
// the initial-condition points (x_i, 0, u0_i) and the query points
// (x_i, t_q) are mapped by h, and each side of the bounding box of the
// result is compared with the training domain,
//   E = (min x^ - x_lo)^2 + (max x^ - x_hi)^2 + (min t^0 - t_lo)^2 + (max t^0 - t_lo)^2
//     + (min u^ - u_lo)^2 + (max u^ - u_hi)^2 + (the queries' x and t sides),
// each term only for the ranges the caller sets.
//
// GrfTypicalityEnergy is a data-likelihood energy under the training
// distribution of the Gaussian random field (pde/random_field.hpp), for
// periodic inputs in the frame of h (pde_frame.hpp). The field's whitened
// coefficients z_k = c_k / s_k of modes 1..M are N(0, 1) and its mean is 0;
// the negative log-likelihood itself is lowest at u = 0, not on typical
// samples, so the energy asks for a typical norm instead:
//   E = 1/2 log(|z|^2 / 2M)^2 + 1/2 (mean / s_1)^2,
// |z|^2 / 2M concentrating at 1 with spread 1/sqrt(M) for a sample of the
// field. An element outside the frame (pde_frame.hpp) throws NumericalError,
// which FiniteDifferenceEnergy counts as +infinity.
// The framed action is diagonal on Fourier coefficients: a translation
// multiplies c_k by a phase (|c_k| unchanged), the amplitude scales them by
// e^s, the Burgers boost adds lambda1 to the mean. So the input's mean and
// |z|^2 are computed once, and each element's energy in closed form from
// them: the same value as of_field(to_frame(k, u0)) (to rounding), in O(1)
// instead of a resampling and a transform per candidate.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "canonicalisation/lie_algebra_descent.hpp"
#include "canonicalisation/pde_groups.hpp"
#include "pde/random_field.hpp"
#include "pde/symmetries.hpp"

namespace structura::canonicalisation {

struct Interval {
  double lo = 0, hi = 0;
};

struct TrainingDomain {
  std::optional<Interval> x;  // the spatial range of the training data
  std::optional<double> t0;   // the initial time
  std::optional<Interval> t;  // the query times' range
  std::optional<Interval> u;  // the range of the initial values
};

class DomainMismatchEnergy {
public:
  // x: the sensor points, u0: the initial values there; query_times: the
  // times the model predicts at (on the same x).
  DomainMismatchEnergy(const pde::SymmetryGroup& group, std::vector<double> x, std::vector<double> u0,
                       std::vector<double> query_times, TrainingDomain domain);
  double operator()(const Element& h) const;

private:
  pde::SymmetryGroup group_;
  std::vector<double> x_, u0_, query_times_;
  TrainingDomain domain_;
};

class GrfTypicalityEnergy {
public:
  // u0: the input on the periodic grid x_i = i L / N; modes: M (>= 1, at
  // most N/2 - 1), InputError naming `key` otherwise.
  GrfTypicalityEnergy(const pde::SymmetryGroup& group, std::vector<double> u0, const pde::PeriodicGrfOptions& field,
                      int modes = 8, const std::string& key = "canonicalisation.modes");
  double operator()(const Element& h) const;
  // The energy of a field itself (h = identity: of u0).
  double of_field(std::span<const double> u) const;
  // The energy of a field with mean `mean` and |z|^2 `norm`, and its
  // derivatives in them; the input's own moments.
  double energy(double mean, double norm) const;
  void energy_derivatives(double mean, double norm, double& d_mean, double& d_norm) const;
  double mean0() const { return mean0_; }
  double mode_one_scale() const { return s1_; }
  int modes() const { return modes_; }
  double norm0() const { return norm0_; }

private:
  pde::SymmetryGroup group_;
  std::vector<double> u0_;
  pde::PeriodicGrfOptions field_;
  int modes_;
  std::vector<double> cos_, sin_;  // of 2 pi m / N
  double mean0_ = 0, norm0_ = 0;   // of u0: its mean and |z|^2
  double s1_ = 1;                  // the scale of mode 1
  void moments(std::span<const double> u, double& mean, double& norm) const;
};

// The typicality energy as a ChartEnergy in closed form, energy and
// gradient, for the abelian frame subgroups: translations d_x (0) with the
// Burgers boost or the heat amplitude (2). There exp is additive
// (lambda0 = scale_0 eps_0, lambda1 or log sigma = scale_2 eps_2) and so is
// composition with a base of the subgroup, and the energy is a function of
// the mean and |z|^2 alone (GrfTypicalityEnergy): O(1) per candidate, no
// resampling, exact derivatives. The same values as FiniteDifferenceEnergy
// over GrfTypicalityEnergy, to rounding (the test compares them).
class TypicalityChartEnergy final : public ChartEnergy {
public:
  // group's generators must be a subset of {0, 2}: InputError naming `key`.
  TypicalityChartEnergy(const PdeSymmetryGroup& group, const GrfTypicalityEnergy& energy,
                        const std::string& key = "canonicalisation.generators");
  EnergyBatch evaluate(const Element& base, std::span<const double> epsilon, int rows) const override;
  // Whether the closed form covers these generators.
  static bool covers(const std::vector<int>& generators);

private:
  const GrfTypicalityEnergy& energy_;
  bool heat_;
  int moment_coordinate_ = -1;  // which epsilon moves the mean (Burgers) or the amplitude (heat); -1: none
  double moment_scale_ = 0;
};

}  // namespace structura::canonicalisation
