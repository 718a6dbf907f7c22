#include "canonicalisation/images/classifier.hpp"

#include <fmt/format.h>

#include "canonicalisation/images/warp.hpp"
#include "core/error.hpp"
#include "core/partition.hpp"
#include "nn/minibatch_sampler.hpp"
#include "nn/optimizer.hpp"

namespace structura::canonicalisation::images {

namespace {

void require_positive(std::int64_t value, const std::string& field) {
  if (value < 1) throw InputError(fmt::format("{}: must be at least 1, got {}", field, value));
}

// The minibatch stream of the classifier's sampler.
constexpr std::uint64_t kMinibatchStream = 0x636c617373ULL;  // "class"
// Mixed into the seed of the contrastive maps, so they are not a test set's.
constexpr std::uint64_t kContrastSeed = 0x636f6e7472617374ULL;  // "contrast"

}  // namespace

void ClassifierOptions::validate(const std::string& where) const {
  require_positive(channels, where + ".channels");
  require_positive(hidden, where + ".hidden");
  if (classes < 2) throw InputError(fmt::format("{}.classes: must be at least 2, got {}", where, classes));
}

SmallCnnImpl::SmallCnnImpl(const ClassifierOptions& o) {
  o.validate();
  namespace nn = torch::nn;
  conv1_ = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(1, o.channels, 3).padding(1)));
  conv2_ = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(o.channels, 2 * o.channels, 3).padding(1)));
  conv3_ = register_module("conv3", nn::Conv2d(nn::Conv2dOptions(2 * o.channels, 2 * o.channels, 3).padding(1)));
  fc1_ = register_module("fc1", nn::Linear(8 * o.channels, o.hidden));
  fc2_ = register_module("fc2", nn::Linear(o.hidden, o.classes));
}

torch::Tensor SmallCnnImpl::forward(const torch::Tensor& images) {
  auto x = images.dim() == 3 ? images.unsqueeze(1) : images;
  x = torch::relu(conv1_->forward(x));
  x = torch::relu(conv2_->forward(x));
  x = torch::max_pool2d(x, 2);
  x = torch::relu(conv3_->forward(x));
  x = torch::adaptive_avg_pool2d(x, {2, 2}).flatten(1);
  return fc2_->forward(torch::relu(fc1_->forward(x)));
}

void ClassifierTrainingOptions::validate(const std::string& where) const {
  require_positive(steps, where + ".steps");
  require_positive(batch, where + ".batch");
  optimizer.validate(where + ".optimizer");
  if (!std::isfinite(contrast_weight) || contrast_weight < 0)
    throw InputError(fmt::format("{}.contrast_weight: must be finite and >= 0, got {}", where, contrast_weight));
  contrast_maps.validate(where + ".contrast_maps");
}

namespace {
void check_set(const torch::Tensor& images, const torch::Tensor& labels) {
  if (images.dim() != 3 || labels.dim() != 1 || labels.size(0) != images.size(0))
    throw InputError(fmt::format("train_classifier: images (N, H, W) and labels (N), got {} and {}",
                                 fmt::join(images.sizes(), " x "), fmt::join(labels.sizes(), " x ")));
}
// Mixed into the seed of the augmentation maps (neither a test set's nor the contrast's).
constexpr std::uint64_t kAugmentSeed = 0x6175676d656e74ULL;  // "augment"
}  // namespace

ClassifierLoss::ClassifierLoss(SmallCnn model, torch::Tensor images, torch::Tensor labels,
                               const ClassifierTrainingOptions& options, mpi::Comm comm,
                               std::optional<AffineTransformOptions> augment_maps)
    : model_(std::move(model)),
      images_(std::move(images)),
      targets_(labels.to(torch::kInt64)),
      options_(options),
      comm_(comm),
      augment_(std::move(augment_maps)),
      sampler_((check_set(images_, targets_), options.seed), kMinibatchStream, images_.size(0), options.batch) {
  options_.validate();
  if (augment_) augment_->validate("augmentation");
}

double ClassifierLoss::operator()(std::int64_t step) {
  const auto mine = sampler_.indices(step, comm_.size(), comm_.rank());
  const double global = double(sampler_.batch_size(step));
  if (mine.empty()) return 0.0;
  // Map j of step s: item s * batch + (position of j in the global batch).
  const std::int64_t first = block_range(sampler_.batch_size(step), comm_.size(), comm_.rank()).begin;
  const auto index = torch::tensor(mine, torch::kInt64);
  auto batch_images = images_.index_select(0, index);
  if (augment_) {
    std::vector<Element> maps;
    for (std::size_t j = 0; j < mine.size(); ++j)
      maps.push_back(random_affine(options_.seed ^ kAugmentSeed, std::uint64_t(step * options_.batch + first + j),
                                   *augment_));
    batch_images = act(batch_images, maps);
  }
  const auto logits = model_->forward(batch_images);
  auto loss = torch::nn::functional::cross_entropy(
      logits, targets_.index_select(0, index), torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
  if (options_.contrast_weight > 0) {
    std::vector<Element> maps;
    for (std::size_t j = 0; j < mine.size(); ++j)
      maps.push_back(random_affine(options_.seed ^ kContrastSeed, std::uint64_t(step * options_.batch + first + j),
                                   options_.contrast_maps));
    const auto moved_logits = model_->forward(act(batch_images, maps));
    loss = loss + options_.contrast_weight *
                      torch::nn::functional::softplus(torch::logsumexp(moved_logits, 1) - torch::logsumexp(logits, 1))
                          .sum();
  }
  loss = loss / global;
  loss.backward();
  return loss.item<double>();
}

nn::TrainingHistory train_classifier(SmallCnn& model, const torch::Tensor& images, const torch::Tensor& labels,
                                     const ClassifierTrainingOptions& options, const mpi::Comm& comm) {
  options.validate();
  check_set(images, labels);
  const auto optimizer = nn::make_optimizer(model->parameters(), options.optimizer, "training.optimizer");
  nn::TrainingOptions loop_options;
  loop_options.name = "classifier";
  loop_options.steps = options.steps;
  loop_options.restore_best = false;
  nn::TrainingLoop loop(*model, *optimizer, comm, loop_options);
  ClassifierLoss loss(model, images, labels, options, comm);
  model->train();
  nn::TrainingCallbacks callbacks;
  callbacks.loss_and_gradients = std::ref(loss);
  loop.run(callbacks);
  model->eval();
  return loop.history();
}

double accuracy(SmallCnn& model, const torch::Tensor& images, const torch::Tensor& labels, std::int64_t batch) {
  torch::NoGradGuard no_grad;
  model->eval();
  std::int64_t correct = 0;
  for (std::int64_t begin = 0; begin < images.size(0); begin += batch) {
    const std::int64_t n = std::min(batch, images.size(0) - begin);
    const auto predicted = model->forward(images.narrow(0, begin, n)).argmax(1);
    correct += predicted.eq(labels.narrow(0, begin, n).to(torch::kInt64)).sum().item<std::int64_t>();
  }
  return images.size(0) ? double(correct) / double(images.size(0)) : 0.0;
}

}  // namespace structura::canonicalisation::images
