// Eigenvalues of a small dense symmetric matrix by cyclic Jacobi rotations:
// an independent, gap-insensitive reference for tests that link no LAPACK
// (the local-PCA check of the manifold data sets, the projector's dense
// spectrum; sizes of a few hundred at most). Converges quadratically; the result is
// accurate to a few ulps of the matrix's norm.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

namespace structura::testing {

// a: row-major [n, n], symmetric. Returns the eigenvalues, largest first.
inline std::vector<double> symmetric_eigenvalues(std::vector<double> a, int n) {
  auto at = [&](int i, int j) -> double& { return a[std::size_t(i) * n + j]; };
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, total = 0;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) (i == j ? total : off) += at(i, j) * at(i, j);
    if (off <= 1e-30 * (total + off)) break;
    for (int p = 0; p < n; ++p)
      for (int q = p + 1; q < n; ++q) {
        if (at(p, q) == 0) continue;
        // The rotation that zeroes a_pq (Golub & Van Loan, algorithm 8.4.1).
        const double tau = (at(q, q) - at(p, p)) / (2 * at(p, q));
        const double t = (tau >= 0 ? 1.0 : -1.0) / (std::abs(tau) + std::sqrt(1 + tau * tau));
        const double c = 1 / std::sqrt(1 + t * t), s = t * c;
        for (int k = 0; k < n; ++k) {  // A <- A J
          const double akp = at(k, p), akq = at(k, q);
          at(k, p) = c * akp - s * akq;
          at(k, q) = s * akp + c * akq;
        }
        for (int k = 0; k < n; ++k) {  // A <- J^T A
          const double apk = at(p, k), aqk = at(q, k);
          at(p, k) = c * apk - s * aqk;
          at(q, k) = s * apk + c * aqk;
        }
      }
  }
  std::vector<double> values(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) values[std::size_t(i)] = at(i, i);
  std::sort(values.begin(), values.end(), std::greater<>());
  return values;
}

}  // namespace structura::testing
