// The Joseph projector as a sparse CSR matrix M in libtorch, for any device
// libtorch supports (CUDA tensors without a CUDA Kokkos): A x = M x,
// Aᵀ y = Mᵀ y, differentiable as projector_autograd.hpp (the backward of
// project() is backproject() and vice versa). Same shapes: images
// (N, 1, ny, nx) <-> sinograms (N, 1, angles.count, detectors), in the
// matrix's dtype and on its device.
//
// M: rows = rays (angle-major: row = (a - angles.begin) * detectors + u),
// columns = pixels (row-major: r * nx + c), entries = length * w of every
// pixel the ray's Joseph walk visits (tomography/ray.hpp: make_ray and walk,
// the very functions of the matrix-free kernels, with the same T), so M x
// equals Projector<T>::forward to rounding (summation order only).
//
// Mᵀ is kept as a second CSR matrix rather than M.t() (a CSC view): a CSR
// product is a row-parallel gather (no atomics) on CPU and CUDA, and
// libtorch 1.13's CSC products are not supported on every device; the price
// is twice the memory.
//
// Memory: a ray crosses at most max(nx, ny) rows/columns and touches two
// pixels per step, so nnz <= 2 max(nx, ny) per ray (≈ 2 · chord/pixel on
// average, e.g. ≈ 1.6 n for a square n² image and a full detector). Per copy
// nnz · (sizeof(T) + 8) + 8 (rows + 1) bytes (int64 indices), both copies:
//   bytes ≈ 2 · nnz · (sizeof(T) + 8) + 8 (rays + pixels + 2).
// Example: 512², 200 angles × 400 detectors, float32: nnz ≈ 6.6e7, ≈ 1.6 GB.
// Measured: 1.20·n per ray at 128², 30 angles × 192 detectors spanning
// 1.5× the image width (20 MiB for both copies, float32). nnz() reports the
// exact figure and bytes() the exact sum.
//
// The angle range (default all) lets ranks hold their own rows; the
// distributed sum of Aᵀ is not done here (combine with an allreduce as
// TorchProjector does, or split images over ranks, image_split.hpp).
#pragma once

#include <torch/torch.h>

#include "core/partition.hpp"
#include "tomography/geometry.hpp"

namespace structura::tomography_torch {

class CsrProjector {
public:
  // dtype float32 or float64 (entries computed as Projector<T> does);
  // assembled on the host, then moved to `device`.
  CsrProjector(const tomography::ImageGeometry& image, const tomography::BeamGeometry& beam,
               torch::Dtype dtype = torch::kFloat32, torch::Device device = torch::kCPU);
  CsrProjector(const tomography::ImageGeometry& image, const tomography::BeamGeometry& beam, Range angles,
               torch::Dtype dtype, torch::Device device);

  const tomography::ImageGeometry& image_geometry() const { return image_; }
  const tomography::BeamGeometry& beam_geometry() const { return beam_; }
  Range angles() const { return angles_; }
  std::int64_t nnz() const { return nnz_; }
  std::int64_t bytes() const;  // of both matrices
  const torch::Tensor& matrix() const { return m_; }
  const torch::Tensor& transposed() const { return mt_; }

  // Differentiable; inputs must have the matrix's dtype and device.
  torch::Tensor project(const torch::Tensor& images) const;
  torch::Tensor backproject(const torch::Tensor& sinograms) const;
  // Without autograd.
  torch::Tensor forward_raw(const torch::Tensor& images) const;
  torch::Tensor adjoint_raw(const torch::Tensor& sinograms) const;

private:
  tomography::ImageGeometry image_;
  tomography::BeamGeometry beam_;
  Range angles_;
  std::int64_t nnz_ = 0;
  torch::Tensor m_, mt_;
};

}  // namespace structura::tomography_torch
