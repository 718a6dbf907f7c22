// Differentiable warps of a batch of images by a batch of 3 x 3 matrices in
// normalised coordinates (matrix_groups.hpp: x right, y down, [-1, 1] over
// the image, pixel centres at (2j + 1) / W - 1 as grid_sample with
// align_corners = false).
//
//   warp(u, M)(x) = u(pi(M x))     pi(p) = (p0 / p2, p1 / p2)
//
// sampled bilinearly, zero outside the image. warp(warp(u, A), B) =
// warp(u, A B) up to interpolation, so the group acts on images by
//   h . u = warp(u, h^-1),   (h . u)(x) = u(h^-1 x),
// which moves the content of u by h (a left action: g . (h . u) = (g h) . u).
// Gradients flow to both the images and the matrices.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "canonicalisation/lie_algebra_descent.hpp"

namespace structura::canonicalisation::images {

// Where each output pixel samples the input: (N, H, W, 2), grid_sample's
// (x, y) order, for matrices (N, 3, 3). Denominators p2 below `min_depth`
// (points mapped through or behind the horizon of a homography) are
// clamped to it, so the grid stays finite; such points land far outside.
torch::Tensor sampling_grid(const torch::Tensor& matrices, std::int64_t height, std::int64_t width,
                            double min_depth = 1e-6);

// The smallest p2 over the output pixels, per matrix: (N). A warp is only
// meaningful where it is positive.
torch::Tensor minimum_depth(const torch::Tensor& matrices, std::int64_t height, std::int64_t width);

// images (N, H, W) or (N, C, H, W); matrices (N, 3, 3) of the images' dtype
// and device. Returns the images' layout. InputError naming the argument for
// other shapes.
torch::Tensor warp(const torch::Tensor& images, const torch::Tensor& matrices);
// The same with the sampling grid given (from sampling_grid).
torch::Tensor warp_with_grid(const torch::Tensor& images, const torch::Tensor& grid);

// h . u for group elements (9 entries each, one per image): warp(u, h^-1).
torch::Tensor act(const torch::Tensor& images, const std::vector<Element>& elements);

// (N, 3, 3) from elements, in `options`' dtype and device.
torch::Tensor element_tensor(const std::vector<Element>& elements, const torch::TensorOptions& options);

}  // namespace structura::canonicalisation::images
