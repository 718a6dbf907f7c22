// Experiment kind `sympflow`: neural symplectic flow maps (SympFlow) trained
// by Hamiltonian matching, side by side with an unstructured MLP baseline
// and Stormer-Verlet, evaluated against an accurate reference.
//
// Stages:  data (prepare)                   supervised variants only: reference trajectories -> /data/training
//          train/<variant> (train, checkpointed)  -> /models/<variant>, /training/<variant>
//          evaluate (evaluate)              rollouts, errors, Poincare section -> /evaluation, /metrics
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "experiments/shared/hamiltonian_system.hpp"
#include "experiments/kind.hpp"
#include "experiments/sympflow/settings.hpp"
#include "experiments/sympflow/stages.hpp"

namespace structura::pipeline::sympflow {

namespace {

Schema make_schema() {
  Schema s;
  add_common_params(s);
  using V = std::vector<std::string>;
  add_system_params(s, "harmonic-oscillator");
  s.add({"model.layers", Type::Int, std::int64_t{3}, "SympFlow layers L (each a potential and a kinetic update)", 1.0,
         double(hamiltonian::kMaxLayers)});
  s.add({"model.width", Type::Int, std::int64_t{10}, "width of every MLP's hidden layers", 1.0,
         double(hamiltonian::kMaxWidth)});
  s.add({"model.depth", Type::Int, std::int64_t{2}, "hidden layers per MLP", 1.0, double(hamiltonian::kMaxDepth)});
  s.add({"model.activation", Type::String, std::string("tanh"), "activation of the MLPs", {}, {},
         V{"tanh", "sin", "swish"}});
  s.add({"model.order", Type::String, std::string("potential-first"),
         "order of the two updates in a layer (potential-first: p, then q, as the reference code)", {}, {},
         V{"potential-first", "kinetic-first"}});
  s.add({"baseline.width", Type::Int, std::int64_t{24}, "baseline N = x + tanh(t) MLP(x, t): hidden width", 1.0});
  s.add({"baseline.depth", Type::Int, std::int64_t{2}, "baseline: hidden layers", 1.0});
  s.add({"training.variants", Type::StringList, V{"residual+matching", "mixed", "baseline"},
         "what to train, side by side: residual, residual+matching, matching, mixed (matching, then residual), "
         "baseline (MLP with energy penalty), supervised, supervised-baseline (on trajectory data)",
         {}, {}, sympflow::variant_names()});
  s.add({"training.epochs", Type::Int, std::int64_t{5000},
         "epochs: one Adam step on fresh collocation points (unsupervised) or one pass over the data (supervised)",
         1.0});
  s.add({"training.batch", Type::Int, std::int64_t{700}, "collocation points per epoch (all ranks together)", 1.0});
  s.add({"training.learning_rate", Type::Float, 5e-3, "Adam learning rate (the peak for one-cycle)", 0.0});
  s.add({"training.schedule", Type::String, std::string("constant"), "learning-rate schedule", {}, {},
         V{"constant", "step", "exponential", "cosine", "one-cycle"}});
  s.add({"training.gamma", Type::Float, 0.1, "step: factor every training.step_every epochs; exponential: per epoch",
         0.0});
  s.add({"training.step_every", Type::Int, std::int64_t{1000}, "step schedule: epochs between decays", 1.0});
  s.add({"training.min_learning_rate", Type::Float, 0.0, "cosine schedule: the floor", 0.0});
  s.add({"training.pct_start", Type::Float, 0.3, "one-cycle: fraction of the training spent rising", 0.0, 1.0});
  s.add({"training.clip", Type::Float, 1.0, "largest global gradient norm (0: no clipping)", 0.0});
  s.add({"training.divergence_factor", Type::Float, 1e8,
         "stop when the loss exceeds this multiple of the smallest loss so far (0: never)", 0.0});
  s.add({"training.t_min", Type::Float, -0.1, "collocation times are uniform in [t_min, t_max]"});
  s.add({"training.t_max", Type::Float, 1.0, "the training interval Delta t; longer times compose Delta t-maps",
         1e-300});
  s.add({"training.q_min", Type::Float, -1.2, "box of initial conditions and collocation points: lower q"});
  s.add({"training.q_max", Type::Float, 1.2, "box: upper q"});
  s.add({"training.p_min", Type::Float, -1.2, "box: lower p"});
  s.add({"training.p_max", Type::Float, 1.2, "box: upper p"});
  s.add({"training.mixed_switch", Type::Float, 0.5,
         "mixed: fraction of the epochs trained on matching before fine-tuning on the residual", 0.0, 1.0});
  s.add({"training.matching_weight", Type::Float, 1.0, "residual+matching: weight of the matching term", 0.0});
  s.add({"training.energy_weight", Type::Float, 1.0, "baseline: weight of the energy-conservation penalty", 0.0});
  s.add({"training.validation_points", Type::Int, std::int64_t{1000},
         "fixed held-out points for model selection (residual; data loss when supervised)", 1.0});
  s.add({"training.validate_every", Type::Int, std::int64_t{10}, "epochs between validations", 1.0});
  s.add({"training.selection_fraction", Type::Float, 0.15,
         "the best validated model of the last fraction of epochs is kept (1: all epochs)", 0.0, 1.0});
  s.add({"training.device", Type::String, std::string("cpu"), "cpu, cuda or cuda:N (libtorch)", {}, {}, {}, false});
  s.add({"training.dtype", Type::String, std::string("float64"), "float32 or float64", {}, {},
         V{"float32", "float64"}});
  s.add({"training.threads", Type::Int, std::int64_t{1}, "libtorch threads per rank", 1.0, {}, {}, false});
  s.add({"data.trajectories", Type::Int, std::int64_t{100}, "supervised: initial conditions of the training data",
         1.0});
  s.add({"data.times", Type::Int, std::int64_t{50}, "supervised: times per trajectory, t_m = m t_max / M", 1.0});
  s.add({"data.validation_trajectories", Type::Int, std::int64_t{20}, "supervised: held-out trajectories", 1.0});
  s.add({"data.noise", Type::Float, 0.0, "supervised: standard deviation of Gaussian noise added to the states",
         0.0});
  s.add({"data.batch", Type::Int, std::int64_t{512}, "supervised: minibatch (all ranks together)", 1.0});
  s.add({"evaluation.trajectories", Type::Int, std::int64_t{500}, "held-out initial conditions", 1.0});
  s.add({"evaluation.max_energy", Type::Float, 0.0,
         "held-out initial conditions are drawn in the training box with H below this (0: no bound, except "
         "henon-heiles, where 0 means below the escape energy 1/(6 lambda^2); henon-heiles points are also "
         "kept inside the potential well, where such orbits are bounded)",
         0.0});
  s.add({"evaluation.times", Type::FloatList, std::vector<double>{1.0, 10.0, 100.0},
         "times at which errors are reported (whole multiples of training.t_max)"});
  s.add({"evaluation.verlet_dt", Type::Float, 0.0,
         "step of the classical integrator (Stormer-Verlet; implicit midpoint for a non-separable H); 0: equal cost to "
         "one SympFlow map, counted in floating-point operations",
         0.0});
  s.add({"evaluation.poincare_orbits", Type::Int, std::int64_t{10},
         "henon-heiles: orbits of the Poincare section q1 = 0, p1 > 0 (0: none)", 0.0});
  s.add({"evaluation.poincare_energy", Type::Float, 0.1, "henon-heiles: energy of the Poincare orbits", 1e-300});
  s.add({"evaluation.poincare_t_end", Type::Float, 4000.0, "henon-heiles: length of the Poincare orbits", 1e-300});
  s.add({"evaluation.poincare_resolution", Type::Float, 0.05,
         "time between samples of the Poincare orbits (crossings are interpolated linearly)", 1e-300});
  s.add({"evaluation.phase_trajectories", Type::Int, std::int64_t{4}, "trajectories plotted in phase space", 0.0});
  s.add({"evaluation.phase_t_end", Type::Float, 20.0, "length of the phase-space trajectories", 1e-300});
  s.add({"evaluation.phase_resolution", Type::Float, 0.05, "time between their samples", 1e-300});
  s.add({"reference.rtol", Type::Float, 1e-12, "dopri5 relative tolerance of the reference", 1e-16, 1.0});
  s.add({"reference.atol", Type::Float, 1e-12, "dopri5 absolute tolerance of the reference", 1e-300, 1.0});
  return s;
}

bool is_whole_multiple(double t, double step) {
  const double k = std::round(t / step);
  return k >= 1 && std::fabs(k * step - t) <= 1e-9 * t;
}

void check(const Config& c) {
  check_system_params(c);
  const std::string system = c.get_string("system.name");
  const auto variants = c.get_strings("training.variants");
  if (variants.empty()) c.fail("training.variants", "needs at least one variant");
  for (std::size_t i = 0; i < variants.size(); ++i)
    for (std::size_t j = i + 1; j < variants.size(); ++j)
      if (variants[i] == variants[j]) c.fail("training.variants", fmt::format("lists \"{}\" twice", variants[i]));
  if (c.get_float("training.q_min") >= c.get_float("training.q_max"))
    c.fail("training.q_max", "must be larger than training.q_min");
  if (c.get_float("training.p_min") >= c.get_float("training.p_max"))
    c.fail("training.p_max", "must be larger than training.p_min");
  if (c.get_float("training.t_min") >= c.get_float("training.t_max"))
    c.fail("training.t_max", "must be larger than training.t_min");
  const double dt = c.get_float("training.t_max");
  const auto times = c.get_floats("evaluation.times");
  if (times.empty()) c.fail("evaluation.times", "needs at least one time");
  for (double t : times)
    if (!is_whole_multiple(t, dt))
      c.fail("evaluation.times", fmt::format("{} is not a whole multiple of training.t_max = {}", t, dt));
  if (!std::is_sorted(times.begin(), times.end()) || std::adjacent_find(times.begin(), times.end()) != times.end())
    c.fail("evaluation.times", "must be increasing");
  const double verlet = c.get_float("evaluation.verlet_dt");
  if (verlet > 0 && !is_whole_multiple(dt, verlet))
    c.fail("evaluation.verlet_dt", fmt::format("must divide training.t_max = {}", dt));
}

std::vector<Stage> stages(const Config& c) {
  std::vector<Stage> out;
  const auto variants = c.get_strings("training.variants");
  const bool supervised = std::any_of(variants.begin(), variants.end(),
                                      [](const std::string& v) { return sympflow::parse_variant(v).supervised; });
  if (supervised) out.push_back({"data", "prepare", false, stage_body("sympflow", "data")});
  for (const auto& v : variants)
    out.push_back({"train/" + v, "train", true, stage_body("sympflow", "train", v)});
  out.push_back({"evaluate", "evaluate", false, stage_body("sympflow", "evaluate")});
  return out;
}

}  // namespace

ExperimentKind make_kind() {
  ExperimentKind k;
  k.name = "sympflow";
  k.summary = "neural symplectic flow maps (SympFlow) trained by Hamiltonian matching, against an MLP and Verlet";
  k.schema = make_schema();
  k.check = check;
  k.stages = stages;
  k.summary_lines = sympflow::summary;
  return k;
}

}  // namespace structura::pipeline::sympflow
