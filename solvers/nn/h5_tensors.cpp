#include "nn/h5_tensors.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace structura::nn {

namespace {

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

// Reads `name` into `target` (same shape), converting to its dtype.
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

std::string state_key(const torch::Tensor& p) { return c10::guts::to_string(p.unsafeGetTensorImpl()); }

}  // namespace

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

void save_adam(h5::Group& group, const torch::nn::Module& module, torch::optim::Adam& optimizer) {
  h5::Group opt = group.require_group("optimizer");
  opt.set_attribute("type", "adam");
  auto& state = optimizer.state();
  for (const auto& item : module.named_parameters()) {
    auto it = state.find(state_key(item.value()));
    if (it == state.end()) continue;  // not stepped yet
    const auto& s = static_cast<const torch::optim::AdamParamState&>(*it->second);
    h5::Group g = opt.require_group(item.key());
    g.set_attribute("step", static_cast<std::int64_t>(s.step()));
    write_tensor(g, "exp_avg", s.exp_avg());
    write_tensor(g, "exp_avg_sq", s.exp_avg_sq());
    if (s.max_exp_avg_sq().defined()) write_tensor(g, "max_exp_avg_sq", s.max_exp_avg_sq());
  }
}

void load_adam(const h5::Group& group, const torch::nn::Module& module, torch::optim::Adam& optimizer) {
  const h5::Group opt = group.open_group("optimizer");
  auto& state = optimizer.state();
  for (const auto& item : module.named_parameters()) {
    if (!opt.exists(item.key())) continue;
    const h5::Group g = opt.open_group(item.key());
    auto s = std::make_unique<torch::optim::AdamParamState>();
    s->step(g.int_attribute("step"));
    torch::Tensor m = torch::zeros_like(item.value()), v = torch::zeros_like(item.value());
    read_tensor(g, "exp_avg", m);
    read_tensor(g, "exp_avg_sq", v);
    s->exp_avg(m);
    s->exp_avg_sq(v);
    if (g.exists("max_exp_avg_sq")) {
      torch::Tensor mx = torch::zeros_like(item.value());
      read_tensor(g, "max_exp_avg_sq", mx);
      s->max_exp_avg_sq(mx);
    }
    state[state_key(item.value())] = std::move(s);
  }
}

}  // namespace structura::nn
