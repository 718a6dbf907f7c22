#include "regularisers/toy_curves.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace structura::regularisers {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kSpiralStart = 0.2, kSpiralGrowth = 0.5 / kPi, kSpiralTurns = 3 * kPi;
constexpr std::int64_t kSpiralChords = 20000;
constexpr std::int64_t kChunk = 128;  // points per block of the point-to-chord distances
}  // namespace

std::vector<std::string> toy_curve_names() { return {"circle", "spiral"}; }

ToyCurve parse_toy_curve(const std::string& name, const std::string& key) {
  if (name == "circle") return ToyCurve::Circle;
  if (name == "spiral") return ToyCurve::Spiral;
  throw InputError(fmt::format("{} = \"{}\": unknown curve (one of {})", key, name, fmt::join(toy_curve_names(), ", ")));
}

torch::Tensor curve_points(ToyCurve curve, const torch::Tensor& u) {
  const torch::Tensor s = u.to(torch::kFloat64);
  torch::Tensor angle, radius;
  if (curve == ToyCurve::Circle) {
    angle = 2 * kPi * s;
    radius = torch::ones_like(s);
  } else {
    angle = kSpiralTurns * s;
    radius = kSpiralStart + kSpiralGrowth * angle;
  }
  return torch::stack({radius * torch::cos(angle), radius * torch::sin(angle)}, 1);
}

ToySamples toy_samples(ToyCurve curve, std::uint64_t seed, std::uint64_t stream, std::uint64_t first,
                       std::int64_t count, double noise) {
  require(count >= 0 && noise >= 0, fmt::format("toy_samples: count {} and noise {} must be >= 0", count, noise));
  const CounterRng rng(seed, stream);
  std::vector<double> u(static_cast<std::size_t>(count)), z(static_cast<std::size_t>(2 * count));
  for (std::int64_t i = 0; i < count; ++i) {
    const Uniform4 r = rng.uniform4(first + static_cast<std::uint64_t>(i), 0);
    u[static_cast<std::size_t>(i)] = r.u[0];
    box_muller(r.u[1], r.u[2], z[static_cast<std::size_t>(2 * i)], z[static_cast<std::size_t>(2 * i + 1)]);
  }
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  const torch::Tensor truth = curve_points(curve, torch::from_blob(u.data(), {count}, f64));
  const torch::Tensor normal = torch::from_blob(z.data(), {count, 2}, f64).clone();
  return {truth, truth + noise * normal};
}

torch::Tensor distance_to_curve(ToyCurve curve, const torch::Tensor& points) {
  require(points.dim() == 2 && points.size(1) == 2, "distance_to_curve: expected points (N, 2)");
  const torch::Tensor p = points.to(torch::kFloat64);
  if (curve == ToyCurve::Circle) return (p.norm(2, 1) - 1).abs();
  // Chords a_j -> b_j of the polyline; distance to a chord through the
  // clamped projection parameter.
  const torch::Tensor nodes = curve_points(curve, torch::linspace(0, 1, kSpiralChords + 1, torch::kFloat64));
  const torch::Tensor a = nodes.narrow(0, 0, kSpiralChords), ab = nodes.narrow(0, 1, kSpiralChords) - a;
  const torch::Tensor ab2 = ab.square().sum(1);
  std::vector<torch::Tensor> parts;
  for (std::int64_t begin = 0; begin < p.size(0); begin += kChunk) {
    const torch::Tensor q = p.narrow(0, begin, std::min(kChunk, p.size(0) - begin));
    const torch::Tensor ap = q.unsqueeze(1) - a.unsqueeze(0);  // (Q, S, 2)
    const torch::Tensor t = ((ap * ab.unsqueeze(0)).sum(2) / ab2).clamp(0, 1);
    const torch::Tensor off = ap - t.unsqueeze(2) * ab.unsqueeze(0);
    parts.push_back(std::get<0>(off.square().sum(2).min(1)).sqrt());
  }
  return parts.empty() ? torch::zeros({0}, torch::kFloat64) : torch::cat(parts);
}

DistanceMatch match_distance(const torch::Tensor& values, const torch::Tensor& distances, const torch::Tensor& mask) {
  torch::Tensor v = values.to(torch::kFloat64).reshape({-1}), d = distances.to(torch::kFloat64).reshape({-1});
  require(v.numel() == d.numel(), fmt::format("match_distance: {} values for {} distances", v.numel(), d.numel()));
  if (mask.defined()) {
    const torch::Tensor m = mask.reshape({-1}).to(torch::kBool);
    v = v.masked_select(m);
    d = d.masked_select(m);
  }
  require(v.numel() >= 2, "match_distance: fewer than two points to compare");
  const torch::Tensor vc = v - v.mean(), dc = d - d.mean();
  DistanceMatch out;
  out.points = v.numel();
  out.error = ((vc - dc).norm() / dc.norm()).item<double>();
  out.correlation = ((vc * dc).sum() / (vc.norm() * dc.norm())).item<double>();
  return out;
}

}  // namespace structura::regularisers
