// The Fourier pseudo-spectral right-hand side of the 1-D periodic equations
// of periodic_1d.hpp (internal, not installed): on N points of [0, L),
//
//   heat      F(u) = nu u_xx
//   burgers   F(u) = nu u_xx - P (u^2/2)_x,
//
// derivatives exact for the trigonometric interpolant (multiplication by
// i q, q = 2 pi m / L, on FFTW's real-to-complex transform), the flux
// u^2/2 de-aliased by the 2/3 rule (P keeps the modes m < N/3: the
// conservative form of burgers_spectral_peer.py). The whole state on one
// rank: plain arrays, the plans made once (FFTW_ESTIMATE: the same plan, so
// the same rounding, in every solver and process - bit-for-bit reuse).
#pragma once

#include <cstdint>
#include <vector>

namespace structura::pde::detail {

class FourierRhs1d {
public:
  FourierRhs1d(std::int64_t points, double length, double nu, bool burgers);
  ~FourierRhs1d();
  FourierRhs1d(const FourierRhs1d&) = delete;
  FourierRhs1d& operator=(const FourierRhs1d&) = delete;

  std::int64_t points() const { return n_; }
  // f = F(u), N values each (f may not alias u).
  void rhs(const double* u, double* f);
  // dF/du at u, column-major N x N (a PETSc dense matrix's array):
  // nu D2 - D1 diag(u), D2 and the de-aliased D1 the spectral matrices.
  void jacobian(const double* u, double* column_major);  // the matrices made on first use
  // The diffusion part alone: out = (shift - nu D2)^{-1} in, diagonal in
  // Fourier space (the implicit stage solve of an IMEX method).
  void solve_shifted_diffusion(double shift, const double* in, double* out);
  // out = nu D2 in (the linear, stiff part) and out = -P (in^2/2)_x (the rest).
  void diffusion(const double* in, double* out);
  void advection(const double* in, double* out);

private:
  struct Plans;
  std::int64_t n_;
  bool burgers_;
  std::vector<double> d2_;  // -nu q_m^2 / N per mode (the 1/N of the inverse transform folded in)
  std::vector<double> d1_;  // q_m keep_m / N
  std::vector<double> q2_;  // q_m^2
  double nu_;
  std::vector<double> jac_d2_, jac_d1_;  // nu D2 and D1, row-major N x N
  Plans* plans_;
};

}  // namespace structura::pde::detail
