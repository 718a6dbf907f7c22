// The 2-D sets of the pullback-geometry paper, each the image of an
// anisotropic Gaussian under a known shear: density p(x) = N(phi(x); 0,
// diag a) with phi(x) = (x1 - f(x2), x2), a triangular map of unit Jacobian
// determinant (reference: src/diffeomorphisms/banana.py, river.py):
//   banana           f(x2) = x2^2 / 9,    a = (1/4, 4)
//   squeezed banana  f(x2) = x2^2 / 9,    a = (1/81, 4)
//   river            f(x2) = sin(2 x2),   a = (1/25, 3)
// Sample i is drawn exactly (z ~ N(0, diag a), x = phi^-1(z)) from the
// keyed item i, or, as an option, by the reference's MALA chain i.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "datasets/mala.hpp"
#include "datasets/manifold_set.hpp"

namespace structura::datasets {

using Vec2 = std::array<double, 2>;
using Mat2 = std::array<double, 4>;  // row-major [[m0, m1], [m2, m3]]

enum class PlanarKind { banana, squeezed_banana, river };
enum class PlanarSampler { exact, mala };

// One of the three sets: its shear phi, variances a and density.
class PlanarSet {
public:
  explicit PlanarSet(PlanarKind kind);

  PlanarKind kind() const { return kind_; }
  Vec2 variances() const { return a_; }

  Vec2 phi(Vec2 x) const;          // (x1 - f(x2), x2)
  Vec2 phi_inverse(Vec2 z) const;  // (z1 + f(z2), z2)
  Mat2 jacobian(Vec2 x) const;     // D phi = [[1, -f'(x2)], [0, 1]]
  // log p(x), normalised (|det D phi| = 1): -|A^-1/2 phi(x)|^2 / 2 - log(2 pi sqrt(a1 a2)).
  double log_density(Vec2 x) const;
  Vec2 score(Vec2 x) const;  // grad log p = -D phi^T A^-1 phi(x)

  // f and its first two derivatives at x2 (the shear's profile).
  double shear(double x2) const;
  double shear_derivative(double x2) const;
  double shear_second_derivative(double x2) const;

private:
  PlanarKind kind_;
  Vec2 a_;
  double log_normaliser_;  // log(2 pi sqrt(a1 a2))
};

struct PlanarSettings {
  PlanarKind kind = PlanarKind::banana;
  PlanarSampler sampler = PlanarSampler::exact;
  MalaSettings mala;  // used when sampler == mala
};

// The reference's MALA settings: h = 0.1 and 1000 steps (banana) or 2000
// (squeezed banana, river). See mala.hpp on how far these are from stationarity.
MalaSettings reference_mala(PlanarKind kind);

// The reference's sample counts: 2500 (banana), 5000 (squeezed banana, river).
std::int64_t reference_samples(PlanarKind kind);

// "exact" or "mala"; InputError naming data.sampler otherwise.
PlanarSampler parse_planar_sampler(std::string_view name);

// Rows first .. first + count - 1, [count, 2]; a pure function of (seed, row).
ManifoldRows generate_planar(const PlanarSettings& settings, std::uint64_t seed, std::int64_t first,
                             std::int64_t count);

// MALA rows with the chains' acceptance counts (settings.sampler is ignored).
ManifoldRows generate_planar_mala(const PlanarSettings& settings, std::uint64_t seed, std::int64_t first,
                                  std::int64_t count, MalaCounts* counts = nullptr);

}  // namespace structura::datasets
