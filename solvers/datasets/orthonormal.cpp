#include "datasets/orthonormal.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace structura::datasets {

std::vector<double> orthonormal_columns(const std::vector<double>& a, int rows, int cols) {
  require(cols >= 1 && rows >= cols, fmt::format("orthonormal_columns: need rows >= cols >= 1, got {} x {}", rows, cols));
  require(a.size() == std::size_t(rows) * std::size_t(cols),
          fmt::format("orthonormal_columns: expected {} values, got {}", std::size_t(rows) * cols, a.size()));
  const std::size_t m = rows, n = cols;
  std::vector<double> r = a;                 // reduced in place to R
  std::vector<std::vector<double>> v(n);     // Householder vectors, v_j on rows j..m-1
  std::vector<double> diag(n);               // R's diagonal
  double scale = 0;
  for (double x : a) scale = std::max(scale, std::abs(x));
  for (std::size_t j = 0; j < n; ++j) {
    double norm2 = 0;
    for (std::size_t i = j; i < m; ++i) norm2 += r[i * n + j] * r[i * n + j];
    const double norm = std::sqrt(norm2);
    if (!(norm > 1e-12 * scale * std::sqrt(double(m))))
      throw NumericalError(fmt::format("orthonormal_columns: column {} depends on the previous ones", j));
    // Reflect column j onto -sign(x0) |x| e_j: no cancellation in v0.
    const double x0 = r[j * n + j];
    const double alpha = x0 >= 0 ? -norm : norm;
    auto& vj = v[j];
    vj.assign(m - j, 0.0);
    for (std::size_t i = j; i < m; ++i) vj[i - j] = r[i * n + j];
    vj[0] -= alpha;
    double vnorm2 = 0;
    for (double x : vj) vnorm2 += x * x;
    for (std::size_t k = j; k < n; ++k) {
      double dot = 0;
      for (std::size_t i = j; i < m; ++i) dot += vj[i - j] * r[i * n + k];
      const double f = 2 * dot / vnorm2;
      for (std::size_t i = j; i < m; ++i) r[i * n + k] -= f * vj[i - j];
    }
    diag[j] = alpha;
  }
  // Q = H_0 H_1 ... H_{n-1} [I_n; 0], applied from the last reflection.
  std::vector<double> q(m * n, 0.0);
  for (std::size_t k = 0; k < n; ++k) q[k * n + k] = 1.0;
  for (std::size_t jj = n; jj-- > 0;) {
    const auto& vj = v[jj];
    double vnorm2 = 0;
    for (double x : vj) vnorm2 += x * x;
    for (std::size_t k = 0; k < n; ++k) {
      double dot = 0;
      for (std::size_t i = jj; i < m; ++i) dot += vj[i - jj] * q[i * n + k];
      const double f = 2 * dot / vnorm2;
      for (std::size_t i = jj; i < m; ++i) q[i * n + k] -= f * vj[i - jj];
    }
  }
  // diag(R) > 0: flip column k of Q where R_kk < 0.
  for (std::size_t k = 0; k < n; ++k)
    if (diag[k] < 0)
      for (std::size_t i = 0; i < m; ++i) q[i * n + k] = -q[i * n + k];
  return q;
}

}  // namespace structura::datasets
