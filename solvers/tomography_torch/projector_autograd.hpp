// The Joseph projector A (tomography/projector.hpp) and its adjoint Aᵀ as
// differentiable libtorch operations, matrix-free on CPU tensors.
//
// Shapes: images (N, 1, ny, nx), row 0 at the top as in geometry.hpp;
// sinograms (N, 1, angles, detectors) where `angles` is this rank's count
// (angles().count). float32 or float64, CPU, any strides (made contiguous
// once per call). One call handles the whole batch; each image is a Kokkos
// view over its slice of the tensor's memory (no per-image copies).
//
// Autograd: the backward of project() is backproject() and vice versa, as
// autograd Functions, so gradients of any loss are exact (to rounding) and
// derivatives of any order work (the backward of the backward is again A).
//
// Distribution (angles split over `comm`, as DistributedProjector): the
// image is replicated, rank r's sinogram tensor holds the rows of its own
// angles comm.block(angles). project() is local; backproject() sums the
// ranks' partial backprojections (one MPI_Allreduce per batch), so it is
// collective. The loss these gradients differentiate is the *global* one
//   L = Σ_r (terms of rank r's sinogram rows) + (terms of replicated tensors,
//        computed identically on every rank and counted once),
// i.e. the loss one rank holding everything would compute. Then:
//  - project()'s backward is the collective Aᵀ: rank r brings ∂L/∂y_r, the
//    sum over ranks of A_rᵀ ∂L/∂y_r is ∂L/∂x, the same on every rank (the
//    one-rank gradient). A replicated image's gradient must NOT be summed
//    over ranks again afterwards.
//  - backproject()'s backward is the local A_r: its output is replicated and
//    its incoming gradient is ∂L/∂x (identical on all ranks), so
//    ∂L/∂y_r = A_r ∂L/∂x needs no communication.
// Every rank must therefore call backward() through the same graph (the
// collective step is inside it). A rank holding no angles takes part with
// empty sinograms (N, 1, 0, detectors).
//
// Lifetime: the graph refers to the TorchProjector by address; keep it alive
// until every backward through its results is done.
#pragma once

#include <torch/torch.h>

#include "core/mpi.hpp"
#include "tomography/geometry.hpp"
#include "tomography/projector.hpp"

namespace structura::tomography_torch {

class TorchProjector {
public:
  TorchProjector(const tomography::ImageGeometry& image, const tomography::BeamGeometry& beam, mpi::Comm comm = {});

  const tomography::ImageGeometry& image_geometry() const { return single_.local().image_geometry(); }
  const tomography::BeamGeometry& beam_geometry() const { return single_.local().beam_geometry(); }
  Range angles() const { return single_.angles(); }  // this rank's
  const mpi::Comm& comm() const { return single_.comm(); }

  // (N, 1, ny, nx) -> (N, 1, angles().count, detectors); differentiable.
  torch::Tensor project(const torch::Tensor& images) const;
  // (N, 1, angles().count, detectors) -> (N, 1, ny, nx), summed over the
  // ranks; collective; differentiable.
  torch::Tensor backproject(const torch::Tensor& sinograms) const;

  // The same products without autograd (the Functions' bodies).
  torch::Tensor forward_raw(const torch::Tensor& images) const;
  torch::Tensor adjoint_raw(const torch::Tensor& sinograms) const;

private:
  // Collective: InputError on every rank unless every rank's sinograms are
  // valid and all ranks pass the same batch size and dtype.
  void require_agreement(const torch::Tensor& sinograms) const;

  tomography::DistributedProjector<float> single_;
  tomography::DistributedProjector<double> double_;
};

}  // namespace structura::tomography_torch
