#include "experiments/pullback/models.hpp"

#include "nn/h5_tensors.hpp"

namespace structura::pipeline::pullback {

PullbackModel::PullbackModel(std::int64_t dimension, const geometry::CouplingFlowOptions& options,
                             bool learned_variances) {
  // Module names are file format (/models/<method>/parameters/flow/...).
  flow = register_module("flow", std::make_shared<geometry::AffineCouplingFlow>(dimension, options));
  psi = register_module("psi", std::make_shared<geometry::DiagonalQuadratic>(dimension, learned_variances));
}

geometry::CouplingFlowOptions flow_options(const Settings& s) { return {s.layers, s.hidden, s.blocks}; }

geometry::FlowLossOptions loss_options(const Settings& s, const std::string& method) {
  geometry::FlowLossOptions o;
  if (!regularised(method)) return o;
  o.isometry = geometry::parse_isometry_term(s.isometry, "loss.isometry");
  o.isometry_weight = s.isometry_weight;
  o.volume_weight = s.volume_weight;
  o.directions = s.directions;
  o.validate("loss");
  return o;
}

std::shared_ptr<PullbackModel> make_model(const Settings& s, const std::string& method, std::uint64_t seed,
                                          torch::Dtype dtype) {
  torch::manual_seed(seed);
  auto model = std::make_shared<PullbackModel>(s.data.ambient, flow_options(s), learns_variances(method));
  model->to(dtype);
  return model;
}

void save_model(h5::Group& models, const Settings& s, const std::string& method, PullbackModel& model) {
  if (models.exists(method)) models.remove(method);
  h5::Group g = models.require_group(method);
  nn::save_module(g, model);
  g.set_attribute("model", std::string("affine-coupling-flow"));
  g.set_attribute("dimension", std::int64_t{s.data.ambient});
  g.set_attribute("layers", s.layers);
  g.set_attribute("hidden", s.hidden);
  g.set_attribute("blocks", s.blocks);
  g.set_attribute("learned_variances", std::int64_t{learns_variances(method)});
  std::int64_t count = 0;
  for (const auto& p : model.parameters()) count += p.numel();
  g.set_attribute("parameter_count", count);
}

std::shared_ptr<PullbackModel> load_model(const h5::Group& models, const Settings& s, const std::string& method,
                                          torch::Dtype dtype) {
  auto model = make_model(s, method, 0, dtype);
  nn::load_module(models.open_group(method), *model);
  return model;
}

}  // namespace structura::pipeline::pullback
