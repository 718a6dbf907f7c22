#include "variational/projector_operators.hpp"

#include <fmt/format.h>

#include <climits>

#include "core/error.hpp"

namespace structura::variational {

void TorchProjectorOperator::require_compatible(const torch::Tensor& t, const std::string& where) const {
  require(t.device().is_cpu(), fmt::format("{}: the matrix-free projector takes CPU tensors, got one on {} "
                                           "(use CsrOperator on devices)",
                                           where, t.device().str()));
  require(t.scalar_type() == torch::kFloat32 || t.scalar_type() == torch::kFloat64,
          fmt::format("{}: the projector takes float32 or float64, got {}", where, c10::toString(t.scalar_type())));
}

torch::Tensor TorchProjectorOperator::forward(const torch::Tensor& images) const {
  torch::NoGradGuard no_grad;
  return p_.forward_raw(images);
}

torch::Tensor TorchProjectorOperator::adjoint(const torch::Tensor& data) const {
  torch::NoGradGuard no_grad;
  return p_.adjoint_raw(data);  // collective: sums the ranks' backprojections
}

CsrOperator::CsrOperator(const tomography_torch::CsrProjector& projector, mpi::Comm comm) : p_(projector), comm_(comm) {
  if (comm_.size() > 1) {
    const auto total = static_cast<std::int64_t>(p_.beam_geometry().angles.size());
    const std::int64_t held = comm_.sum(p_.angles().count);
    require(held == total, fmt::format("CsrOperator: the ranks' CSR matrices hold {} angles in all, the geometry has {}; "
                                       "give rank r the angles comm.block(angles)",
                                       held, total));
  }
}

void CsrOperator::require_compatible(const torch::Tensor& t, const std::string& where) const {
  const torch::Tensor& m = p_.matrix();
  require(t.scalar_type() == m.scalar_type() && t.device() == m.device(),
          fmt::format("{}: this CSR operator takes {} tensors on {}, got {} on {}", where,
                      c10::toString(m.scalar_type()), m.device().str(), c10::toString(t.scalar_type()),
                      t.device().str()));
}

torch::Tensor CsrOperator::forward(const torch::Tensor& images) const {
  torch::NoGradGuard no_grad;
  return p_.forward_raw(images);
}

torch::Tensor CsrOperator::adjoint(const torch::Tensor& data) const {
  torch::NoGradGuard no_grad;
  torch::Tensor x = p_.adjoint_raw(data);
  if (comm_.size() == 1) return x;
  // MPI may not take device memory: reduce a host copy, then move it back.
  torch::Tensor host = x.to(torch::kCPU).contiguous();
  require(host.numel() <= INT_MAX, "CsrOperator::adjoint: batch too large for one MPI_Allreduce");
  const MPI_Datatype type = host.scalar_type() == torch::kFloat32 ? MPI_FLOAT : MPI_DOUBLE;
  mpi::check(MPI_Allreduce(MPI_IN_PLACE, host.data_ptr(), static_cast<int>(host.numel()), type, MPI_SUM, comm_.get()),
             "MPI_Allreduce (CsrOperator::adjoint)");
  return host.to(x.device());
}

}  // namespace structura::variational
