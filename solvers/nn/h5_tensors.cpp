#include "nn/h5_tensors.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace structura::nn {

void write_tensor(h5::Group& g, const std::string& name, const torch::Tensor& t) {
  torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
  h5::Dims dims;
  for (auto s : c.sizes()) dims.push_back(static_cast<hsize_t>(s));
  if (dims.empty()) dims.push_back(1);  // a 0-d tensor is stored as [1]
  if (c.scalar_type() == torch::kFloat64) {
    g.write_dataset(name, std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel()), dims);
  } else if (c.scalar_type() == torch::kFloat32) {
    g.write_dataset(name, std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel()), dims);
  } else {
    throw InputError(fmt::format("saving tensor '{}': dtype {} is not float32 or float64", name,
                                 c10::toString(c.scalar_type())));
  }
}

void read_tensor(const h5::Group& g, const std::string& name, torch::Tensor target) {
  if (!g.exists(name)) throw InputError(fmt::format("model file: tensor '{}' is missing", name));
  const h5::Dataset d = g.open_dataset(name);
  std::int64_t n = 1;
  for (auto x : d.dims()) n *= static_cast<std::int64_t>(x);
  if (n != target.numel())
    throw InputError(fmt::format("model file: tensor '{}' has {} elements, the model expects {} ({})", name, n,
                                 target.numel(), c10::str(target.sizes())));
  std::vector<double> values = d.read_all<double>();
  torch::Tensor src = torch::from_blob(values.data(), {n}, torch::kFloat64).clone();
  torch::NoGradGuard no_grad;
  target.copy_(src.view(target.sizes()).to(target.options()));
}


void save_module(h5::Group& group, const torch::nn::Module& module) {
  h5::Group params = group.require_group("parameters");
  for (const auto& item : module.named_parameters()) write_tensor(params, item.key(), item.value());
  h5::Group buffers = group.require_group("buffers");
  for (const auto& item : module.named_buffers()) write_tensor(buffers, item.key(), item.value());
}

void load_module(const h5::Group& group, torch::nn::Module& module) {
  const h5::Group params = group.open_group("parameters");
  for (auto& item : module.named_parameters()) read_tensor(params, item.key(), item.value());
  if (group.exists("buffers")) {
    const h5::Group buffers = group.open_group("buffers");
    for (auto& item : module.named_buffers()) read_tensor(buffers, item.key(), item.value());
  }
}

}  // namespace structura::nn
