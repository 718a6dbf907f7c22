#include "tomography_torch/projector_autograd.hpp"

#include <fmt/format.h>
#include <mpi.h>

#include <cstdint>
#include <type_traits>

#include "core/collective_require.hpp"
#include "core/error.hpp"

namespace structura::tomography_torch {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// The tensors' memory is handed to the Kokkos kernels directly.
static_assert(Kokkos::SpaceAccessibility<Kokkos::HostSpace, MemSpace>::accessible,
              "the matrix-free torch operator needs a host-accessible Kokkos memory space; "
              "use CsrProjector on devices");

void require_batch(const torch::Tensor& t, const char* what, const char* name, std::int64_t rows, std::int64_t cols) {
  require(t.defined(), fmt::format("{}: {} is undefined", what, name));
  require(t.device().is_cpu(),
          fmt::format("{}: {} is on {}; the matrix-free operator takes CPU tensors (use CsrProjector)", what, name,
                      t.device().str()));
  require(t.scalar_type() == torch::kFloat32 || t.scalar_type() == torch::kFloat64,
          fmt::format("{}: {} must be float32 or float64", what, name));
  require(t.dim() == 4 && t.size(1) == 1 && t.size(2) == rows && t.size(3) == cols,
          fmt::format("{}: {} must be (N, 1, {}, {}), got {}", what, name, rows, cols,
                      fmt::join(t.sizes().vec(), "x")));
}

template <class T>
void forward_batch(const tomography::Projector<T>& p, const torch::Tensor& x, torch::Tensor& y) {
  const auto& im = p.image_geometry();
  const auto na = p.angles().count, nd = static_cast<std::int64_t>(p.beam_geometry().detectors);
  const T* in = x.data_ptr<T>();
  T* out = y.data_ptr<T>();
  for (std::int64_t n = 0; n < x.size(0); ++n) {
    tomography::Image<const T> image(in + n * im.pixels(), im.ny, im.nx);
    tomography::Sinogram<T> sino(out + n * na * nd, na, nd);
    p.forward(image, sino);
  }
}

template <class T>
void adjoint_batch(const tomography::DistributedProjector<T>& d, const torch::Tensor& y, torch::Tensor& x) {
  const auto& p = d.local();
  const auto& im = p.image_geometry();
  const auto na = p.angles().count, nd = static_cast<std::int64_t>(p.beam_geometry().detectors);
  const T* in = y.data_ptr<T>();
  T* out = x.data_ptr<T>();
  for (std::int64_t n = 0; n < y.size(0); ++n) {
    tomography::Sinogram<const T> sino(in + n * na * nd, na, nd);
    tomography::Image<T> image(out + n * im.pixels(), im.ny, im.nx);
    p.adjoint(sino, image);
  }
  // One reduction for the whole batch rather than one per image.
  if (d.comm().size() > 1 && x.numel() > 0) {
    const MPI_Datatype type = std::is_same_v<T, float> ? MPI_FLOAT : MPI_DOUBLE;
    require(x.numel() <= INT32_MAX, "TorchProjector::backproject: batch too large for one MPI_Allreduce");
    mpi::check(MPI_Allreduce(MPI_IN_PLACE, out, static_cast<int>(x.numel()), type, MPI_SUM, d.comm().get()),
               "MPI_Allreduce (TorchProjector::backproject)");
  }
}

const TorchProjector& op_of(AutogradContext* ctx) {
  return *reinterpret_cast<const TorchProjector*>(ctx->saved_data["op"].toInt());
}

struct Backproject;

// y = A x; backward: x̄ = Aᵀ ȳ (collective).
struct Project : torch::autograd::Function<Project> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor x, const TorchProjector* op) {
    ctx->saved_data["op"] = reinterpret_cast<std::int64_t>(op);
    return op->forward_raw(x);
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grads);
};

// x = Aᵀ y (collective); backward: ȳ = A x̄ (local).
struct Backproject : torch::autograd::Function<Backproject> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor y, const TorchProjector* op) {
    ctx->saved_data["op"] = reinterpret_cast<std::int64_t>(op);
    return op->adjoint_raw(y);
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const TorchProjector& op = op_of(ctx);
    return {Project::apply(grads[0], &op), torch::Tensor()};
  }
};

tensor_list Project::backward(AutogradContext* ctx, tensor_list grads) {
  const TorchProjector& op = op_of(ctx);
  return {Backproject::apply(grads[0], &op), torch::Tensor()};
}

}  // namespace

// The adjoint is collective: a rank whose input is refused must not leave
// the others waiting in MPI_Allreduce, and ranks with different batch sizes
// or dtypes must not reduce mismatched buffers. Agreeing first (the lowest
// refused rank's message, then the batch size and dtype) makes every rank
// throw together.
void TorchProjector::require_agreement(const torch::Tensor& sinograms) const {
  require_on_every_rank(comm(), [&] {
    require_batch(sinograms, "TorchProjector::backproject", "sinograms", angles().count, beam_geometry().detectors);
  });
  // Batch size and dtype in one integer (a scalar type's code is < 64).
  static_assert(static_cast<int>(c10::ScalarType::NumOptions) <= 64);
  const std::int64_t key = sinograms.size(0) * 64 + static_cast<std::int64_t>(sinograms.scalar_type());
  const std::int64_t lo = comm().min(key), hi = comm().max(key);
  if (lo != hi)
    throw InputError(fmt::format(
        "TorchProjector::backproject: the ranks disagree on the batch (sizes {} to {}) or dtype; the adjoint is "
        "collective and needs the same batch on every rank",
        lo / 64, hi / 64));
}

TorchProjector::TorchProjector(const tomography::ImageGeometry& image, const tomography::BeamGeometry& beam,
                               mpi::Comm comm)
    : single_(image, beam, comm), double_(image, beam, comm) {}

torch::Tensor TorchProjector::forward_raw(const torch::Tensor& images) const {
  const auto& im = image_geometry();
  require_batch(images, "TorchProjector::project", "images", im.ny, im.nx);
  const torch::Tensor x = images.contiguous();
  torch::Tensor y =
      torch::empty({x.size(0), 1, angles().count, static_cast<std::int64_t>(beam_geometry().detectors)}, x.options());
  if (x.scalar_type() == torch::kFloat32) forward_batch(single_.local(), x, y);
  else forward_batch(double_.local(), x, y);
  return y;
}

torch::Tensor TorchProjector::adjoint_raw(const torch::Tensor& sinograms) const {
  const auto& im = image_geometry();
  require_agreement(sinograms);
  const torch::Tensor y = sinograms.contiguous();
  torch::Tensor x = torch::empty({y.size(0), 1, im.ny, im.nx}, y.options());
  if (y.scalar_type() == torch::kFloat32) adjoint_batch(single_, y, x);
  else adjoint_batch(double_, y, x);
  return x;
}

torch::Tensor TorchProjector::project(const torch::Tensor& images) const { return Project::apply(images, this); }

torch::Tensor TorchProjector::backproject(const torch::Tensor& sinograms) const {
  return Backproject::apply(sinograms, this);
}

}  // namespace structura::tomography_torch
