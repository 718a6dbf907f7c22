#include "variational/operator.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <mpi.h>

#include <climits>
#include <cmath>

#include "core/error.hpp"

namespace structura::variational {

namespace {

std::string shape_of(const torch::Tensor& t) { return fmt::format("{}", fmt::join(t.sizes().vec(), "x")); }

void require_batch(const LinearOperator& A, const torch::Tensor& t, const std::string& where, std::int64_t n,
                   std::int64_t rows, std::int64_t cols, const char* what) {
  require(t.defined(), fmt::format("{}: expected {} (N, 1, {}, {}), got an undefined tensor", where, what, rows, cols));
  require(torch::isFloatingType(t.scalar_type()),
          fmt::format("{}: expected a floating tensor, got {}", where, c10::toString(t.scalar_type())));
  const bool n_ok = n < 0 ? t.dim() == 4 && t.size(0) >= 1 : t.dim() == 4 && t.size(0) == n;
  require(n_ok && t.size(1) == 1 && t.size(2) == rows && t.size(3) == cols,
          fmt::format("{}: expected {} shaped ({}, 1, {}, {}) for this operator, got {}", where, what,
                      n < 0 ? std::string("N") : std::to_string(n), rows, cols, shape_of(t)));
  A.require_compatible(t, where);
}

}  // namespace

void require_images(const LinearOperator& A, const torch::Tensor& x, const std::string& where, std::int64_t n) {
  require_batch(A, x, where, n, A.image_height(), A.image_width(), "images");
}

void require_data(const LinearOperator& A, const torch::Tensor& y, const std::string& where, std::int64_t n) {
  require_batch(A, y, where, n, A.data_rows(), A.data_cols(), "data rows of this rank");
}

torch::Tensor sum_over_ranks(const torch::Tensor& local, const mpi::Comm& comm) {
  torch::Tensor out = local.detach().to(torch::kCPU, torch::kFloat64).contiguous().clone();
  if (comm.size() > 1 && out.numel() > 0) {
    require(out.numel() <= INT_MAX, "sum_over_ranks: tensor too large for one MPI_Allreduce");
    mpi::check(MPI_Allreduce(MPI_IN_PLACE, out.data_ptr<double>(), static_cast<int>(out.numel()), MPI_DOUBLE, MPI_SUM,
                             comm.get()),
               "MPI_Allreduce (variational::sum_over_ranks)");
  }
  return out;
}

torch::Tensor data_norm2(const LinearOperator& A, const torch::Tensor& data) {
  const torch::Tensor local = data.detach().to(torch::kFloat64).flatten(1).pow(2).sum(1);
  return sum_over_ranks(local, A.comm());
}

double operator_norm(const LinearOperator& A, const PowerIterationOptions& options) {
  require(options.max_iterations >= 1,
          fmt::format("operator_norm: max_iterations must be >= 1, got {}", options.max_iterations));
  torch::NoGradGuard no_grad;
  torch::Tensor x = torch::ones({1, 1, A.image_height(), A.image_width()}, A.tensor_options());
  x = x / x.norm();
  double estimate = 0;
  for (int k = 0; k < options.max_iterations; ++k) {
    const torch::Tensor ax = A.forward(x);
    const double next = std::sqrt(data_norm2(A, ax).item<double>());
    const torch::Tensor z = A.adjoint(ax);
    const double z_norm = z.norm().item<double>();  // z is replicated: the same on every rank
    const bool converged = k > 0 && std::abs(next - estimate) <= options.tolerance * next;
    estimate = next;
    if (converged || z_norm == 0) break;
    x = z / z_norm;
  }
  if (!std::isfinite(estimate)) throw NumericalError("operator_norm: the power iteration gave a non-finite ‖A‖");
  return estimate;
}

}  // namespace structura::variational
