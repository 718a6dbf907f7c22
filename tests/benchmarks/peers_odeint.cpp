// Boost.Odeint peer: velocity_verlet<std::array<double, 2>> stepping each
// trajectory with do_step, the way the odeint documentation shows it.
#include <array>
#include <functional>
#include <utility>

#include <boost/numeric/odeint.hpp>

#include "hamiltonian/integrators.hpp"  // the triple-jump coefficients only
#include "peers.hpp"

namespace structura::bench {

namespace {

using Vec2 = std::array<double, 2>;
using Stepper = boost::numeric::odeint::velocity_verlet<Vec2>;

// Acceleration of Henon-Heiles (unit mass): a = -dV/dq.
struct HenonHeilesAcceleration {
  double lambda;
  void operator()(const Vec2& q, const Vec2& /*p*/, Vec2& a, double /*t*/) const {
    a[0] = -q[0] - 2.0 * lambda * q[0] * q[1];
    a[1] = -q[1] - lambda * (q[0] * q[0] - q[1] * q[1]);
  }
};

template <class StepFn>
void for_each_trajectory(PlainState& s, StepFn&& step) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    Vec2 q{s.q0[i], s.q1[i]};
    Vec2 p{s.p0[i], s.p1[i]};
    // A fresh stepper per trajectory: velocity_verlet caches the
    // acceleration of the previous step, which belongs to one trajectory.
    Stepper stepper;
    step(stepper, std::make_pair(std::ref(q), std::ref(p)));
    s.q0[i] = q[0];
    s.q1[i] = q[1];
    s.p0[i] = p[0];
    s.p1[i] = p[1];
  }
}

}  // namespace

void odeint_verlet(PlainState& s, double lambda, double h, long steps) {
  const HenonHeilesAcceleration sys{lambda};
  for_each_trajectory(s, [&](Stepper& stepper, auto state) {
    double t = 0.0;
    for (long k = 0; k < steps; ++k) {
      stepper.do_step(sys, state, t, h);
      t += h;
    }
  });
}

void odeint_triple_jump4(PlainState& s, double lambda, double h, long steps) {
  const HenonHeilesAcceleration sys{lambda};
  const double h1 = hamiltonian::triple_jump_w1 * h, h0 = hamiltonian::triple_jump_w0 * h;
  for_each_trajectory(s, [&](Stepper& stepper, auto state) {
    double t = 0.0;
    for (long k = 0; k < steps; ++k) {
      stepper.do_step(sys, state, t, h1);
      stepper.do_step(sys, state, t + h1, h0);
      stepper.do_step(sys, state, t + h1 + h0, h1);
      t += h;
    }
  });
}

}  // namespace structura::bench
