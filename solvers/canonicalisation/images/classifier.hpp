// A small CNN image classifier (for 8 x 8 digits and 28 x 28 Fashion-MNIST
// alike: an adaptive pool makes the head independent of the image size),
// trained by the shared nn::TrainingLoop on cross-entropy with keyed
// minibatches (data-parallel over the ranks of the communicator).
//
//   conv3x3(1 -> c) ReLU conv3x3(c -> 2c) ReLU maxpool2 conv3x3(2c -> 2c) ReLU
//   adaptive-avgpool(2 x 2) linear(8c -> hidden) ReLU linear(hidden -> classes)
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>

#include "canonicalisation/images/random_transforms.hpp"
#include "core/mpi.hpp"
#include "nn/minibatch_sampler.hpp"
#include "nn/settings.hpp"
#include "nn/training_loop.hpp"

namespace structura::canonicalisation::images {

struct ClassifierOptions {
  std::int64_t channels = 16;  // c
  std::int64_t hidden = 64;
  std::int64_t classes = 10;

  void validate(const std::string& where = "classifier") const;  // InputError naming where.<field>
};

class SmallCnnImpl : public torch::nn::Module {
public:
  explicit SmallCnnImpl(const ClassifierOptions& options = {});
  // (N, H, W) or (N, 1, H, W) with H, W >= 2 -> logits (N, classes).
  torch::Tensor forward(const torch::Tensor& images);

private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr};
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
};
TORCH_MODULE(SmallCnn);

// The contrastive term shapes the energy -logsumexp(logits) that
// canonicalisation minimises (LieLAC's "adversarially trained term" in a
// simple form): each training image u is paired with a copy T . u moved by a
// random map of `contrast_maps` (keyed by (seed, step, item)), and
//   contrast_weight * softplus(lse(logits(T . u)) - lse(logits(u)))
// is added to the cross-entropy, so moved copies get a higher energy than
// the image itself. Labels are never given for moved copies: the classifier
// learns no invariance from it, only where the canonical poses are.
struct ClassifierTrainingOptions {
  std::int64_t steps = 300;
  std::int64_t batch = 64;              // global minibatch
  nn::OptimizerOptions optimizer = {};  // Adam, 1e-3
  std::uint64_t seed = 0;               // keys the minibatches and the contrastive maps
  double contrast_weight = 0;           // 0: plain cross-entropy
  AffineTransformOptions contrast_maps = {90, 0.5, 0.6, 1.6, 0.3};

  void validate(const std::string& where = "training") const;
};

// The loss callback of the shared loop (nn::TrainingCallbacks::
// loss_and_gradients; pass std::ref(loss)): this rank's block of step's
// keyed global minibatch, cross-entropy summed and divided by the global
// batch size, plus the contrastive term; backward() called. With
// `augment`, every minibatch image is first moved by a random map of
// `augment_maps` keyed by (seed, step, position) and keeps its label
// (symmetry data augmentation, the baseline of canonicalisation).
class ClassifierLoss {
public:
  ClassifierLoss(SmallCnn model, torch::Tensor images, torch::Tensor labels, const ClassifierTrainingOptions& options,
                 mpi::Comm comm, std::optional<AffineTransformOptions> augment_maps = std::nullopt);
  double operator()(std::int64_t step);

private:
  SmallCnn model_;
  torch::Tensor images_, targets_;
  ClassifierTrainingOptions options_;
  mpi::Comm comm_;
  std::optional<AffineTransformOptions> augment_;
  nn::MinibatchSampler sampler_;
};

// Trains `model` on images (N, H, W) and labels (N, int64) with the shared
// loop. Every rank passes the whole set; each takes its block of every
// global minibatch. Returns the loop's history.
nn::TrainingHistory train_classifier(SmallCnn& model, const torch::Tensor& images, const torch::Tensor& labels,
                                     const ClassifierTrainingOptions& options, const mpi::Comm& comm);

// Fraction of images whose arg-max logit is the label (no gradients, eval
// mode, in batches of `batch`).
double accuracy(SmallCnn& model, const torch::Tensor& images, const torch::Tensor& labels, std::int64_t batch = 512);

}  // namespace structura::canonicalisation::images
