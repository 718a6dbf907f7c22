// Gaussian blur as the forward operator of a deblurring problem
// (variational::LinearOperator): images (N, 1, H, W) -> blurred images of
// the same size. The kernel is the sampled Gaussian exp(-(i² + j²)/(2σ²)),
// |i|, |j| <= r = floor(truncate σ + 1/2) (scipy.ndimage's rule, which
// scikit-image's gaussian filter uses, with its default truncate = 4),
// normalised to sum 1, applied as two 1-D passes with zero padding ("same"
// size; the image is 0 outside). The adjoint is the transposed convolution
// (for this symmetric kernel the same operation), so <Ax, y> = <x, Aᵀy>
// holds to rounding and the gradient of ‖Ax − y‖² is exact.
//
// Not split over ranks: a deblurring batch is split by images instead
// (the operator's comm() is MPI_COMM_SELF).
#pragma once

#include <torch/torch.h>

#include "variational/operator.hpp"

namespace structura::imaging {

class GaussianBlur : public variational::LinearOperator {
public:
  // InputError naming `where`.sigma / height / width for a non-positive value.
  GaussianBlur(std::int64_t height, std::int64_t width, double sigma, torch::Dtype dtype = torch::kFloat64,
               double truncate = 4.0, const std::string& where = "blur");

  std::int64_t image_height() const override { return height_; }
  std::int64_t image_width() const override { return width_; }
  std::int64_t data_rows() const override { return height_; }
  std::int64_t data_cols() const override { return width_; }
  const mpi::Comm& comm() const override { return self_; }
  void require_compatible(const torch::Tensor& t, const std::string& where) const override;
  torch::TensorOptions tensor_options() const override { return torch::TensorOptions().dtype(dtype_); }

  torch::Tensor forward(const torch::Tensor& images) const override;
  torch::Tensor adjoint(const torch::Tensor& data) const override;

  double sigma() const { return sigma_; }
  std::int64_t radius() const { return radius_; }
  // The 1-D kernel (2r + 1), summing to 1; the 2-D kernel is its outer product.
  const torch::Tensor& kernel() const { return kernel_; }

private:
  std::int64_t height_, width_, radius_;
  double sigma_;
  torch::Dtype dtype_;
  torch::Tensor kernel_, rows_, cols_;  // (2r+1), (1, 1, 2r+1, 1), (1, 1, 1, 2r+1)
  mpi::Comm self_;
};

}  // namespace structura::imaging
