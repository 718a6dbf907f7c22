// Boost.Odeint peers: odeint's own symplectic steppers driven by
// integrate_n_steps, the state a std::pair of std::arrays (coordinates,
// momenta), the system the acceleration (velocity_verlet) or the force
// dp/dt = -dV/dq (symplectic_rkn_*, whose dq/dt = p then needs no function).
// Nothing here is structura's: the Henon-Heiles force and energy are written
// out again.
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

#include <boost/numeric/odeint.hpp>
#include <boost/numeric/odeint/stepper/symplectic_rkn_sb3a_m4_mclachlan.hpp>  // not in odeint.hpp

#include "peers.hpp"

namespace structura::bench {

namespace {

namespace ode = boost::numeric::odeint;

// State of C trajectories: [x_0 .. x_{C-1}, y_0 .. y_{C-1}], for coordinates
// and momenta alike. C = 1 is one trajectory.
template <int C>
using Vec = std::array<double, 2 * C>;

// dp/dt = -dV/dq of Henon-Heiles for the C trajectories of q.
template <int C>
struct Force {
  double lambda;
  void operator()(const Vec<C>& q, Vec<C>& f) const {
    for (int j = 0; j < C; ++j) {
      const double x = q[j], y = q[C + j];
      f[j] = -x - 2.0 * lambda * x * y;
      f[C + j] = -y - lambda * (x * x - y * y);
    }
  }
};

// velocity_verlet's system: a(q, v, t).
template <int C>
struct Acceleration {
  Force<C> force;
  void operator()(const Vec<C>& q, const Vec<C>& /*v*/, Vec<C>& a, double /*t*/) const { force(q, a); }
};

double energy(double lambda, double x, double y, double px, double py) {
  return 0.5 * (px * px + py * py) + 0.5 * (x * x + y * y) + lambda * (x * x * y - y * y * y / 3.0);
}

// Calls f(stepper, system) with odeint's stepper of kind `k` on Vec<C>.
template <int C, class F>
void with_stepper(OdeintStepper k, double lambda, F&& f) {
  const Force<C> force{lambda};
  switch (k) {
    case OdeintStepper::VelocityVerlet: f(ode::velocity_verlet<Vec<C>>(), Acceleration<C>{force}); return;
    case OdeintStepper::McLachlan: f(ode::symplectic_rkn_sb3a_mclachlan<Vec<C>>(), force); return;
    case OdeintStepper::McLachlanM4: f(ode::symplectic_rkn_sb3a_m4_mclachlan<Vec<C>>(), force); return;
  }
}

// Advances s in chunks of C trajectories (the last chunk repeats its last
// trajectory in unused slots, which are not stored).
template <int C>
void ensemble(PlainState& s, OdeintStepper k, double lambda, double h, long steps) {
  const std::size_t n = s.size();
  with_stepper<C>(k, lambda, [&](auto stepper_prototype, auto system) {
    for (std::size_t first = 0; first < n; first += C) {
      const std::size_t count = n - first < C ? n - first : C;
      std::pair<Vec<C>, Vec<C>> x;
      for (int j = 0; j < C; ++j) {
        const std::size_t i = first + (static_cast<std::size_t>(j) < count ? j : count - 1);
        x.first[j] = s.q0[i], x.first[C + j] = s.q1[i];
        x.second[j] = s.p0[i], x.second[C + j] = s.p1[i];
      }
      auto stepper = stepper_prototype;  // fresh: velocity_verlet caches the acceleration of its state
      ode::integrate_n_steps(stepper, system, x, 0.0, h, static_cast<std::size_t>(steps));
      for (std::size_t j = 0; j < count; ++j) {
        s.q0[first + j] = x.first[j], s.q1[first + j] = x.first[C + j];
        s.p0[first + j] = x.second[j], s.p1[first + j] = x.second[C + j];
      }
    }
  });
}

}  // namespace

void odeint_per_trajectory(PlainState& s, OdeintStepper k, double lambda, double h, long steps) {
  ensemble<1>(s, k, lambda, h, steps);
}

void odeint_ensemble(PlainState& s, OdeintStepper k, double lambda, double h, long steps, int chunk) {
  switch (chunk) {
    case 8: return ensemble<8>(s, k, lambda, h, steps);
    case 16: return ensemble<16>(s, k, lambda, h, steps);
    case 32: return ensemble<32>(s, k, lambda, h, steps);
    case 64: return ensemble<64>(s, k, lambda, h, steps);
    case 128: return ensemble<128>(s, k, lambda, h, steps);
  }
  throw std::invalid_argument("odeint_ensemble: no chunk of " + std::to_string(chunk) + " trajectories");
}

double odeint_max_energy_error(const PlainState& s, OdeintStepper k, double lambda, double h, long steps) {
  double worst = 0.0;
  with_stepper<1>(k, lambda, [&](auto stepper_prototype, auto system) {
    for (std::size_t i = 0; i < s.size(); ++i) {
      std::pair<Vec<1>, Vec<1>> x{{s.q0[i], s.q1[i]}, {s.p0[i], s.p1[i]}};
      const double h0 = energy(lambda, s.q0[i], s.q1[i], s.p0[i], s.p1[i]);
      auto stepper = stepper_prototype;
      double t = 0.0;
      for (long step = 0; step < steps; ++step) {
        stepper.do_step(system, x, t, h);
        t += h;
        const double e = std::abs(energy(lambda, x.first[0], x.first[1], x.second[0], x.second[1]) - h0);
        worst = e > worst || std::isnan(e) ? e : worst;
      }
    }
  });
  return worst;
}

}  // namespace structura::bench
