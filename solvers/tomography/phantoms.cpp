#include "tomography/phantoms.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace structura::tomography {

namespace {

constexpr double kPi = std::numbers::pi;
// Philox stream tag of the random-ellipse set, so the same user seed used
// for noise (noise.cpp has its own tags) gives independent numbers.
constexpr std::uint64_t kEllipseStream = 0x656c6c6970736573ull;  // "ellipses"

void check_image(const ImageGeometry& image, int supersample) {
  require(image.nx > 0 && image.ny > 0, "image: nx and ny must be positive");
  require(image.width > 0 && image.height > 0, "image: width and height must be positive");
  require(supersample >= 1, "supersample: must be >= 1, got " + std::to_string(supersample));
}

bool inside(const Ellipse& e, double x, double y) {
  const double c = std::cos(e.phi), s = std::sin(e.phi);
  const double dx = x - e.x0, dy = y - e.y0;
  const double u = (dx * c + dy * s) / e.a, v = (-dx * s + dy * c) / e.b;
  return u * u + v * v <= 1.0;
}

}  // namespace

std::vector<Ellipse> modified_shepp_logan_ellipses() {
  constexpr double deg = kPi / 180.0;
  // Toft, "The Radon Transform: Theory and Implementation" (1996), table 3.1.
  return {{1.0, 0.69, 0.92, 0.0, 0.0, 0.0},
          {-0.8, 0.6624, 0.8740, 0.0, -0.0184, 0.0},
          {-0.2, 0.1100, 0.3100, 0.22, 0.0, -18 * deg},
          {-0.2, 0.1600, 0.4100, -0.22, 0.0, 18 * deg},
          {0.1, 0.2100, 0.2500, 0.0, 0.35, 0.0},
          {0.1, 0.0460, 0.0460, 0.0, 0.1, 0.0},
          {0.1, 0.0460, 0.0460, 0.0, -0.1, 0.0},
          {0.1, 0.0460, 0.0230, -0.08, -0.605, 0.0},
          {0.1, 0.0230, 0.0230, 0.0, -0.606, 0.0},
          {0.1, 0.0230, 0.0460, 0.06, -0.605, 0.0}};
}

double ellipses_value(const std::vector<Ellipse>& ellipses, double x, double y) {
  double v = 0.0;
  for (const auto& e : ellipses)
    if (inside(e, x, y)) v += e.intensity;
  return v;
}

namespace {
// Rasterises into out[0 .. pixels); `clip` clamps each sample point to [0, 1]
// before averaging (the random phantoms' range).
void rasterise_into(const std::vector<Ellipse>& ellipses, const ImageGeometry& image, int ss, bool clip, double* out) {
  // Pixel sizes in unit-square coordinates.
  const double px = 2.0 / image.nx, py = 2.0 / image.ny;
  const double inv = 1.0 / (static_cast<double>(ss) * ss);
  for (int r = 0; r < image.ny; ++r) {
    for (int c = 0; c < image.nx; ++c) {
      double sum = 0.0;
      for (int i = 0; i < ss; ++i) {
        const double y = 1.0 - (r + (i + 0.5) / ss) * py;  // row 0 at the top
        for (int j = 0; j < ss; ++j) {
          const double x = -1.0 + (c + (j + 0.5) / ss) * px;
          double v = ellipses_value(ellipses, x, y);
          if (clip) v = std::clamp(v, 0.0, 1.0);
          sum += v;
        }
      }
      out[static_cast<long>(r) * image.nx + c] = sum * inv;
    }
  }
}
}  // namespace

std::vector<double> rasterise(const std::vector<Ellipse>& ellipses, const ImageGeometry& image, int supersample) {
  check_image(image, supersample);
  std::vector<double> out(image.pixels());
  rasterise_into(ellipses, image, supersample, false, out.data());
  return out;
}

std::vector<double> shepp_logan(const ImageGeometry& image, int supersample) {
  return rasterise(modified_shepp_logan_ellipses(), image, supersample);
}

