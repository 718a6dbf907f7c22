#include "pde/spectral_1d.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <numbers>

namespace structura::pde::detail {

// FFTW's buffers (fftw_malloc: the alignment the plans were made for) and
// the two plans, executed on them through the new-array interface.
struct FourierRhs1d::Plans {
  double* re = nullptr;
  fftw_complex* a = nullptr;
  fftw_complex* b = nullptr;
  fftw_plan forward = nullptr, backward = nullptr;

  explicit Plans(std::int64_t n) {
    const auto modes = static_cast<std::size_t>(n / 2 + 1);
    re = static_cast<double*>(fftw_malloc(sizeof(double) * static_cast<std::size_t>(n)));
    a = static_cast<fftw_complex*>(fftw_malloc(sizeof(fftw_complex) * modes));
    b = static_cast<fftw_complex*>(fftw_malloc(sizeof(fftw_complex) * modes));
    if (!re || !a || !b) {
      release();
      throw std::bad_alloc();
    }
    forward = fftw_plan_dft_r2c_1d(int(n), re, a, FFTW_ESTIMATE);
    backward = fftw_plan_dft_c2r_1d(int(n), b, re, FFTW_ESTIMATE);
  }
  ~Plans() { release(); }
  void release() {
    if (forward) fftw_destroy_plan(forward);
    if (backward) fftw_destroy_plan(backward);
    fftw_free(re);
    fftw_free(a);
    fftw_free(b);
  }
  Plans(const Plans&) = delete;
  Plans& operator=(const Plans&) = delete;
};

FourierRhs1d::FourierRhs1d(std::int64_t points, double length, double nu, bool burgers)
    : n_(points), burgers_(burgers), nu_(nu), plans_(new Plans(points)) {
  const std::int64_t modes = points / 2 + 1;
  d2_.resize(std::size_t(modes));
  d1_.resize(std::size_t(modes));
  q2_.resize(std::size_t(modes));
  for (std::int64_t m = 0; m < modes; ++m) {
    const double q = 2 * std::numbers::pi * double(m) / length;
    const bool keep = 3 * m < points;  // m < N/3, as numpy's rfftfreq(N, 1/N) < N/3
    q2_[std::size_t(m)] = q * q;
    d2_[std::size_t(m)] = -nu * q * q / double(points);
    d1_[std::size_t(m)] = keep ? q / double(points) : 0.0;
  }
}

FourierRhs1d::~FourierRhs1d() { delete plans_; }

void FourierRhs1d::rhs(const double* u, double* f) {
  Plans& p = *plans_;
  const auto n = std::size_t(n_), modes = n / 2 + 1;
  std::memcpy(p.re, u, n * sizeof(double));
  fftw_execute_dft_r2c(p.forward, p.re, p.a);
  if (burgers_) {
    for (std::size_t i = 0; i < n; ++i) p.re[i] = 0.5 * u[i] * u[i];
    fftw_execute_dft_r2c(p.forward, p.re, p.b);
    // nu (i q)^2 u^ - i q P w^, w = u^2/2.
    for (std::size_t m = 0; m < modes; ++m) {
      const double ar = p.a[m][0], ai = p.a[m][1], br = p.b[m][0], bi = p.b[m][1];
      p.b[m][0] = d2_[m] * ar + d1_[m] * bi;
      p.b[m][1] = d2_[m] * ai - d1_[m] * br;
    }
  } else {
    for (std::size_t m = 0; m < modes; ++m) {
      p.b[m][0] = d2_[m] * p.a[m][0];
      p.b[m][1] = d2_[m] * p.a[m][1];
    }
  }
  fftw_execute_dft_c2r(p.backward, p.b, p.re);
  std::memcpy(f, p.re, n * sizeof(double));
}

void FourierRhs1d::diffusion(const double* in, double* out) {
  Plans& p = *plans_;
  const auto n = std::size_t(n_), modes = n / 2 + 1;
  std::memcpy(p.re, in, n * sizeof(double));
  fftw_execute_dft_r2c(p.forward, p.re, p.b);
  for (std::size_t m = 0; m < modes; ++m) {
    p.b[m][0] *= d2_[m];
    p.b[m][1] *= d2_[m];
  }
  fftw_execute_dft_c2r(p.backward, p.b, p.re);
  std::memcpy(out, p.re, n * sizeof(double));
}

void FourierRhs1d::advection(const double* in, double* out) {
  Plans& p = *plans_;
  const auto n = std::size_t(n_), modes = n / 2 + 1;
  if (!burgers_) {
    std::fill(out, out + n, 0.0);
    return;
  }
  for (std::size_t i = 0; i < n; ++i) p.re[i] = 0.5 * in[i] * in[i];
  fftw_execute_dft_r2c(p.forward, p.re, p.b);
  for (std::size_t m = 0; m < modes; ++m) {  // -i q P w^
    const double br = p.b[m][0], bi = p.b[m][1];
    p.b[m][0] = d1_[m] * bi;
    p.b[m][1] = -d1_[m] * br;
  }
  fftw_execute_dft_c2r(p.backward, p.b, p.re);
  std::memcpy(out, p.re, n * sizeof(double));
}

void FourierRhs1d::solve_shifted_diffusion(double shift, const double* in, double* out) {
  Plans& p = *plans_;
  const auto n = std::size_t(n_), modes = n / 2 + 1;
  std::memcpy(p.re, in, n * sizeof(double));
  fftw_execute_dft_r2c(p.forward, p.re, p.b);
  for (std::size_t m = 0; m < modes; ++m) {
    const double scale = 1.0 / ((shift + nu_ * q2_[m]) * double(n));
    p.b[m][0] *= scale;
    p.b[m][1] *= scale;
  }
  fftw_execute_dft_c2r(p.backward, p.b, p.re);
  std::memcpy(out, p.re, n * sizeof(double));
}

void FourierRhs1d::jacobian(const double* u, double* column_major) {
  const auto n = std::size_t(n_);
  if (jac_d2_.empty()) {  // made on first use (N^2 values): explicit steppers never pay for them
    jac_d2_.assign(n * n, 0.0);
    jac_d1_.assign(n * n, 0.0);
    std::vector<double> e(n, 0.0), col(n);
    for (std::size_t j = 0; j < n; ++j) {
      e[j] = 1;
      diffusion(e.data(), col.data());  // column j of nu D2
      for (std::size_t i = 0; i < n; ++i) jac_d2_[i * n + j] = col[i];
      if (burgers_) {
        // advection(v) = -D1 (v^2 / 2); D1 e_j from v = sqrt(2) e_j.
        e[j] = std::numbers::sqrt2;
        advection(e.data(), col.data());
        for (std::size_t i = 0; i < n; ++i) jac_d1_[i * n + j] = -col[i];
      }
      e[j] = 0;
    }
  }
  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t i = 0; i < n; ++i)
      column_major[j * n + i] = jac_d2_[i * n + j] - (burgers_ ? jac_d1_[i * n + j] * u[j] : 0.0);
}

}  // namespace structura::pde::detail
