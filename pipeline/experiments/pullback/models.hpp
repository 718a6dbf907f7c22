// The model of one method of `pullback`: the flow φ and ψ trained as one
// module (so nn::TrainingLoop, its EMA and checkpoints see both), and its
// place in result.h5: /models/<method> with parameters flow/..., psi/...
// and the architecture as attributes.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

#include "core/h5.hpp"
#include "experiments/pullback/settings.hpp"
#include "geometry/affine_coupling_flow.hpp"
#include "geometry/diagonal_quadratic.hpp"
#include "geometry/flow_loss.hpp"

namespace structura::pipeline::pullback {

struct PullbackModel : torch::nn::Module {
  PullbackModel(std::int64_t dimension, const geometry::CouplingFlowOptions& flow_options, bool learned_variances);
  std::shared_ptr<geometry::AffineCouplingFlow> flow;
  std::shared_ptr<geometry::DiagonalQuadratic> psi;
};

geometry::CouplingFlowOptions flow_options(const Settings& s);
// The loss of `method`: NLL alone, or with loss.* for the regularised ones.
geometry::FlowLossOptions loss_options(const Settings& s, const std::string& method);

// A fresh model, initialised from `seed`, in `dtype`.
std::shared_ptr<PullbackModel> make_model(const Settings& s, const std::string& method, std::uint64_t seed,
                                          torch::Dtype dtype);
void save_model(h5::Group& models, const Settings& s, const std::string& method, PullbackModel& model);
// InputError naming the tensor when /models/<method> holds another architecture.
std::shared_ptr<PullbackModel> load_model(const h5::Group& models, const Settings& s, const std::string& method,
                                          torch::Dtype dtype);

}  // namespace structura::pipeline::pullback
