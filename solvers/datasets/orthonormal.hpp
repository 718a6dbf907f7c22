// Orthonormal columns spanning the columns of a small dense matrix, by
// Householder QR (no LAPACK is linked here). Used for the hemisphere's
// isometric embedding; sizes are at most a few hundred.
#pragma once

#include <vector>

namespace structura::datasets {

// Thin Q [rows, cols] (row-major) of A = Q R, A row-major [rows, cols] with
// rows >= cols; signs chosen so that diag(R) > 0, which makes Q unique.
// InputError for rows < cols or a size mismatch; NumericalError when A's
// columns are (numerically) dependent.
std::vector<double> orthonormal_columns(const std::vector<double>& a, int rows, int cols);

}  // namespace structura::datasets
