#include "nn/schedule.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.hpp"

namespace structura::nn {

namespace {

void check(bool ok, const std::string& where, const char* key, const std::string& expected, double found) {
  if (!ok) throw InputError(fmt::format("{}.{}: expected {}, got {}", where, key, expected, found));
}

// Cosine interpolation from `from` (pct = 0) to `to` (pct = 1), as OneCycleLR's "cos".
double cosine_anneal(double from, double to, double pct) {
  return to + (from - to) / 2.0 * (std::cos(std::numbers::pi * pct) + 1.0);
}

}  // namespace

LearningRateSchedule LearningRateSchedule::parse(const std::string& name, const ScheduleParameters& p,
                                                 std::int64_t epochs, const std::string& where) {
  check(p.learning_rate > 0 && std::isfinite(p.learning_rate), where, "learning_rate", "a positive number",
        p.learning_rate);
  check(epochs >= 1, where, "epochs", "at least 1", static_cast<double>(epochs));
  if (name == "constant") return {Kind::Constant, p, epochs};
  if (name == "step") {
    check(p.gamma > 0 && p.gamma <= 1, where, "gamma", "a factor in (0, 1]", p.gamma);
    check(p.step_every >= 1, where, "step_every", "at least 1 epoch", static_cast<double>(p.step_every));
    return {Kind::Step, p, epochs};
  }
  if (name == "exponential") {
    check(p.gamma > 0 && p.gamma <= 1, where, "gamma", "a factor in (0, 1]", p.gamma);
    return {Kind::Exponential, p, epochs};
  }
  if (name == "cosine") {
    check(p.min_learning_rate >= 0 && p.min_learning_rate <= p.learning_rate, where, "min_learning_rate",
          fmt::format("a floor in [0, learning_rate = {}]", p.learning_rate), p.min_learning_rate);
    return {Kind::Cosine, p, epochs};
  }
  if (name == "one-cycle") {
    // OneCycleLR's rising phase ends at step pct_start * epochs - 1, which
    // must lie after step 0 and before the last step.
    check(p.pct_start > 0 && p.pct_start < 1, where, "pct_start", "a fraction in (0, 1)", p.pct_start);
    check(p.pct_start * static_cast<double>(epochs) > 1, where, "pct_start",
          fmt::format("pct_start * epochs > 1 (epochs = {})", epochs), p.pct_start);
    check(p.div_factor >= 1, where, "div_factor", "at least 1", p.div_factor);
    check(p.final_div_factor >= 1, where, "final_div_factor", "at least 1", p.final_div_factor);
    return {Kind::OneCycle, p, epochs};
  }
  if (name == "warmup-cosine") {
    check(p.warmup >= 1 && p.warmup < epochs, where, "warmup", fmt::format("in [1, epochs = {})", epochs),
          static_cast<double>(p.warmup));
    return {Kind::WarmupCosine, p, epochs};
  }
  throw InputError(
      fmt::format("{}: unknown learning-rate schedule '{}'; expected constant, step, exponential, "
                  "cosine, one-cycle or warmup-cosine",
                  where, name));
}

LearningRateSchedule LearningRateSchedule::constant(double learning_rate) {
  ScheduleParameters p;
  p.learning_rate = learning_rate;
  return parse("constant", p, 1, "schedule");
}

double LearningRateSchedule::at(std::int64_t epoch) const {
  const auto e = static_cast<double>(std::clamp<std::int64_t>(epoch, 0, epochs_ - 1));
  const double lr = p_.learning_rate;
  switch (kind_) {
    case Kind::Constant: return lr;
    case Kind::Step: return lr * std::pow(p_.gamma, static_cast<double>(static_cast<std::int64_t>(e) / p_.step_every));
    case Kind::Exponential: return lr * std::pow(p_.gamma, e);
    case Kind::Cosine:
      return p_.min_learning_rate +
             (lr - p_.min_learning_rate) * (1 + std::cos(std::numbers::pi * e / static_cast<double>(epochs_))) / 2;
    case Kind::OneCycle: {
      const double initial = lr / p_.div_factor;
      const double final_lr = initial / p_.final_div_factor;
      const double peak_step = p_.pct_start * static_cast<double>(epochs_) - 1;
      const double last_step = static_cast<double>(epochs_ - 1);
      if (e <= peak_step) return cosine_anneal(initial, lr, e / peak_step);
      return cosine_anneal(lr, final_lr, (e - peak_step) / (last_step - peak_step));
    }
    case Kind::WarmupCosine: {
      // Linear warm-up lr (e + 1) / W over epochs 0 .. W - 1, then cosine
      // decay from lr at epoch W towards 0 at epoch `epochs` (the last epoch
      // keeps a small positive rate, so no step is wasted).
      const double w = static_cast<double>(p_.warmup);
      if (e < w) return lr * (e + 1) / w;
      return cosine_anneal(lr, 0.0, (e - w) / (static_cast<double>(epochs_) - w));
    }
  }
  return lr;
}

}  // namespace structura::nn
