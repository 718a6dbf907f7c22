#include "nn/settings.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "core/error.hpp"

namespace structura::nn {

const std::vector<std::string>& optimizer_kind_names() {
  static const std::vector<std::string> names = {"adam", "adamw", "rmsprop", "sgd"};
  return names;
}

OptimizerKind parse_optimizer_kind(const std::string& name, const std::string& where) {
  if (name == "adam") return OptimizerKind::Adam;
  if (name == "adamw") return OptimizerKind::AdamW;
  if (name == "rmsprop") return OptimizerKind::RMSprop;
  if (name == "sgd") return OptimizerKind::Sgd;
  throw InputError(
      fmt::format("{}: unknown optimizer '{}'; expected one of {}", where, name, fmt::join(optimizer_kind_names(), ", ")));
}

std::string_view optimizer_kind_name(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::Adam: return "adam";
    case OptimizerKind::AdamW: return "adamw";
    case OptimizerKind::RMSprop: return "rmsprop";
    case OptimizerKind::Sgd: return "sgd";
  }
  return "?";
}

namespace {

void check(bool ok, const std::string& where, const char* key, const char* expected, double found) {
  if (!ok) throw InputError(fmt::format("{}.{}: expected {}, got {}", where, key, expected, found));
}

}  // namespace

void OptimizerOptions::validate(const std::string& where) const {
  check(learning_rate > 0 && std::isfinite(learning_rate), where, "learning_rate", "a positive number",
        learning_rate);
  check(weight_decay >= 0 && std::isfinite(weight_decay), where, "weight_decay", "a finite number >= 0",
        weight_decay);
  switch (kind) {
    case OptimizerKind::Adam:
    case OptimizerKind::AdamW:
      check(beta1 >= 0 && beta1 < 1, where, "betas", "beta1 in [0, 1)", beta1);
      check(beta2 >= 0 && beta2 < 1, where, "betas", "beta2 in [0, 1)", beta2);
      check(eps > 0 && std::isfinite(eps), where, "eps", "a positive number", eps);
      break;
    case OptimizerKind::RMSprop:
      check(alpha >= 0 && alpha < 1, where, "alpha", "a smoothing constant in [0, 1)", alpha);
      check(eps > 0 && std::isfinite(eps), where, "eps", "a positive number", eps);
      check(momentum >= 0 && std::isfinite(momentum), where, "momentum", "a finite number >= 0", momentum);
      break;
    case OptimizerKind::Sgd:
      check(momentum >= 0 && std::isfinite(momentum), where, "momentum", "a finite number >= 0", momentum);
      check(dampening >= 0 && dampening <= 1, where, "dampening", "a factor in [0, 1]", dampening);
      // PyTorch's rule: Nesterov momentum needs a momentum and no dampening.
      if (nesterov && (momentum <= 0 || dampening != 0))
        throw InputError(fmt::format("{}.nesterov: needs {}.momentum > 0 and {}.dampening = 0 (got momentum {}, "
                                     "dampening {})",
                                     where, where, where, momentum, dampening));
      break;
  }
}

void TrainingOptions::validate() const {
  auto fail = [&](const std::string& what) { throw InputError(fmt::format("{}: {}", name, what)); };
  if (steps < 1) fail(fmt::format("steps must be at least 1, got {}", steps));
  if (validate_every < 1) fail(fmt::format("validate_every must be at least 1, got {}", validate_every));
  if (!(selection_fraction > 0 && selection_fraction <= 1))
    fail(fmt::format("selection_fraction must be in (0, 1], got {}", selection_fraction));
  if (!(divergence_factor == 0 || divergence_factor > 1))
    fail(fmt::format("divergence_factor must be > 1 (0: off), got {}", divergence_factor));
}

void validate(const UpdateOptions& u, const TrainingOptions& loop, const std::string& module) {
  auto fail = [&](const std::string& what) { throw InputError(fmt::format("{}: {}: {}", loop.name, module, what)); };
  if (!(u.clip_gradient_norm >= 0 && std::isfinite(u.clip_gradient_norm)))
    fail(fmt::format("clip_gradient_norm must be >= 0 (0: off), got {}", u.clip_gradient_norm));
  if (!(u.ema_decay >= 0 && u.ema_decay < 1))
    fail(fmt::format("ema_decay must be in [0, 1) (0: off), got {}", u.ema_decay));
  if (u.updates_per_step < 1) fail(fmt::format("updates_per_step must be at least 1, got {}", u.updates_per_step));
  // A schedule made for another length would stretch or freeze the rates.
  if (u.schedule && u.schedule->kind() != LearningRateSchedule::Kind::Constant && u.schedule->epochs() != loop.steps)
    fail(fmt::format("the learning-rate schedule is set up for {} steps, the training runs {}", u.schedule->epochs(),
                     loop.steps));
}

}  // namespace structura::nn
