#include "experiments/lielac_allen_cahn/model.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "nn/h5_tensors.hpp"

namespace structura::pipeline::lielac_allen_cahn {

namespace {

neural_operators::Fno2dOptions options_of(const Settings& s) {
  neural_operators::Fno2dOptions o;
  o.points_x = o.points_y = s.data.pde.model_points();
  o.modes_x = o.modes_y = s.model.modes;
  o.width = s.model.width;
  o.layers = s.model.layers;
  o.projection = s.model.projection;
  o.grid = s.model.grid;
  return o;
}

torch::Tensor read_checked(const h5::File& file, const std::string& path, const std::vector<std::int64_t>& shape) {
  if (!file.exists(path)) throw InputError(fmt::format("{}: {} is missing (rerun the data stage)", file.path(), path));
  const h5::Dataset d = file.open_dataset(path);
  h5::Dims want;
  for (std::int64_t n : shape) want.push_back(static_cast<hsize_t>(n));
  if (d.dims() != want)
    throw InputError(fmt::format("{}: {} has another shape than the settings describe", file.path(), path));
  std::vector<double> values = d.read_all<double>();
  return torch::from_blob(values.data(), shape, torch::kFloat64).clone();
}

}  // namespace

neural_operators::Fno2d make_model(const Settings& s, std::uint64_t seed, torch::Dtype dtype) {
  torch::manual_seed(seed);
  neural_operators::Fno2d model(options_of(s), "model");
  model->to(dtype);
  return model;
}

void save_model(h5::File& file, const Settings& s, neural_operators::Fno2d& model) {
  if (file.exists("/model")) file.remove("/model");
  h5::Group g = file.require_group("/model");
  nn::save_module(g, *model);
  g.set_attribute("model", "fno2d");
  g.set_attribute("points", s.data.pde.model_points());
  g.set_attribute("modes", s.model.modes);
  g.set_attribute("width", s.model.width);
  g.set_attribute("layers", s.model.layers);
  g.set_attribute("projection", s.model.projection);
  g.set_attribute("grid", std::int64_t{s.model.grid ? 1 : 0});
  std::int64_t count = 0;
  for (const auto& p : model->parameters()) count += p.numel();
  g.set_attribute("parameter_count", count);
}

neural_operators::Fno2d load_model(const h5::File& file, const Settings& s, torch::Dtype dtype) {
  auto model = make_model(s, 0, dtype);
  nn::load_module(file.open_group("/model"), *model);
  return model;
}

Pairs read_pairs(const h5::File& file, const std::string& split, std::int64_t count, std::int64_t points) {
  return {read_checked(file, "/data/" + split + "/u0", {count, points, points}),
          read_checked(file, "/data/" + split + "/uT", {count, points, points})};
}

torch::Tensor read_table(const h5::File& file, const std::string& path, std::int64_t count, std::int64_t columns) {
  return read_checked(file, path, {count, columns});
}

std::vector<double> field(const torch::Tensor& t, std::int64_t i) {
  const torch::Tensor r = t[i].to(torch::kFloat64).contiguous();
  return {r.data_ptr<double>(), r.data_ptr<double>() + r.numel()};
}

torch::Tensor fields_to_tensor(const std::vector<std::vector<double>>& fields, std::int64_t points) {
  const auto n = static_cast<std::int64_t>(fields.size());
  torch::Tensor t = torch::empty({n, points, points}, torch::kFloat64);
  for (std::int64_t i = 0; i < n; ++i)
    std::copy(fields[static_cast<std::size_t>(i)].begin(), fields[static_cast<std::size_t>(i)].end(),
              t[i].data_ptr<double>());
  return t;
}

}  // namespace structura::pipeline::lielac_allen_cahn
