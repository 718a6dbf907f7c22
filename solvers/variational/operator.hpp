// The linear forward operator A of a variational reconstruction, as the
// solvers of this library see it: images (N, 1, H, W) -> data
// (N, 1, rows, cols) on torch tensors, images in a batch independent.
//
// Distribution. The data rows may be split over the ranks of comm() (a CT
// sinogram's angles): forward() gives this rank's rows, adjoint() the SUM
// over the ranks of A_rᵀ y_r, the same on every rank (collective). Images
// are replicated. A global quantity is then
//   (sum over ranks of the terms of this rank's rows, sum_over_ranks)
//   + (terms of the replicated image, computed on every rank, counted once),
// which is what one rank holding every row computes: the solvers' energies,
// gradients and decisions (line search, stops) do not depend on the rank
// count beyond rounding, and every rank takes the same decisions.
// An operator that is not split has a one-rank comm() (MPI_COMM_SELF).
//
// The products are plain tensors without autograd: the solvers write the
// data term's gradient 2 Aᵀ(Ax − y) themselves, so no graph ever holds a
// collective operation.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "core/mpi.hpp"

namespace structura::variational {

class LinearOperator {
public:
  virtual ~LinearOperator() = default;

  virtual std::int64_t image_height() const = 0;
  virtual std::int64_t image_width() const = 0;
  virtual std::int64_t data_rows() const = 0;  // this rank's rows
  virtual std::int64_t data_cols() const = 0;
  virtual const mpi::Comm& comm() const = 0;  // over which the rows are split

  // InputError naming `where` unless t has a dtype and device the operator
  // takes (shapes are checked by the callers below).
  virtual void require_compatible(const torch::Tensor& t, const std::string& where) const = 0;
  // dtype and device of the tensors the solvers create for this operator
  // themselves (the power method's start): float64 where it is taken.
  virtual torch::TensorOptions tensor_options() const = 0;

  // (N, 1, H, W) -> (N, 1, data_rows(), data_cols()); local.
  virtual torch::Tensor forward(const torch::Tensor& images) const = 0;
  // (N, 1, data_rows(), data_cols()) -> (N, 1, H, W), summed over comm();
  // collective: every rank calls it with the same N.
  virtual torch::Tensor adjoint(const torch::Tensor& data) const = 0;
};

// InputError naming `where` unless x is a floating (N, 1, H, W) batch with
// the operator's image size, dtype and device (n < 0: any N >= 1).
void require_images(const LinearOperator& A, const torch::Tensor& x, const std::string& where, std::int64_t n = -1);
// The same for this rank's data rows (N, 1, data_rows(), data_cols()).
void require_data(const LinearOperator& A, const torch::Tensor& y, const std::string& where, std::int64_t n = -1);

// The element-wise sum over the ranks of comm of a small tensor (per-image
// sums), returned as float64 on the CPU; the same values on every rank.
torch::Tensor sum_over_ranks(const torch::Tensor& local, const mpi::Comm& comm);

// Per-image squared norms over this rank's rows, summed over the ranks:
// (N, ...) -> (N) float64 on the CPU. Collective.
torch::Tensor data_norm2(const LinearOperator& A, const torch::Tensor& data);

struct PowerIterationOptions {
  int max_iterations = 200;
  double tolerance = 1e-7;  // stop when the estimate changes by less (relative)
};

// ‖A‖₂ by power iteration on AᵀA from the all-ones image (deterministic,
// collective, the same on every rank), in A.tensor_options(). Converges from below: callers that need an upper bound enlarge it.
double operator_norm(const LinearOperator& A, const PowerIterationOptions& options = {});

}  // namespace structura::variational
