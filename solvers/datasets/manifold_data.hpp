// One entry point to the synthetic manifold sets of the pullback-geometry
// paper: a set named in an experiment file, its settings, and rows by index.
//   banana, squeezed-banana, river   2-D, ground-truth phi (planar_sets.hpp)
//   sinusoid                         Sinusoid(K, N) (sinusoid.hpp)
//   hemisphere                       Hemisphere(K, N) (hemisphere.hpp)
#pragma once

#include <cstdint>
#include <string_view>

#include "datasets/hemisphere.hpp"
#include "datasets/manifold_set.hpp"
#include "datasets/planar_sets.hpp"
#include "datasets/sinusoid.hpp"

namespace structura::datasets {

enum class ManifoldKind { banana, squeezed_banana, river, sinusoid, hemisphere };

// "banana", "squeezed-banana", "river", "sinusoid", "hemisphere"; InputError
// naming data.set (and the names it accepts) otherwise.
ManifoldKind parse_manifold_kind(std::string_view name);
std::string_view manifold_name(ManifoldKind kind);
bool is_planar(ManifoldKind kind);
PlanarKind planar_kind(ManifoldKind kind);  // InputError for sinusoid / hemisphere

// Everything that defines a set; only the part of `kind` is read. For the
// 2-D sets planar.kind follows `kind`.
struct ManifoldSettings {
  ManifoldKind kind = ManifoldKind::banana;
  PlanarSettings planar;
  SinusoidSettings sinusoid;
  HemisphereSettings hemisphere;
};

// The settings of `kind` with intrinsic dimension K and ambient dimension N
// (ignored for the 2-D sets), validated.
ManifoldSettings make_manifold_settings(ManifoldKind kind, int intrinsic_dimension = 0, int ambient_dimension = 0);

void validate(const ManifoldSettings& settings);
int ambient_dimension(const ManifoldSettings& settings);    // 2 for the 2-D sets
int intrinsic_dimension(const ManifoldSettings& settings);  // 1 for the 2-D sets (a2 >> a1)
std::int64_t reference_samples(const ManifoldSettings& settings);

// Rows first .. first + count - 1, [count, ambient_dimension]: row i is a
// pure function of (settings, seed, i), on any rank and in any block.
ManifoldRows generate(const ManifoldSettings& settings, std::uint64_t seed, std::int64_t first, std::int64_t count);

}  // namespace structura::datasets
