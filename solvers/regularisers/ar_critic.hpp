// The adversarial regulariser's critic of Lunz, Öktem and Schönlieb (AR,
// NeurIPS 2018; lunz-s/DeepAdverserialRegulariser, ConvNetClassifier):
//   (N, 1, H, W) -> six 5x5 convolutions with zero "same" padding, each
//   followed by a leaky ReLU (slope 0.1):
//     1->16, 16->32, 32->32 /2, 32->64 /2, 64->64 /2, 64->128 /2
//   -> flatten (128 * H/16 * W/16) -> dense 256 -> leaky ReLU -> dense 1
//   -> (N, 1).
// Not convex: AR is the unconstrained baseline. The dense head fixes the
// image size at construction. H and W must be multiples of 16, so that
// every stride-2 layer halves them exactly (128² -> 8² as in the reference):
// for odd sizes TensorFlow's "same" pads one more pixel at the bottom/right
// while a symmetric padding would not, and the two critics would differ.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "regularisers/regulariser.hpp"

namespace structura::regularisers {

struct ArCriticOptions {
  std::int64_t height = 128, width = 128;  // image size; multiples of 16
  double leaky_slope = 0.1;                // of every leaky ReLU (reference: 0.1)
  std::int64_t dense = 256;                // width of the hidden dense layer

  // InputError naming where.height, where.width, where.leaky_slope or
  // where.dense for a value the critic cannot take.
  void validate(const std::string& where) const;
};

class ArCritic : public Regulariser {
public:
  // Validates `options` under the name `where`.
  explicit ArCritic(const ArCriticOptions& options, const std::string& where = "ar_critic");
  // InputError when x is not (N, 1, height, width).
  torch::Tensor forward(const torch::Tensor& x) override;
  const ArCriticOptions& options() const { return options_; }

private:
  ArCriticOptions options_;
  std::vector<torch::nn::Conv2d> convs_;              // "conv0".."conv5"
  torch::nn::Linear dense_{nullptr}, head_{nullptr};  // "dense", "head"
};

}  // namespace structura::regularisers
