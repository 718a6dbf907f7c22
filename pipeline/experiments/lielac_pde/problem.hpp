// The numerical problem of a `lielac.pde` run, made from its settings: the
// PETSc solve, the initial conditions' field, the symmetry group and the
// random transforms that move inputs out of the training distribution.
// Shared by the data, train (augmentation) and canonicalise stages; no
// libtorch here.
#pragma once

#include <cstdint>
#include <vector>

#include "experiments/lielac_pde/settings.hpp"
#include "pde/periodic_1d.hpp"
#include "pde/random_field.hpp"
#include "pde/symmetries.hpp"

namespace structura::pipeline::lielac_pde {

// Snapshots at t = 0 and t = pde.t_end, errors naming pde.dt / pde.petsc_options.
pde::Periodic1dOptions solve_options(const PdeSettings& p);
pde::PeriodicGrfOptions field_options(const PdeSettings& p);
pde::SymmetryGroup symmetry_group(const PdeSettings& p);

// The framed element g of sample `index` in `stream` (kOodTransform, ...):
// a translation U(-shift, shift); Burgers: a boost sign * U(boost_min,
// boost_max); heat: an amplitude log-uniform in [amplitude_min,
// amplitude_max]. A pure function of (experiment.seed, stream, index).
// For augmentation (`augment`), the ranges start at the identity: boosts
// U(-boost_max, boost_max), amplitudes log-uniform in [1, amplitude_max]
// (and their inverses), so the augmented data cover the training
// distribution as well as the shifted one (LPSDA's U(-max, max)).
pde::GroupElement random_transform(const DataSettings& d, std::uint64_t stream, std::uint64_t index,
                                   bool augment = false);

// The transform's (lambda0, lambda1, log sigma): what the files store.
std::vector<double> transform_coordinates(const pde::GroupElement& g);

}  // namespace structura::pipeline::lielac_pde
