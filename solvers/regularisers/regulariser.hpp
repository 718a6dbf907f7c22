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

  // Locality, so that R of one large image can be evaluated by row bands on
  // several ranks (variational/row_split.hpp). A model that is a sum over
  // pixels of a local map says so by a receptive radius r >= 0 and its
  // density: for x (N, 1, h, w), a band of rows of an image of height x
  // width pixels (zero outside the image, as the convolutions pad),
  //   R(image) = sum over the image's pixels of density(image, height, width),
  // and density(.)[i, j] depends on the image only within r rows and r
  // columns of (i, j), so that a band with r rows of halo on each side has
  // the exact density on its own rows. height and width are the whole
  // image's (the ICNN's mean divides by them; the CNC's weight depends on
  // them). Default: not local (-1; the AR critic's dense head), and
  // density() is an InputError.
  virtual std::int64_t receptive_radius() const { return -1; }
  virtual torch::Tensor density(const torch::Tensor& x, std::int64_t height, std::int64_t width);
};

// InputError naming `where` unless x is a 4-D floating tensor (N, 1, H, W).
void require_image_batch(const torch::Tensor& x, const std::string& where);

// (N, 1) or (N) -> (N).
torch::Tensor per_image(const torch::Tensor& values);

}  // namespace structura::regularisers
