// The numerical problem of a `lielac.allen_cahn` run, made from its
// settings: the PETSc solve, the droplet initial conditions, the symmetry
// group and the random rotations and translations that move inputs out of
// the training distribution. Shared by the data and canonicalise stages; no
// libtorch here.
#pragma once

#include <cstdint>
#include <vector>

#include "experiments/lielac_allen_cahn/settings.hpp"
#include "pde/allen_cahn_2d.hpp"
#include "pde/allen_cahn_symmetries.hpp"

namespace structura::pipeline::lielac_allen_cahn {

// Snapshots at t = 0 and t = pde.t_end on the pde.points^2 grid; errors
// naming pde.dt / pde.petsc_options.
pde::AllenCahn2dOptions solve_options(const PdeSettings& p);
pde::AllenCahnSymmetries symmetries();  // on the unit square

// One droplet: semi-axes (a, b), the major axis at `angle` (radians), the
// centre (cx, cy).
struct Droplet {
  double a = 0, b = 0, angle = 0, cx = 0.5, cy = 0.5;
};

// The training distribution's droplet of sample `index` in `stream`
// (kTrainFronts, kTestFronts): a pure function of (experiment.seed, stream, index).
Droplet random_droplet(const DataSettings& d, std::uint64_t stream, std::uint64_t index);
// The OOD element of sample `index`: a rotation about the centre by
// sign * U(angle_min, angle_max), then a translation U(-shift, shift)^2.
pde::AcGroupElement random_transform(const DataSettings& d, std::uint64_t index);
// g . droplet in closed form: the centre moved by g, the axis turned by theta.
Droplet moved(const pde::AcGroupElement& g, const Droplet& droplet);

// u0 = -tanh(dist / (sqrt2 eps width)) + U(-noise, noise) on the n x n
// grid x_i = i / n (row-major u[j n + i]), displacements from the centre to
// the nearest periodic image (the field is periodic), dist = (rho^2 - 1) / (2 |grad
// rho^2 / 2|) (rho^2 = (p/a)^2 + (q/b)^2 in the droplet's axes: first-order
// signed distance, positive outside, smooth but at the centre, where u0 = 1);
// the noise keyed by (experiment.seed, noise_stream, index, grid point).
std::vector<double> droplet_field(const DataSettings& d, const Droplet& droplet, std::int64_t n,
                                  std::uint64_t noise_stream, std::uint64_t index);

// (theta, bx, by) of an element: what the files store.
std::vector<double> transform_coordinates(const pde::AcGroupElement& g);

}  // namespace structura::pipeline::lielac_allen_cahn
