#include "nn/optimizer.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "nn/h5_tensors.hpp"

namespace structura::nn {

namespace {

// libtorch keys an optimizer's per-parameter state by the address of the
// parameter's TensorImpl (torch/optim/adam.cpp and the others).
std::string state_key(const torch::Tensor& p) { return c10::guts::to_string(p.unsafeGetTensorImpl()); }

// A zero tensor shaped as `like`, filled from `name` in `g`.
torch::Tensor read_like(const h5::Group& g, const std::string& name, const torch::Tensor& like) {
  torch::Tensor t = torch::zeros_like(like, torch::MemoryFormat::Contiguous).detach();
  read_tensor(g, name, t);
  return t;
}

void write_if_defined(h5::Group& g, const std::string& name, const torch::Tensor& t) {
  if (t.defined()) write_tensor(g, name, t);
}

// Adam and AdamW keep the same state under different classes.
template <typename State>
void save_adam_like(h5::Group& g, const State& s) {
  g.set_attribute("step", static_cast<std::int64_t>(s.step()));
  write_tensor(g, "exp_avg", s.exp_avg());
  write_tensor(g, "exp_avg_sq", s.exp_avg_sq());
  write_if_defined(g, "max_exp_avg_sq", s.max_exp_avg_sq());
}

template <typename State>
std::unique_ptr<State> load_adam_like(const h5::Group& g, const torch::Tensor& p) {
  auto s = std::make_unique<State>();
  s->step(g.int_attribute("step"));
  s->exp_avg(read_like(g, "exp_avg", p));
  s->exp_avg_sq(read_like(g, "exp_avg_sq", p));
  if (g.exists("max_exp_avg_sq")) s->max_exp_avg_sq(read_like(g, "max_exp_avg_sq", p));
  return s;
}

void save_state(h5::Group& g, OptimizerKind kind, const torch::optim::OptimizerParamState& state) {
  switch (kind) {
    case OptimizerKind::Adam: save_adam_like(g, static_cast<const torch::optim::AdamParamState&>(state)); return;
    case OptimizerKind::AdamW: save_adam_like(g, static_cast<const torch::optim::AdamWParamState&>(state)); return;
    case OptimizerKind::RMSprop: {
      const auto& s = static_cast<const torch::optim::RMSpropParamState&>(state);
      g.set_attribute("step", static_cast<std::int64_t>(s.step()));
      write_tensor(g, "square_avg", s.square_avg());
      write_if_defined(g, "momentum_buffer", s.momentum_buffer());
      write_if_defined(g, "grad_avg", s.grad_avg());
      return;
    }
    case OptimizerKind::Sgd:
      write_if_defined(g, "momentum_buffer", static_cast<const torch::optim::SGDParamState&>(state).momentum_buffer());
      return;
  }
}

std::unique_ptr<torch::optim::OptimizerParamState> load_state(const h5::Group& g, OptimizerKind kind,
                                                              const torch::Tensor& p) {
  switch (kind) {
    case OptimizerKind::Adam: return load_adam_like<torch::optim::AdamParamState>(g, p);
    case OptimizerKind::AdamW: return load_adam_like<torch::optim::AdamWParamState>(g, p);
    case OptimizerKind::RMSprop: {
      auto s = std::make_unique<torch::optim::RMSpropParamState>();
      s->step(g.int_attribute("step"));
      s->square_avg(read_like(g, "square_avg", p));
      if (g.exists("momentum_buffer")) s->momentum_buffer(read_like(g, "momentum_buffer", p));
      if (g.exists("grad_avg")) s->grad_avg(read_like(g, "grad_avg", p));
      return s;
    }
    case OptimizerKind::Sgd: {
      auto s = std::make_unique<torch::optim::SGDParamState>();
      s->momentum_buffer(read_like(g, "momentum_buffer", p));
      return s;
    }
  }
  return nullptr;
}

}  // namespace

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const std::vector<torch::Tensor>& parameters,
                                                        const OptimizerOptions& o, const std::string& where) {
  o.validate(where);
  switch (o.kind) {
    case OptimizerKind::Adam:
      return std::make_unique<torch::optim::Adam>(parameters, torch::optim::AdamOptions(o.learning_rate)
                                                                  .betas({o.beta1, o.beta2})
                                                                  .eps(o.eps)
                                                                  .weight_decay(o.weight_decay)
                                                                  .amsgrad(o.amsgrad));
    case OptimizerKind::AdamW:
      return std::make_unique<torch::optim::AdamW>(parameters, torch::optim::AdamWOptions(o.learning_rate)
                                                                   .betas({o.beta1, o.beta2})
                                                                   .eps(o.eps)
                                                                   .weight_decay(o.weight_decay)
                                                                   .amsgrad(o.amsgrad));
    case OptimizerKind::RMSprop:
      return std::make_unique<torch::optim::RMSprop>(parameters, torch::optim::RMSpropOptions(o.learning_rate)
                                                                     .alpha(o.alpha)
                                                                     .eps(o.eps)
                                                                     .weight_decay(o.weight_decay)
                                                                     .momentum(o.momentum)
                                                                     .centered(o.centered));
    case OptimizerKind::Sgd:
      return std::make_unique<torch::optim::SGD>(parameters, torch::optim::SGDOptions(o.learning_rate)
                                                                 .momentum(o.momentum)
                                                                 .dampening(o.dampening)
                                                                 .weight_decay(o.weight_decay)
                                                                 .nesterov(o.nesterov));
  }
  throw Error("make_optimizer: unknown optimizer kind");
}

