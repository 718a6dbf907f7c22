#include "experiments/regulariser_toy/models.hpp"

#include "nn/h5_tensors.hpp"

namespace structura::pipeline::regulariser_toy {

using namespace regularisers;

namespace {
PointModelOptions options_of(const Settings& s) {
  PointModelOptions o;
  o.dimension = 2;
  o.layers = s.layers;
  o.width = s.width;
  o.leaky_slope = s.leaky_slope;
  o.smooth_layers = s.smooth_layers;
  o.smooth_width = s.smooth_width;
  return o;
}
}  // namespace

std::shared_ptr<Regulariser> make_critic(const Settings& s, const std::string& name, std::uint64_t seed,
                                         torch::Dtype dtype) {
  torch::manual_seed(seed);
  std::shared_ptr<Regulariser> r;
  if (name == "convex") r = std::make_shared<PointIcnn>(options_of(s), 2, "model");
  else if (name == "plain") r = std::make_shared<PointMlp>(options_of(s), "model");
  else r = std::make_shared<PointIwcnn>(options_of(s), "model");  // weakly-convex (read_settings checked the name)
  r->to(dtype);
  return r;
}

void save_critic(h5::Group& models, const Settings& s, const std::string& name, Regulariser& critic) {
  if (models.exists(name)) models.remove(name);
  h5::Group g = models.require_group(name);
  nn::save_module(g, critic);
  g.set_attribute("model", name == "convex" ? "point-icnn" : name == "plain" ? "point-mlp" : "point-iwcnn");
  g.set_attribute("layers", s.layers);
  g.set_attribute("width", s.width);
  g.set_attribute("leaky_slope", s.leaky_slope);
  if (name == "weakly-convex") {
    g.set_attribute("smooth_layers", s.smooth_layers);
    g.set_attribute("smooth_width", s.smooth_width);
  }
  std::int64_t count = 0;
  for (const auto& p : critic.parameters()) count += p.numel();
  g.set_attribute("parameter_count", count);
}

std::shared_ptr<Regulariser> load_critic(const h5::Group& models, const Settings& s, const std::string& name,
                                         torch::Dtype dtype) {
  auto critic = make_critic(s, name, 0, dtype);
  nn::load_module(models.open_group(name), *critic);
  return critic;
}

}  // namespace structura::pipeline::regulariser_toy
