// What the losses, the checks and a reconstruction need from a learned
// regulariser: a scalar per image and the constraints it relies on.
// Every model of this library maps a batch of images (N, 1, H, W) to one
// value per image, shaped (N, 1) (the shape of a PyTorch critic's output;
// the losses accept (N) too). Images in a batch never interact (no batch
// norm), so the gradient of the batch sum with respect to x is the stack of
// the per-image gradients; the convexity checks rely on that.
// The library knows nothing of CT: a data term enters only through a bound
// on its curvature (cnc.hpp).
#pragma once

#include <torch/torch.h>

#include <string>

namespace structura::regularisers {

class Regulariser : public torch::nn::Module {
public:
  // x (N, 1, H, W) -> (N, 1).
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  // Restores the constraints the model's guarantees rest on (non-negative
  // weights of an input-convex network). Call after every optimiser step;
  // a model without constraints does nothing.
  virtual void project_weights() {}
};

// InputError naming `where` unless x is a 4-D floating tensor (N, 1, H, W).
void require_image_batch(const torch::Tensor& x, const std::string& where);

// (N, 1) or (N) -> (N).
torch::Tensor per_image(const torch::Tensor& values);

}  // namespace structura::regularisers