OptimizerKind optimizer_kind(const torch::optim::Optimizer& optimizer) {
  // AdamW does not derive from Adam in libtorch, so the casts do not overlap.
  if (dynamic_cast<const torch::optim::Adam*>(&optimizer) != nullptr) return OptimizerKind::Adam;
  if (dynamic_cast<const torch::optim::AdamW*>(&optimizer) != nullptr) return OptimizerKind::AdamW;
  if (dynamic_cast<const torch::optim::RMSprop*>(&optimizer) != nullptr) return OptimizerKind::RMSprop;
  if (dynamic_cast<const torch::optim::SGD*>(&optimizer) != nullptr) return OptimizerKind::Sgd;
  throw Error("optimizer state: only Adam, AdamW, RMSprop and SGD are supported");
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double learning_rate) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(learning_rate);
}

void save_optimizer_state(h5::Group& group, const torch::nn::Module& module,
                          const torch::optim::Optimizer& optimizer) {
  const OptimizerKind kind = optimizer_kind(optimizer);
  h5::Group opt = group.require_group("optimizer");
  opt.set_attribute("type", std::string(optimizer_kind_name(kind)));
  const auto& state = optimizer.state();
  for (const auto& item : module.named_parameters()) {
    auto it = state.find(state_key(item.value()));
    if (it == state.end()) continue;  // not stepped yet, or a kind without state
    h5::Group g = opt.require_group(item.key());
    save_state(g, kind, *it->second);
  }
}

void load_optimizer_state(const h5::Group& group, const torch::nn::Module& module,
                          torch::optim::Optimizer& optimizer) {
  const OptimizerKind kind = optimizer_kind(optimizer);
  const h5::Group opt = group.open_group("optimizer");
  const std::string saved = opt.string_attribute("type");
  if (saved != optimizer_kind_name(kind))
    throw InputError(fmt::format("optimizer state: the checkpoint holds {} state, the training uses {}; start afresh",
                                 saved, optimizer_kind_name(kind)));
  auto& state = optimizer.state();
  state.clear();
  for (const auto& item : module.named_parameters()) {
    if (!opt.exists(item.key())) continue;
    state[state_key(item.value())] = load_state(opt.open_group(item.key()), kind, item.value());
  }
}

}  // namespace structura::nn
