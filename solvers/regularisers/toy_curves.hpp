// Data on a curve in the plane and its distance function: the 2-D toy of
// the AWCR paper (Shumaylov et al., arXiv 2402.01052, figure 1), where an
// adversarial regulariser trained to tell points of the curve from noisy
// copies should come out as (a multiple of) the distance to the curve.
//
// Curves (inside the box [-2, 2]^2):
//   circle  radius 1; the distance | |x| - 1 | is exact
//   spiral  Archimedean r = 0.2 + 0.5 theta / pi, theta in [0, 3 pi]
//           (1.5 turns, arms 1 apart); the distance is the one to a
//           polyline of 20 000 chords, whose error is below 1e-6 here
//           (chord sagitta <= r_max (dtheta)^2 / 8).
// A sample is a pure function of (seed, stream, index): the curve parameter
// uniform in [0, 1], and noisy = truth + noise * N(0, I). No data set to store.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace structura::regularisers {

enum class ToyCurve { Circle, Spiral };

// InputError naming `key` for another name.
ToyCurve parse_toy_curve(const std::string& name, const std::string& key);
std::vector<std::string> toy_curve_names();

// Points of the curve at parameters u in [0, 1]: (N) -> (N, 2), float64.
torch::Tensor curve_points(ToyCurve curve, const torch::Tensor& u);

struct ToySamples {
  torch::Tensor truth, noisy;  // (count, 2) float64
};
// Samples first .. first + count - 1 of the set (seed, stream).
ToySamples toy_samples(ToyCurve curve, std::uint64_t seed, std::uint64_t stream, std::uint64_t first,
                       std::int64_t count, double noise);

// Euclidean distance of points (N, 2) to the curve: (N), float64.
torch::Tensor distance_to_curve(ToyCurve curve, const torch::Tensor& points);

// How well values v match the distances d up to an additive constant (a
// critic is defined up to one; the gradient penalty fixes the slope near 1):
//   error       |(v - mean v) - (d - mean d)| / |d - mean d|   (0: a perfect match)
//   correlation Pearson's correlation of v and d
// over the entries where `mask` is true (all when undefined).
struct DistanceMatch {
  double error = 0, correlation = 0;
  std::int64_t points = 0;
};
DistanceMatch match_distance(const torch::Tensor& values, const torch::Tensor& distances,
                             const torch::Tensor& mask = {});

}  // namespace structura::regularisers
