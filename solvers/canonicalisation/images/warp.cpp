#include "canonicalisation/images/warp.hpp"

#include <fmt/format.h>

#include "canonicalisation/images/matrix_groups.hpp"
#include "core/error.hpp"

namespace structura::canonicalisation::images {

namespace {

// Homogeneous pixel centres (H * W, 3) in normalised coordinates.
torch::Tensor pixel_centres(std::int64_t height, std::int64_t width, const torch::TensorOptions& options) {
  const auto x = (2 * torch::arange(width, options) + 1) / double(width) - 1;
  const auto y = (2 * torch::arange(height, options) + 1) / double(height) - 1;
  const auto grids = torch::meshgrid({y, x}, "ij");
  return torch::stack({grids[1].reshape(-1), grids[0].reshape(-1), torch::ones({height * width}, options)}, 1);
}

void require_matrices(const torch::Tensor& matrices) {
  if (matrices.dim() != 3 || matrices.size(1) != 3 || matrices.size(2) != 3)
    throw InputError(fmt::format("warp: matrices must be (N, 3, 3), got {}", fmt::join(matrices.sizes(), " x ")));
}

// p = M x for every pixel centre: (N, H * W, 3).
torch::Tensor mapped_centres(const torch::Tensor& matrices, std::int64_t height, std::int64_t width) {
  require_matrices(matrices);
  const auto centres = pixel_centres(height, width, matrices.options().requires_grad(false));
  return torch::matmul(centres.unsqueeze(0), matrices.transpose(1, 2));
}

}  // namespace

torch::Tensor sampling_grid(const torch::Tensor& matrices, std::int64_t height, std::int64_t width, double min_depth) {
  const auto p = mapped_centres(matrices, height, width);
  const auto depth = p.select(2, 2).clamp_min(min_depth).unsqueeze(2);
  return (p.narrow(2, 0, 2) / depth).reshape({matrices.size(0), height, width, 2});
}

torch::Tensor minimum_depth(const torch::Tensor& matrices, std::int64_t height, std::int64_t width) {
  return std::get<0>(mapped_centres(matrices, height, width).select(2, 2).min(1));
}

torch::Tensor warp_with_grid(const torch::Tensor& images, const torch::Tensor& grid) {
  if (images.dim() != 3 && images.dim() != 4)
    throw InputError(
        fmt::format("warp: images must be (N, H, W) or (N, C, H, W), got {}", fmt::join(images.sizes(), " x ")));
  const auto input = images.dim() == 3 ? images.unsqueeze(1) : images;
  if (grid.dim() != 4 || grid.size(0) != input.size(0) || grid.size(3) != 2)
    throw InputError(
        fmt::format("warp: a grid (N, H, W, 2) for {} images, got {}", input.size(0), fmt::join(grid.sizes(), " x ")));
  namespace F = torch::nn::functional;
  const auto out = F::grid_sample(
      input, grid, F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kZeros).align_corners(false));
  return images.dim() == 3 ? out.squeeze(1) : out;
}

torch::Tensor warp(const torch::Tensor& images, const torch::Tensor& matrices) {
  require_matrices(matrices);
  if (images.dim() < 3 || matrices.size(0) != images.size(0))
    throw InputError(
        fmt::format("warp: {} matrices for images of shape {}", matrices.size(0), fmt::join(images.sizes(), " x ")));
  return warp_with_grid(images, sampling_grid(matrices, images.size(-2), images.size(-1)));
}

torch::Tensor element_tensor(const std::vector<Element>& elements, const torch::TensorOptions& options) {
  std::vector<double> flat;
  flat.reserve(elements.size() * 9);
  for (const auto& e : elements) {
    const Matrix3 m = to_matrix(e);
    flat.insert(flat.end(), m.begin(), m.end());
  }
  return torch::tensor(flat, torch::kFloat64).reshape({std::int64_t(elements.size()), 3, 3}).to(options);
}

torch::Tensor act(const torch::Tensor& images, const std::vector<Element>& elements) {
  std::vector<Element> inverses;
  inverses.reserve(elements.size());
  for (const auto& e : elements) {
    const Matrix3 inv = invert(to_matrix(e));
    inverses.emplace_back(inv.begin(), inv.end());
  }
  return warp(images, element_tensor(inverses, images.options().requires_grad(false)));
}

}  // namespace structura::canonicalisation::images
