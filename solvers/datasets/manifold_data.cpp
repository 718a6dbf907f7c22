#include "datasets/manifold_data.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace structura::datasets {

namespace {

struct Named {
  std::string_view name;
  ManifoldKind kind;
};

constexpr Named names[] = {{"banana", ManifoldKind::banana},
                           {"squeezed-banana", ManifoldKind::squeezed_banana},
                           {"river", ManifoldKind::river},
                           {"sinusoid", ManifoldKind::sinusoid},
                           {"hemisphere", ManifoldKind::hemisphere}};

}  // namespace

ManifoldKind parse_manifold_kind(std::string_view name) {
  for (const auto& n : names)
    if (n.name == name) return n.kind;
  throw InputError(fmt::format(
      "data.set: unknown data set '{}' (expected banana, squeezed-banana, river, sinusoid or hemisphere)", name));
}

std::string_view manifold_name(ManifoldKind kind) {
  for (const auto& n : names)
    if (n.kind == kind) return n.name;
  return "unknown";
}

bool is_planar(ManifoldKind kind) {
  return kind == ManifoldKind::banana || kind == ManifoldKind::squeezed_banana || kind == ManifoldKind::river;
}

PlanarKind planar_kind(ManifoldKind kind) {
  switch (kind) {
    case ManifoldKind::banana: return PlanarKind::banana;
    case ManifoldKind::squeezed_banana: return PlanarKind::squeezed_banana;
    case ManifoldKind::river: return PlanarKind::river;
    default: break;
  }
  throw InputError(fmt::format("data.set: '{}' is not a 2-D set with a known phi", manifold_name(kind)));
}

ManifoldSettings make_manifold_settings(ManifoldKind kind, int k, int n) {
  ManifoldSettings s;
  s.kind = kind;
  if (is_planar(kind)) {
    s.planar.kind = planar_kind(kind);
    s.planar.mala = reference_mala(s.planar.kind);
  } else if (kind == ManifoldKind::sinusoid) {
    s.sinusoid.intrinsic_dimension = k;
    s.sinusoid.ambient_dimension = n;
  } else {
    s.hemisphere.intrinsic_dimension = k;
    s.hemisphere.ambient_dimension = n;
  }
  validate(s);
  return s;
}

void validate(const ManifoldSettings& s) {
  if (is_planar(s.kind)) {
    require(s.planar.kind == planar_kind(s.kind),
            fmt::format("data.set: settings for '{}' carry a different 2-D set", manifold_name(s.kind)));
    if (s.planar.sampler == PlanarSampler::mala) validate(s.planar.mala);
  } else if (s.kind == ManifoldKind::sinusoid) {
    validate(s.sinusoid);
  } else {
    validate(s.hemisphere);
  }
}

int ambient_dimension(const ManifoldSettings& s) {
  if (is_planar(s.kind)) return 2;
  return s.kind == ManifoldKind::sinusoid ? s.sinusoid.ambient_dimension : s.hemisphere.ambient_dimension;
}

int intrinsic_dimension(const ManifoldSettings& s) {
  if (is_planar(s.kind)) return 1;
  return s.kind == ManifoldKind::sinusoid ? s.sinusoid.intrinsic_dimension : s.hemisphere.intrinsic_dimension;
}

std::int64_t reference_samples(const ManifoldSettings& s) {
  if (is_planar(s.kind)) return reference_samples(planar_kind(s.kind));
  return s.kind == ManifoldKind::sinusoid ? reference_samples(s.sinusoid) : reference_samples(s.hemisphere);
}

ManifoldRows generate(const ManifoldSettings& s, std::uint64_t seed, std::int64_t first, std::int64_t count) {
  validate(s);
  if (is_planar(s.kind)) return generate_planar(s.planar, seed, first, count);
  if (s.kind == ManifoldKind::sinusoid) return generate_sinusoid(s.sinusoid, seed, first, count);
  return generate_hemisphere(s.hemisphere, seed, first, count);
}

}  // namespace structura::datasets
