// Argument checks shared by the pullback manifold and the Riemannian
// autoencoder (internal: included by their .cpp files only). Every failure
// is an InputError whose message starts with the argument's full name.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <string>

namespace structura::geometry::detail {

// "[3, 2]" for messages.
std::string shape_text(const torch::Tensor& t);

// The variances a of ψ(z) = ½ zᵀ diag(a)⁻¹ z: a 1-D floating tensor of
// `dimension` finite entries, each > 0. Returns it unchanged (still
// differentiable when a is learned).
torch::Tensor checked_variances(const torch::Tensor& a, std::int64_t dimension, const std::string& name);

// Points or tangent vectors [B, D] with D = dimension, B >= 1.
void require_batch(const torch::Tensor& x, std::int64_t dimension, const std::string& name);

// `other` has the shape of `x` (pairs of points, a point and its vector).
void require_same_shape(const torch::Tensor& other, const torch::Tensor& x, const std::string& name,
                        const std::string& x_name);

}  // namespace structura::geometry::detail
