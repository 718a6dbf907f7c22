#include "pde/random_field.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace structura::pde {

namespace {

// The generator's stream for these fields: independent of the other users
// of the same seed (phantoms, noise, minibatches).
constexpr std::uint64_t kGrfStream = 0x9e3779b97f4a7c15ull;

}  // namespace

void PeriodicGrfOptions::validate() const {
  auto positive = [](const char* key, double v) {
    if (!(std::isfinite(v) && v > 0)) throw InputError(fmt::format("{}: {} must be finite and > 0", key, v));
  };
  positive("sigma", sigma);
  positive("tau", tau);
  positive("gamma", gamma);
  positive("length", length);
  if (modes < 0) throw InputError(fmt::format("modes: {} must be >= 0 (0: every mode the grid resolves)", modes));
}

double grf_mode_scale(const PeriodicGrfOptions& o, std::int64_t k) {
  const double q = 2 * std::numbers::pi * double(k) / o.length;
  return o.sigma * std::pow(q * q + o.tau * o.tau, -o.gamma / 2);
}

std::vector<double> periodic_grf(const PeriodicGrfOptions& o, std::int64_t points, std::uint64_t seed,
                                 std::uint64_t index) {
  o.validate();
  if (points < 2) throw InputError(fmt::format("points: {} grid points; at least 2 are needed", points));
  const std::int64_t modes = o.modes > 0 ? o.modes : points / 2;
  const CounterRng rng(seed, kGrfStream);
  std::vector<double> u(static_cast<std::size_t>(points), 0.0);
  for (std::int64_t k = 1; k <= modes; ++k) {
    const Uniform4 r = rng.uniform4(index, static_cast<std::uint64_t>(k));
    double a = 0, b = 0;
    box_muller(r.u[0], r.u[1], a, b);
    const double s = std::numbers::sqrt2 * grf_mode_scale(o, k);
    for (std::int64_t i = 0; i < points; ++i) {
      const double phase = 2 * std::numbers::pi * double(k * i % points) / double(points);
      u[static_cast<std::size_t>(i)] += s * (a * std::cos(phase) + b * std::sin(phase));
    }
  }
  return u;
}

}  // namespace structura::pde
