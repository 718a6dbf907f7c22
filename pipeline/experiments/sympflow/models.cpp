#include "experiments/sympflow/models.hpp"

#include "hamiltonian/sympflow/baseline.hpp"
#include "hamiltonian/sympflow/sympflow.hpp"
#include "nn/h5_tensors.hpp"

namespace structura::pipeline::sympflow {

using namespace hamiltonian::sympflow;

std::shared_ptr<FlowModel> make_model(const Settings& s, const Variant& v, std::uint64_t seed, torch::Dtype dtype) {
  torch::manual_seed(seed);
  std::shared_ptr<FlowModel> m;
  if (v.baseline) {
    m = std::make_shared<MlpBaseline>(s.dof, s.baseline_width, s.baseline_depth, s.architecture.activation);
  } else {
    m = std::make_shared<SympFlow>(s.architecture);
  }
  m->to(dtype);
  return m;
}

void save_model(h5::Group& models, const Settings& s, const Variant& v, FlowModel& model) {
  if (models.exists(v.name)) models.remove(v.name);
  h5::Group g = models.require_group(v.name);
  nn::save_module(g, model);
  g.set_attribute("model", v.baseline ? "mlp-baseline" : "sympflow");
  g.set_attribute("dof", s.dof);
  g.set_attribute("activation", std::string(hamiltonian::activation_name(s.architecture.activation)));
  g.set_attribute("t_max", s.t_max);
  std::int64_t count = 0;
  for (const auto& p : model.parameters()) count += p.numel();
  g.set_attribute("parameter_count", count);
  if (v.baseline) {
    g.set_attribute("width", s.baseline_width);
    g.set_attribute("depth", s.baseline_depth);
  } else {
    g.set_attribute("layers", s.architecture.layers);
    g.set_attribute("width", s.architecture.width);
    g.set_attribute("depth", s.architecture.depth);
    g.set_attribute("order", std::string(hamiltonian::layer_order_name(s.architecture.order)));
  }
}

std::shared_ptr<FlowModel> load_model(const h5::Group& models, const Settings& s, const Variant& v,
                                      torch::Dtype dtype) {
  auto m = make_model(s, v, 0, dtype);
  nn::load_module(models.open_group(v.name), *m);
  return m;
}

}  // namespace structura::pipeline::sympflow
