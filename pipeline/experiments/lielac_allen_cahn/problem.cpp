#include "experiments/lielac_allen_cahn/problem.hpp"

#include <cmath>
#include <numbers>

#include "core/rng.hpp"

namespace structura::pipeline::lielac_allen_cahn {

pde::AllenCahn2dOptions solve_options(const PdeSettings& p) {
  pde::AllenCahn2dOptions o;
  o.points = p.points;
  o.length = 1.0;
  o.epsilon = p.epsilon;
  o.t_end = p.t_end;
  o.dt = p.dt;
  o.output_times = {0.0, p.t_end};
  o.dt_key = "pde.dt";
  o.petsc = p.petsc;
  return o;
}

pde::AllenCahnSymmetries symmetries() { return pde::AllenCahnSymmetries(1.0); }

Droplet random_droplet(const DataSettings& d, std::uint64_t stream, std::uint64_t index) {
  const CounterRng rng(d.seed, stream);
  const Uniform4 u = rng.uniform4(index, 0), v = rng.uniform4(index, 1);
  const FrontSettings& f = d.front;
  Droplet out;
  out.a = f.semi_major_min + (f.semi_major_max - f.semi_major_min) * u.u[0];
  out.b = f.semi_minor_min + (f.semi_minor_max - f.semi_minor_min) * u.u[1];
  out.angle = f.angle + f.angle_band * (2 * u.u[2] - 1);
  out.cx = 0.5 + f.position_band * (2 * v.u[0] - 1);
  out.cy = 0.5 + f.position_band * (2 * v.u[1] - 1);
  return out;
}

pde::AcGroupElement random_transform(const DataSettings& d, std::uint64_t index) {
  const CounterRng rng(d.seed, kOodTransform);
  const Uniform4 u = rng.uniform4(index, 0);
  pde::AcGroupElement g;
  const double magnitude = d.ood.angle_min + (d.ood.angle_max - d.ood.angle_min) * u.u[0];
  g.theta = u.u[1] < 0.5 ? -magnitude : magnitude;
  g.bx = d.ood.shift * (2 * u.u[2] - 1);
  g.by = d.ood.shift * (2 * u.u[3] - 1);
  return g;
}

Droplet moved(const pde::AcGroupElement& g, const Droplet& droplet) {
  const pde::AcPoint p = symmetries().act(g, {droplet.cx, droplet.cy, 0, 0});
  Droplet out = droplet;
  out.cx = p.x;
  out.cy = p.y;
  out.angle = droplet.angle + g.theta;
  return out;
}

namespace {
// The nearest periodic image's displacement, in [-1/2, 1/2): the field is
// periodic (its tails continuous across the edges), and a quarter turn about
// the centre maps it to the quarter-turned droplet's field exactly.
double wrap(double d) { return d - std::floor(d + 0.5); }
}  // namespace

std::vector<double> droplet_field(const DataSettings& d, const Droplet& drop, std::int64_t n,
                                  std::uint64_t noise_stream, std::uint64_t index) {
  const double scale = std::numbers::sqrt2 * d.pde.epsilon * d.front.width;
  const double co = std::cos(drop.angle), si = std::sin(drop.angle);
  const CounterRng rng(d.seed, noise_stream);
  std::vector<double> u(static_cast<std::size_t>(n * n));
  for (std::int64_t j = 0; j < n; ++j)
    for (std::int64_t i = 0; i < n; ++i) {
      const double x = wrap(double(i) / double(n) - drop.cx), y = wrap(double(j) / double(n) - drop.cy);
      const double p = co * x + si * y, q = -si * x + co * y;
      const double rho2 = (p / drop.a) * (p / drop.a) + (q / drop.b) * (q / drop.b);
      const double grad = std::hypot(p / (drop.a * drop.a), q / (drop.b * drop.b));
      double value = grad > 0 ? -std::tanh((rho2 - 1) / (2 * grad) / scale) : 1.0;
      if (d.front.noise > 0) {
        const auto point = static_cast<std::uint64_t>(j * n + i);
        const Uniform4 r = rng.uniform4(index, point / 4);
        value += d.front.noise * (2 * r.u[point % 4] - 1);
      }
      u[static_cast<std::size_t>(j * n + i)] = value;
    }
  return u;
}

std::vector<double> transform_coordinates(const pde::AcGroupElement& g) { return {g.theta, g.bx, g.by}; }

}  // namespace structura::pipeline::lielac_allen_cahn
