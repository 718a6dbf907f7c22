#include "experiments/lielac_images/model.hpp"

#include "nn/h5_tensors.hpp"

namespace structura::pipeline::lielac_images {

using canonicalisation::images::SmallCnn;

SmallCnn make_model(const Settings& s, std::uint64_t seed) {
  torch::manual_seed(seed);
  return SmallCnn(canonicalisation::images::ClassifierOptions{s.channels, s.hidden, 10});
}

void save_model(h5::Group& models, const std::string& variant, const Settings& s, SmallCnn& model) {
  if (models.exists(variant)) models.remove(variant);
  h5::Group g = models.require_group(variant);
  nn::save_module(g, *model);
  g.set_attribute("model", "small-cnn");
  g.set_attribute("channels", s.channels);
  g.set_attribute("hidden", s.hidden);
  std::int64_t count = 0;
  for (const auto& p : model->parameters()) count += p.numel();
  g.set_attribute("parameter_count", count);
}

SmallCnn load_model(const h5::Group& models, const std::string& variant, const Settings& s, torch::Dtype dtype) {
  SmallCnn model = make_model(s, 0);
  model->to(dtype);
  nn::load_module(models.open_group(variant), *model);
  model->eval();
  return model;
}

}  // namespace structura::pipeline::lielac_images
