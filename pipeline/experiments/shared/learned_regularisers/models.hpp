// The learned regularisers of the learned kinds (ct.learned,
// deblur.learned) as a table: for each name, how its model is built from
// the settings, which part the gradient penalty applies to and of which
// kind, how its optimizer is made, and what it records in /models/<name>.
// Adding a regulariser is one entry here and its keys in regulariser_params.*.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/h5.hpp"
#include "experiments/shared/learned_regularisers/regulariser_params.hpp"
#include "regularisers/losses.hpp"
#include "regularisers/regulariser.hpp"

namespace structura::pipeline {

struct RegulariserEntry {
  const char* name;
  regularisers::GradientPenalty penalty;
  // The model for n x n images (weights from torch::manual_seed before).
  std::function<std::shared_ptr<regularisers::Regulariser>(const RegulariserSettings&, std::int64_t n)> make;
  // The part the gradient penalty sees (the model itself, or ACR's ICNN).
  std::function<regularisers::Regulariser&(regularisers::Regulariser&)> penalised;
  // Its optimizer over model.parameters().
  std::function<std::unique_ptr<torch::optim::Optimizer>(regularisers::Regulariser&, const RegulariserSettings&)>
      optimizer;
  // The attributes of /models/<name> beyond model, image_size, parameter_count:
  // the architecture and, for the IWCNN, its certified weak-convexity modulus.
  std::function<void(h5::Group&, const RegulariserSettings&, std::int64_t n, regularisers::Regulariser&)> describe;
};

// InputError naming training.regularisers for an unknown name.
const RegulariserEntry& find_regulariser(const std::string& name);

// The model of `r`, seeded, in `dtype`.
std::shared_ptr<regularisers::Regulariser> make_model(const RegulariserSettings& r, std::int64_t n, std::uint64_t seed,
                                                      torch::Dtype dtype);

// /models/<name>: parameters (nn::save_module) and the entry's attributes.
void save_model(h5::Group& models, const RegulariserSettings& r, std::int64_t n, regularisers::Regulariser& model);
// The trained model back from /models/<name>; InputError naming the file
// and group when it is missing or of another architecture.
std::shared_ptr<regularisers::Regulariser> load_model(const h5::File& file, const RegulariserSettings& r,
                                                      std::int64_t n, torch::Dtype dtype);

}  // namespace structura::pipeline
