#include "critic_step.hpp"

#include <fmt/format.h>

#include "bench_util.hpp"
#include "core/error.hpp"
#include "nn/optimizer.hpp"
#include "regularisers/acr.hpp"
#include "regularisers/ar_critic.hpp"
#include "regularisers/losses.hpp"

namespace structura::bench {

namespace rg = structura::regularisers;

namespace {

constexpr double kArPenaltyWeight = 20, kAcrPenaltyWeight = 5;

nn::OptimizerOptions rmsprop() {
  nn::OptimizerOptions o;
  o.kind = nn::OptimizerKind::RMSprop;
  o.learning_rate = 1e-4;
  return o;
}

nn::OptimizerOptions acr_adam(double weight_decay) {
  nn::OptimizerOptions o;
  o.kind = nn::OptimizerKind::Adam;
  o.learning_rate = 2e-5;
  o.beta1 = 0.5;
  o.beta2 = 0.99;
  o.weight_decay = weight_decay;
  return o;
}

}  // namespace

CriticModel make_critic_model(const std::string& name, std::int64_t size, torch::Dtype dtype) {
  CriticModel m;
  m.name = name;
  if (name == "ar") {
    rg::ArCriticOptions o;
    o.height = o.width = size;
    m.critic = std::make_shared<rg::ArCritic>(o);
    m.critic->to(dtype);
    m.penalised = m.critic.get();
    m.optimisers.push_back(nn::make_optimizer(m.critic->parameters(), rmsprop()));
  } else if (name == "acr") {
    auto acr = std::make_shared<rg::Acr>(rg::AcrOptions{});
    acr->to(dtype);
    m.critic = acr;
    m.penalised = &acr->icnn();
    m.optimisers.push_back(nn::make_optimizer(acr->icnn_parameters(), acr_adam(0)));
    m.optimisers.push_back(nn::make_optimizer(acr->other_parameters(), acr_adam(1.0)));
  } else {
    throw InputError(fmt::format("--model {}: expected ar or acr", name));
  }
  return m;
}

StepLoss critic_step(CriticModel& m, const torch::Tensor& truth, const torch::Tensor& generated,
                     const torch::Tensor& epsilon, bool update, StepPhases* phases) {
  const double t0 = now_seconds();
  for (auto& o : m.optimisers) o->zero_grad();
  const bool ar = m.name == "ar";
  const rg::CriticLossTerms terms =
      rg::critic_loss(*m.critic, *m.penalised, truth, generated, epsilon,
                      ar ? rg::GradientPenalty::OneSided : rg::GradientPenalty::TwoSided,
                      ar ? kArPenaltyWeight : kAcrPenaltyWeight);
  const double n = static_cast<double>(truth.size(0));
  const torch::Tensor loss = terms.total / n;
  const double t1 = now_seconds();
  loss.backward();
  const double t2 = now_seconds();
  if (update) {
    for (auto& o : m.optimisers) o->step();
    m.critic->project_weights();
  }
  if (phases) {
    phases->loss += t1 - t0;
    phases->backward += t2 - t1;
    phases->update += now_seconds() - t2;
  }
  return {loss.item<double>(), terms.wasserstein / n, terms.penalty / n};
}

}  // namespace structura::bench
