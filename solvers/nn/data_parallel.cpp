#include "nn/data_parallel.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace structura::nn {

namespace {

MPI_Datatype mpi_type(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat64: return MPI_DOUBLE;
    case torch::kFloat32: return MPI_FLOAT;
    default: throw InputError(fmt::format("data-parallel training supports float32 and float64, not {}",
                                          c10::toString(t)));
  }
}

torch::ScalarType common_dtype(const std::vector<torch::Tensor>& parameters) {
  if (parameters.empty()) return torch::kFloat64;
  const auto t = parameters.front().scalar_type();
  for (const auto& p : parameters)
    if (p.scalar_type() != t) throw InputError("data-parallel training: parameters of mixed dtypes");
  return t;
}

}  // namespace

void allreduce_gradients(const std::vector<torch::Tensor>& parameters, const mpi::Comm& comm) {
  if (parameters.empty() || comm.size() == 1) return;
  const auto dtype = common_dtype(parameters);
  std::vector<torch::Tensor> grads;
  grads.reserve(parameters.size());
  for (const auto& p : parameters)
    grads.push_back(p.grad().defined() ? p.grad().detach().reshape({-1}) : torch::zeros({p.numel()}, p.options()));
  // One contiguous CPU buffer: one collective, whatever the number of tensors.
  torch::Tensor flat = torch::cat(grads).to(torch::kCPU).contiguous();
  mpi::check(MPI_Allreduce(MPI_IN_PLACE, flat.data_ptr(), static_cast<int>(flat.numel()), mpi_type(dtype), MPI_SUM,
                           comm.get()),
             "MPI_Allreduce(gradients)");
  std::int64_t offset = 0;
  torch::NoGradGuard no_grad;
  for (const auto& p : parameters) {
    const std::int64_t n = p.numel();
    torch::Tensor g = flat.narrow(0, offset, n).view(p.sizes()).to(p.device());
    if (p.grad().defined()) {
      p.mutable_grad().copy_(g);
    } else {
      p.mutable_grad() = g.clone();
    }
    offset += n;
  }
}

void broadcast_parameters(const std::vector<torch::Tensor>& parameters, const mpi::Comm& comm) {
  if (parameters.empty() || comm.size() == 1) return;
  const auto dtype = common_dtype(parameters);
  std::vector<torch::Tensor> values;
  for (const auto& p : parameters) values.push_back(p.detach().reshape({-1}));
  torch::Tensor flat = torch::cat(values).to(torch::kCPU).contiguous();
  mpi::check(MPI_Bcast(flat.data_ptr(), static_cast<int>(flat.numel()), mpi_type(dtype), 0, comm.get()),
             "MPI_Bcast(parameters)");
  std::int64_t offset = 0;
  torch::NoGradGuard no_grad;
  for (const auto& p : parameters) {
    p.copy_(flat.narrow(0, offset, p.numel()).view(p.sizes()).to(p.device()));
    offset += p.numel();
  }
}

}  // namespace structura::nn