std::vector<Ellipse> random_ellipses(std::uint64_t seed, std::uint64_t index) {
  const CounterRng rng(seed, kEllipseStream);
  // Draw 0 gives the count; draw 1 + 2k and 2 + 2k (8 uniforms) ellipse k.
  const int count = 5 + static_cast<int>(rng.uniform4(index, 0).u[0] * 11.0);  // 5 .. 15
  std::vector<Ellipse> ellipses;
  ellipses.reserve(count);
  for (int k = 0; k < count; ++k) {
    const auto p = rng.uniform4(index, 1 + 2 * static_cast<std::uint64_t>(k));
    const auto q = rng.uniform4(index, 2 + 2 * static_cast<std::uint64_t>(k));
    Ellipse e;
    e.a = 0.05 + 0.35 * p.u[0];
    e.b = 0.05 + 0.35 * p.u[1];
    e.phi = kPi * p.u[2];
    e.intensity = -0.4 + 1.4 * p.u[3];
    // Uniform in a disc: radius sqrt(u) * R.
    const double radius = std::sqrt(q.u[0]) * (0.9 - std::max(e.a, e.b));
    const double angle = 2.0 * kPi * q.u[1];
    e.x0 = radius * std::cos(angle);
    e.y0 = radius * std::sin(angle);
    ellipses.push_back(e);
  }
  return ellipses;
}

std::vector<double> random_ellipse_phantom(const ImageGeometry& image, std::uint64_t seed, std::uint64_t index,
                                           int supersample) {
  return random_ellipse_phantoms(image, seed, index, 1, supersample);
}

std::vector<double> random_ellipse_phantoms(const ImageGeometry& image, std::uint64_t seed, std::uint64_t first,
                                            long count, int supersample) {
  check_image(image, supersample);
  require(count >= 0, "count: must be >= 0");
  std::vector<double> out(static_cast<std::size_t>(count) * image.pixels());
  for (long i = 0; i < count; ++i)
    rasterise_into(random_ellipses(seed, first + i), image, supersample, true, out.data() + i * image.pixels());
  return out;
}

std::vector<double> ellipses_sinogram(const std::vector<Ellipse>& ellipses, const ImageGeometry& image,
                                      const BeamGeometry& beam) {
  check_image(image, 1);
  require(beam.detectors > 0, "beam.detectors: must be positive");
  const bool fan = beam.kind == BeamKind::Fan;
  if (fan) require(beam.source_origin > 0.0, "beam.source_origin: must be positive for fan beam");
  // Each ellipse in physical coordinates as {p : (p - c)^T M (p - c) <= 1}:
  // M = S^-1 R diag(1/a^2, 1/b^2) R^T S^-1 with S = diag(width/2, height/2).
  struct Quadric {
    double m00, m01, m11, cx, cy, intensity;
  };
  std::vector<Quadric> quadrics;
  const double sx = 0.5 * image.width, sy = 0.5 * image.height;
  for (const auto& e : ellipses) {
    const double c = std::cos(e.phi), s = std::sin(e.phi);
    const double ia = 1.0 / (e.a * e.a), ib = 1.0 / (e.b * e.b);
    const double n00 = c * c * ia + s * s * ib, n01 = c * s * (ia - ib), n11 = s * s * ia + c * c * ib;
    quadrics.push_back({n00 / (sx * sx), n01 / (sx * sy), n11 / (sy * sy), e.x0 * sx, e.y0 * sy, e.intensity});
  }
  std::vector<double> sino(beam.size(), 0.0);
  for (std::size_t a = 0; a < beam.angles.size(); ++a) {
    const double ct = std::cos(beam.angles[a]), st = std::sin(beam.angles[a]);
    for (int u = 0; u < beam.detectors; ++u) {
      const double su = (u - 0.5 * (beam.detectors - 1)) * beam.detector_spacing + beam.detector_offset;
      // A point p0 on the ray and its unit direction d.
      double p0x, p0y, dx, dy;
      if (fan) {
        p0x = beam.source_origin * ct;
        p0y = beam.source_origin * st;
        const double qx = -beam.origin_detector * ct - su * st, qy = -beam.origin_detector * st + su * ct;
        const double len = std::hypot(qx - p0x, qy - p0y);
        dx = (qx - p0x) / len;
        dy = (qy - p0y) / len;
      } else {
        p0x = su * ct;
        p0y = su * st;
        dx = -st;
        dy = ct;
      }
      double sum = 0.0;
      for (const auto& q : quadrics) {
        // |t1 - t2| for (w + t d)^T M (w + t d) = 1, w = p0 - c.
        const double wx = p0x - q.cx, wy = p0y - q.cy;
        const double A = q.m00 * dx * dx + 2 * q.m01 * dx * dy + q.m11 * dy * dy;
        const double B = q.m00 * dx * wx + q.m01 * (dx * wy + dy * wx) + q.m11 * dy * wy;
        const double C = q.m00 * wx * wx + 2 * q.m01 * wx * wy + q.m11 * wy * wy - 1.0;
        const double disc = B * B - A * C;
        if (disc > 0.0) sum += q.intensity * 2.0 * std::sqrt(disc) / A;
      }
      sino[a * beam.detectors + u] = sum;
    }
  }
  return sino;
}

}  // namespace structura::tomography
