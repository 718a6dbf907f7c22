// Symplecticity of one step: the Jacobian M (exact, by dual numbers)
// satisfies M^T J M = J for the symplectic methods, and measurably not for
// RK4.
#include <doctest/doctest.h>

#include <cmath>

#include "core/dual.hpp"
#include "hamiltonian/integrators.hpp"
#include "hamiltonian/systems.hpp"

using namespace structura;
using namespace structura::hamiltonian;

namespace {

// max |M^T J M - J| for one step of method M from (q0, p0).
template <Method M, int Dof, class S>
double symplecticity_defect(const S& sys, const double* q0, const double* p0, double h) {
  constexpr int N = 2 * Dof;
  using D = Dual<N>;
  // Integrators size their scratch arrays by S::max_dof; for the FPUT chain
  // that is larger than Dof, so allocate the same.
  D q[S::max_dof], p[S::max_dof];
  for (int i = 0; i < Dof; ++i) {
    q[i] = D::variable(q0[i], i);
    p[i] = D::variable(p0[i], Dof + i);
  }
  fixed_steps<M>(sys, q, p, h, 1);
  double m[N][N];  // m[row][col]: d x_row / d x0_col, x = (q, p)
  for (int i = 0; i < Dof; ++i)
    for (int j = 0; j < N; ++j) {
      m[i][j] = q[i].d[j];
      m[Dof + i][j] = p[i].d[j];
    }
  auto omega = [](int a, int b) {  // J = [[0, I], [-I, 0]]
    if (b == a + Dof && a < Dof) return 1.0;
    if (a == b + Dof && b < Dof) return -1.0;
    return 0.0;
  };
  double defect = 0;
  for (int a = 0; a < N; ++a)
    for (int b = 0; b < N; ++b) {
      double s = 0;
      for (int i = 0; i < N; ++i)
        for (int j = 0; j < N; ++j) s += m[i][a] * omega(i, j) * m[j][b];
      defect = std::max(defect, std::fabs(s - omega(a, b)));
    }
  return defect;
}

template <int Dof, class S>
void check_system(const S& sys, const double* q0, const double* p0, double h) {
  const double euler = symplecticity_defect<Method::SymplecticEuler, Dof>(sys, q0, p0, h);
  const double verlet = symplecticity_defect<Method::StormerVerlet, Dof>(sys, q0, p0, h);
  const double jump = symplecticity_defect<Method::TripleJump4, Dof>(sys, q0, p0, h);
  const double midpoint = symplecticity_defect<Method::ImplicitMidpoint, Dof>(sys, q0, p0, h);
  const double rk4 = symplecticity_defect<Method::RK4, Dof>(sys, q0, p0, h);
  INFO("defects: euler ", euler, " verlet ", verlet, " triple-jump ", jump, " midpoint ", midpoint, " rk4 ", rk4);
  CHECK(euler < 1e-10);
  CHECK(verlet < 1e-10);
  CHECK(jump < 1e-10);
  CHECK(midpoint < 1e-10);
  // RK4's defect is O(h^5) per step: at these step sizes it is at least 100
  // times the tolerance the symplectic methods meet, and 10^8 times round-off.
  CHECK(rk4 > 1e-8);
}

}  // namespace

TEST_CASE("one step is symplectic for the symplectic methods, not for RK4") {
  const double h = 0.3;
  SUBCASE("harmonic oscillator") {
    const double q[] = {0.7}, p[] = {-0.4};
    check_system<1>(HarmonicOscillator{}, q, p, h);
  }
  SUBCASE("pendulum") {
    const double q[] = {2.1}, p[] = {0.5};
    check_system<1>(Pendulum{}, q, p, h);
  }
  SUBCASE("Henon-Heiles") {
    const double q[] = {0.2, -0.3}, p[] = {0.25, 0.1};
    check_system<2>(HenonHeiles{}, q, p, h);
  }
  SUBCASE("Kepler") {
    const double q[] = {0.9, 0.3}, p[] = {-0.2, 1.0};
    check_system<2>(Kepler{}, q, p, 0.1);
  }
  SUBCASE("damped oscillator in doubled variables (non-separable)") {
    const double q[] = {0.4, 0.1}, p[] = {-0.3, 0.2};
    const DampedOscillator sys{1.0, 0.5, 2.0};
    const double midpoint = symplecticity_defect<Method::ImplicitMidpoint, 2>(sys, q, p, h);
    const double rk4 = symplecticity_defect<Method::RK4, 2>(sys, q, p, h);
    INFO("defects: midpoint ", midpoint, " rk4 ", rk4);
    CHECK(midpoint < 1e-10);
    CHECK(rk4 > 1e-8);
  }
  SUBCASE("FPUT chain of 4") {
    FermiPastaUlam chain;
    chain.length = 4;
    chain.beta = 0.5;
    const double q[] = {0.3, -0.2, 0.5, 0.1}, p[] = {0.2, 0.4, -0.3, 0.0};
    check_system<4>(chain, q, p, h);
  }
}
