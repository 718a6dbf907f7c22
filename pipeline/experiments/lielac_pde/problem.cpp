#include "experiments/lielac_pde/problem.hpp"

#include <cmath>

#include "core/rng.hpp"

namespace structura::pipeline::lielac_pde {

pde::Periodic1dOptions solve_options(const PdeSettings& p) {
  pde::Periodic1dOptions o;
  o.equation = p.equation == "heat" ? pde::Equation1d::Heat : pde::Equation1d::Burgers;
  o.points = p.points;
  o.length = 1.0;
  o.nu = p.nu;
  o.order = p.order;
  o.discretisation = p.spectral ? pde::Discretisation1d::Spectral : pde::Discretisation1d::Differences;
  o.t_end = p.t_end;
  o.dt = p.dt;
  o.output_times = {0.0, p.t_end};
  o.dt_key = "pde.dt";
  o.petsc = p.petsc;
  return o;
}

pde::PeriodicGrfOptions field_options(const PdeSettings& p) {
  pde::PeriodicGrfOptions o;
  o.sigma = p.grf_sigma;
  o.tau = p.grf_tau;
  o.gamma = p.grf_gamma;
  o.length = 1.0;
  return o;
}

pde::SymmetryGroup symmetry_group(const PdeSettings& p) {
  return pde::SymmetryGroup(p.equation == "heat" ? pde::SymmetricEquation::Heat : pde::SymmetricEquation::Burgers,
                            p.nu);
}

pde::GroupElement random_transform(const DataSettings& d, std::uint64_t stream, std::uint64_t index, bool augment) {
  const CounterRng rng(d.seed, stream);
  const Uniform4 u = rng.uniform4(index, 0);
  pde::GroupElement g;
  g.lambda0 = d.shift.shift * (2 * u.u[0] - 1);
  if (d.pde.equation == "heat") {
    const double lo = augment ? 0.0 : std::log(d.shift.amplitude_min), hi = std::log(d.shift.amplitude_max);
    g.log_sigma = lo + (hi - lo) * u.u[1];
    if (augment && u.u[2] < 0.5) g.log_sigma = -g.log_sigma;
  } else {
    const double lo = augment ? 0.0 : d.shift.boost_min;
    const double magnitude = lo + (d.shift.boost_max - lo) * u.u[1];
    g.lambda1 = u.u[2] < 0.5 ? -magnitude : magnitude;
  }
  return g;
}

std::vector<double> transform_coordinates(const pde::GroupElement& g) { return {g.lambda0, g.lambda1, g.log_sigma}; }

}  // namespace structura::pipeline::lielac_pde
