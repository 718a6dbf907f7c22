// The CT projectors of structura::tomography_torch as LinearOperators:
//  - TorchProjectorOperator: the matrix-free Joseph pair, angles split over
//    the projector's communicator (adjoint = its collective backproject),
//    CPU, float32 and float64;
//  - CsrOperator: the CSR matrix on any device, in its own dtype; its rows
//    (angles) may be split over `comm` (then adjoint() sums the ranks' Mᵀy,
//    staged through the host when the tensors live on a device; the ranks'
//    angle ranges must partition all angles). For a batch of images split
//    over ranks (tomography_torch/image_split.hpp) give each rank the whole
//    operator with a one-rank communicator.
// Both keep a reference to the projector: it must outlive the adapter.
#pragma once

#include <torch/torch.h>

#include <mpi.h>

#include <string>

#include "tomography_torch/csr_projector.hpp"
#include "tomography_torch/projector_autograd.hpp"
#include "variational/operator.hpp"

namespace structura::variational {

class TorchProjectorOperator : public LinearOperator {
public:
  explicit TorchProjectorOperator(const tomography_torch::TorchProjector& projector) : p_(projector) {}

  std::int64_t image_height() const override { return p_.image_geometry().ny; }
  std::int64_t image_width() const override { return p_.image_geometry().nx; }
  std::int64_t data_rows() const override { return p_.angles().count; }
  std::int64_t data_cols() const override { return p_.beam_geometry().detectors; }
  const mpi::Comm& comm() const override { return p_.comm(); }
  void require_compatible(const torch::Tensor& t, const std::string& where) const override;
  torch::TensorOptions tensor_options() const override { return torch::TensorOptions().dtype(torch::kFloat64); }
  torch::Tensor forward(const torch::Tensor& images) const override;
  torch::Tensor adjoint(const torch::Tensor& data) const override;

private:
  const tomography_torch::TorchProjector& p_;
};

class CsrOperator : public LinearOperator {
public:
  // Collective over comm when it has more than one rank (checks that the
  // ranks' angle ranges add up to all angles).
  explicit CsrOperator(const tomography_torch::CsrProjector& projector, mpi::Comm comm = mpi::Comm(MPI_COMM_SELF));

  std::int64_t image_height() const override { return p_.image_geometry().ny; }
  std::int64_t image_width() const override { return p_.image_geometry().nx; }
  std::int64_t data_rows() const override { return p_.angles().count; }
  std::int64_t data_cols() const override { return p_.beam_geometry().detectors; }
  const mpi::Comm& comm() const override { return comm_; }
  void require_compatible(const torch::Tensor& t, const std::string& where) const override;
  torch::TensorOptions tensor_options() const override { return p_.matrix().options().layout(torch::kStrided); }
  torch::Tensor forward(const torch::Tensor& images) const override;
  torch::Tensor adjoint(const torch::Tensor& data) const override;

private:
  const tomography_torch::CsrProjector& p_;
  mpi::Comm comm_;
};

}  // namespace structura::variational
