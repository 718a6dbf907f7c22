#include "experiments/shared/learned_regularisers/models.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "nn/h5_tensors.hpp"
#include "nn/optimizer.hpp"
#include "regularisers/acr.hpp"
#include "regularisers/ar_critic.hpp"
#include "regularisers/cnc.hpp"
#include "regularisers/iwcnn.hpp"

namespace structura::pipeline {

using namespace regularisers;

namespace {

std::shared_ptr<Regulariser> make_ar(const RegulariserSettings& r, std::int64_t n) {
  ArCriticOptions o;
  o.height = o.width = n;
  o.leaky_slope = r.leaky_slope;
  o.dense = r.dense;
  return std::make_shared<ArCritic>(o, "image.size (AR critic)");
}

IcnnOptions icnn_options(const RegulariserSettings& r) {
  IcnnOptions o;
  o.layers = r.layers;
  o.channels = r.channels;
  o.kernel = r.kernel;
  return o;
}

AcrOptions acr_options(const RegulariserSettings& r) {
  AcrOptions o;
  o.icnn = icnn_options(r);
  o.banks = r.banks;
  o.filters = r.filters;
  return o;
}

IwcnnOptions iwcnn_options(const RegulariserSettings& r) {
  IwcnnOptions o;
  o.smooth.layers = r.smooth_layers;
  o.smooth.channels = r.smooth_channels;
  o.smooth.kernel = r.smooth_kernel;
  o.icnn = icnn_options(r);
  return o;
}

std::shared_ptr<Regulariser> make_acr(const RegulariserSettings& r, std::int64_t) {
  return std::make_shared<Acr>(acr_options(r), "acr");
}

std::shared_ptr<Regulariser> make_iwcnn(const RegulariserSettings& r, std::int64_t) {
  return std::make_shared<Iwcnn>(iwcnn_options(r), "iwcnn");
}

std::shared_ptr<Regulariser> make_cnc(const RegulariserSettings& r, std::int64_t) {
  CncOptions o;
  o.convex = acr_options(r);
  o.weak = iwcnn_options(r);
  o.data_curvature = r.data_curvature;
  return std::make_shared<Cnc>(o, "cnc");
}

void describe_ar(h5::Group& g, const RegulariserSettings& r, std::int64_t, Regulariser&) {
  g.set_attribute("model", "ar-critic");
  g.set_attribute("leaky_slope", r.leaky_slope);
  g.set_attribute("dense", r.dense);
}

void describe_icnn(h5::Group& g, const RegulariserSettings& r) {
  g.set_attribute("layers", r.layers);
  g.set_attribute("channels", r.channels);
  g.set_attribute("kernel", r.kernel);
}

void describe_acr(h5::Group& g, const RegulariserSettings& r, std::int64_t, Regulariser&) {
  g.set_attribute("model", "acr");
  describe_icnn(g, r);
  g.set_attribute("banks", r.banks);
  g.set_attribute("filters", r.filters);
}

// rho of the stored weights for n x n images: the bound of iwcnn.hpp, what
// makes R + (rho/2)||x||^2 convex (certified, loose).
void describe_iwcnn(h5::Group& g, const RegulariserSettings& r, std::int64_t n, Regulariser& m) {
  g.set_attribute("model", "iwcnn");
  describe_icnn(g, r);
  g.set_attribute("smooth_layers", r.smooth_layers);
  g.set_attribute("smooth_channels", r.smooth_channels);
  g.set_attribute("smooth_kernel", r.smooth_kernel);
  g.set_attribute("weak_convexity_modulus", dynamic_cast<Iwcnn&>(m).weak_convexity_modulus(n, n));
}

// The weight t of the IWCNN and the margin kappa + sigma - t rho_W >= 0 of
// the convexity condition, for the stored weights and n x n images.
void describe_cnc(h5::Group& g, const RegulariserSettings& r, std::int64_t n, Regulariser& m) {
  auto& cnc = dynamic_cast<Cnc&>(m);
  g.set_attribute("model", "cnc");
  describe_icnn(g, r);
  g.set_attribute("banks", r.banks);
  g.set_attribute("filters", r.filters);
  g.set_attribute("smooth_layers", r.smooth_layers);
  g.set_attribute("smooth_channels", r.smooth_channels);
  g.set_attribute("smooth_kernel", r.smooth_kernel);
  g.set_attribute("data_curvature", r.data_curvature);
  g.set_attribute("weak_scale", cnc.weak_scale(n, n));
  g.set_attribute("weak_convexity_modulus", cnc.weak().weak_convexity_modulus(n, n));
  g.set_attribute("convexity_margin", cnc.margin(n, n));
}

std::unique_ptr<torch::optim::Optimizer> plain_optimizer(Regulariser& m, const RegulariserSettings& r) {
  return nn::make_optimizer(m.parameters(), r.optimizer, r.name);
}

// The reference trains the ICNN with one Adam and SFB + L2 with a second of
// the same rate and betas and weight decay acr.sfb_weight_decay. Adam's
// update is per parameter, so one Adam with two parameter groups takes
// exactly those steps, and nn::TrainingLoop (one optimizer per module)
// saves and restores its state like any other.
std::unique_ptr<torch::optim::Optimizer> acr_optimizer(Regulariser& m, const RegulariserSettings& r) {
  if (r.sfb_weight_decay == 0) return plain_optimizer(m, r);
  r.optimizer.validate(r.name);
  auto& acr = dynamic_cast<Acr&>(m);
  const nn::OptimizerOptions& o = r.optimizer;
  auto options = torch::optim::AdamOptions(o.learning_rate)
                     .betas({o.beta1, o.beta2})
                     .eps(o.eps)
                     .weight_decay(o.weight_decay)
                     .amsgrad(o.amsgrad);
  auto decayed = options;
  decayed.weight_decay(r.sfb_weight_decay);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(acr.icnn_parameters(), std::make_unique<torch::optim::AdamOptions>(options));
  groups.emplace_back(acr.other_parameters(), std::make_unique<torch::optim::AdamOptions>(decayed));
  return std::make_unique<torch::optim::Adam>(std::move(groups), options);
}

Regulariser& whole(Regulariser& m) { return m; }

const std::vector<RegulariserEntry>& table() {
  static const std::vector<RegulariserEntry> entries{
      {"ar", GradientPenalty::OneSided, make_ar, whole, plain_optimizer, describe_ar},
      {"acr", GradientPenalty::TwoSided, make_acr,
       [](Regulariser& m) -> Regulariser& { return dynamic_cast<Acr&>(m).icnn(); }, acr_optimizer, describe_acr},
      {"iwcnn", GradientPenalty::TwoSided, make_iwcnn, whole, plain_optimizer, describe_iwcnn},
      {"cnc", GradientPenalty::TwoSided, make_cnc, whole, plain_optimizer, describe_cnc},
  };
  return entries;
}

}  // namespace

const RegulariserEntry& find_regulariser(const std::string& name) {
  for (const RegulariserEntry& e : table())
    if (name == e.name) return e;
  throw InputError(fmt::format("training.regularisers: unknown regulariser '{}'", name));
}

std::shared_ptr<Regulariser> make_model(const RegulariserSettings& r, std::int64_t n, std::uint64_t seed,
                                        torch::Dtype dtype) {
  torch::manual_seed(seed);
  std::shared_ptr<Regulariser> m = find_regulariser(r.name).make(r, n);
  m->to(dtype);
  return m;
}

void save_model(h5::Group& models, const RegulariserSettings& r, std::int64_t n, Regulariser& model) {
  if (models.exists(r.name)) models.remove(r.name);
  h5::Group g = models.require_group(r.name);
  nn::save_module(g, model);
  g.set_attribute("image_size", n);
  std::int64_t count = 0;
  for (const auto& p : model.parameters()) count += p.numel();
  g.set_attribute("parameter_count", count);
  find_regulariser(r.name).describe(g, r, n, model);
}

std::shared_ptr<Regulariser> load_model(const h5::File& file, const RegulariserSettings& r, std::int64_t n,
                                        torch::Dtype dtype) {
  const std::string path = "/models/" + r.name;
  if (!file.exists(path))
    throw InputError(fmt::format("{}: {} is missing (the stage train/{} has not run)", file.path(), path, r.name));
  auto m = make_model(r, n, 0, dtype);
  try {
    nn::load_module(file.open_group(path), *m);
  } catch (const InputError& e) {
    throw InputError(
        fmt::format("{}: {} does not fit the configured {} architecture: {}", file.path(), path, r.name, e.what()));
  }
  return m;
}

}  // namespace structura::pipeline
