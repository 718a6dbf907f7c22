// Experiment kind `regulariser.toy`: the 2-D toy of the AWCR paper
// (Shumaylov et al., arXiv 2402.01052, figure 1). Points on a curve in the
// plane against noisy copies of them; convex, plain and weakly convex
// adversarial regularisers (critics) trained to tell them apart, then
// compared on a grid with the true distance to the curve, which an ideal
// critic of this loss is (up to a constant).
//
// Stages:  train/<regulariser> (train, checkpointed)  -> /models/<r>, /training/<r>
//          evaluate (evaluate)                        grid values, distance, checks -> /evaluation, /metrics
#include "experiments/kind.hpp"
#include "experiments/regulariser_toy/settings.hpp"
#include "experiments/regulariser_toy/stages.hpp"
#include "experiments/shared/training_params.hpp"

namespace structura::pipeline::regulariser_toy {

namespace {

Schema make_schema() {
  Schema s;
  add_common_params(s);
  using V = std::vector<std::string>;
  s.add({"data.curve", Type::String, std::string("circle"),
         "the curve the data lie on: circle (radius 1) or spiral (r = 0.2 + 0.5 theta/pi, 1.5 turns)", {}, {},
         V{"circle", "spiral"}});
  s.add({"data.noise", Type::Float, 0.25, "standard deviation of the noisy copies (the critic's 'reconstructions')",
         above(0.0), 10.0});
  s.add({"model.layers", Type::Int, std::int64_t{3}, "hidden layers of every critic (the weakly convex one: of its ICNN)",
         1.0, 64.0});
  s.add({"model.width", Type::Int, std::int64_t{64}, "hidden width", 1.0, 4096.0});
  s.add({"model.smooth_layers", Type::Int, std::int64_t{2}, "weakly-convex: Linear + SiLU layers of the smooth map",
         1.0, 64.0});
  s.add({"model.smooth_width", Type::Int, std::int64_t{64}, "weakly-convex: width of the smooth map", 1.0, 4096.0});
  s.add({"model.leaky_slope", Type::Float, 0.2, "negative slope of the leaky ReLUs", 0.0, 1.0});
  s.add({"training.regularisers", Type::StringList, regulariser_names(),
         "critics to train, side by side: convex (input-convex MLP), plain (unconstrained MLP, as the AR critic), "
         "weakly-convex (ICNN of a smooth map plus a small |x|^2 term)",
         {}, {}, regulariser_names()});
  TrainingTableDefaults training;
  training.epochs = 2000;
  training.epochs_meaning = "epochs: one optimizer step on fresh samples";
  training.batch = 256;
  training.batch_meaning = "points of the curve (and as many noisy copies) per step, all ranks together";
  training.learning_rate = 1e-3;
  training.step_every = 1000;
  training.validate_every = 100;
  training.dtype = "float64";
  add_training_params(s, "training", training);
  s.add({"training.penalty", Type::String, std::string("one-sided"),
         "gradient penalty on random interpolates: one-sided max(|grad R| - 1, 0)^2 (AR) or two-sided (ACR)", {}, {},
         V{"one-sided", "two-sided"}});
  s.add({"training.penalty_weight", Type::Float, 10.0, "weight of the gradient penalty", 0.0, 1e6});
  s.add({"evaluation.resolution", Type::Int, std::int64_t{101}, "grid points per axis of the contour plots", 3.0,
         1001.0});
  s.add({"evaluation.extent", Type::Float, 2.0, "the grid spans [-extent, extent]^2", above(0.0), 100.0});
  s.add({"evaluation.band", Type::Float, 3.0,
         "the band where the noisy samples live: distance to the curve at most band x data.noise", above(0.0), 100.0});
  s.add({"evaluation.convexity_pairs", Type::Int, std::int64_t{2000},
         "nearby pairs of the (weak) convexity check of every critic", 1.0, 1e7});
  return s;
}

// Validation is reading the settings: what they refuse, a run refuses.
void check(const Config& c) { read_settings(c); }

std::vector<Stage> stages(const Config& c) {
  const Settings s = read_settings(c);
  std::vector<Stage> out;
  for (const auto& r : s.regularisers) out.push_back({"train/" + r, "train", true, stage_body("regulariser_toy", "train", r)});
  out.push_back({"evaluate", "evaluate", false, stage_body("regulariser_toy", "evaluate")});
  return out;
}

}  // namespace

ExperimentKind make_kind() {
  ExperimentKind k;
  k.name = "regulariser.toy";
  k.summary = "the AWCR paper's 2-D toy: convex, plain and weakly convex adversarial regularisers against the distance "
              "to a curve";
  k.schema = make_schema();
  k.check = check;
  k.stages = stages;
  k.summary_lines = summary;
  return k;
}

}  // namespace structura::pipeline::regulariser_toy
