#include "experiments/lielac_pde/model.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "nn/h5_tensors.hpp"

namespace structura::pipeline::lielac_pde {

namespace {

neural_operators::Fno1dOptions options_of(const Settings& s) {
  neural_operators::Fno1dOptions o;
  o.points = s.data.pde.model_points();
  o.modes = s.model.modes;
  o.width = s.model.width;
  o.layers = s.model.layers;
  o.projection = s.model.projection;
  o.grid = s.model.grid;
  return o;
}

torch::Tensor read_checked(const h5::File& file, const std::string& path, std::int64_t rows, std::int64_t columns) {
  if (!file.exists(path))
    throw InputError(fmt::format("{}: {} is missing (rerun the data stage)", file.path(), path));
  const h5::Dataset d = file.open_dataset(path);
  const h5::Dims want{static_cast<hsize_t>(rows), static_cast<hsize_t>(columns)};
  if (d.dims() != want)
    throw InputError(fmt::format("{}: {} has another shape than the settings describe ({} x {})", file.path(), path,
                                 rows, columns));
  std::vector<double> values = d.read_all<double>();
  return torch::from_blob(values.data(), {rows, columns}, torch::kFloat64).clone();
}

}  // namespace

neural_operators::Fno1d make_model(const Settings& s, std::uint64_t seed, torch::Dtype dtype) {
  torch::manual_seed(seed);
  neural_operators::Fno1d model(options_of(s), "model");
  model->to(dtype);
  return model;
}

void save_model(h5::Group& models, const std::string& variant, const Settings& s, neural_operators::Fno1d& model) {
  if (models.exists(variant)) models.remove(variant);
  h5::Group g = models.require_group(variant);
  nn::save_module(g, *model);
  g.set_attribute("model", "fno1d");
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

neural_operators::Fno1d load_model(const h5::Group& models, const std::string& variant, const Settings& s,
                                   torch::Dtype dtype) {
  auto model = make_model(s, 0, dtype);
  nn::load_module(models.open_group(variant), *model);
  return model;
}

Pairs read_pairs(const h5::File& file, const std::string& split, std::int64_t count, std::int64_t points) {
  return {read_checked(file, "/data/" + split + "/u0", count, points),
          read_checked(file, "/data/" + split + "/uT", count, points)};
}

torch::Tensor read_transforms(const h5::File& file, const std::string& split, std::int64_t count) {
  return read_checked(file, "/data/" + split + "/transform", count, 3);
}

std::vector<double> row(const torch::Tensor& t, std::int64_t i) {
  const torch::Tensor r = t[i].to(torch::kFloat64).contiguous();
  return {r.data_ptr<double>(), r.data_ptr<double>() + r.numel()};
}

torch::Tensor rows_to_tensor(const std::vector<std::vector<double>>& rows) {
  const auto n = static_cast<std::int64_t>(rows.size());
  const auto p = n > 0 ? static_cast<std::int64_t>(rows.front().size()) : 0;
  torch::Tensor t = torch::empty({n, p}, torch::kFloat64);
  for (std::int64_t i = 0; i < n; ++i)
    std::copy(rows[static_cast<std::size_t>(i)].begin(), rows[static_cast<std::size_t>(i)].end(),
              t[i].data_ptr<double>());
  return t;
}

}  // namespace structura::pipeline::lielac_pde
