// Experiment kind `sympflow`: neural symplectic flow maps (SympFlow) trained
// by Hamiltonian matching, side by side with an unstructured MLP baseline
// and Stormer-Verlet, evaluated against an accurate reference.
//
// Stages:  data (prepare)                   supervised variants only: reference trajectories -> /data/training
//          train/<variant> (train, checkpointed)  -> /models/<variant>, /training/<variant>
//          evaluate (evaluate)              rollouts, errors, Poincare section -> /evaluation, /metrics
#include <algorithm>

#include "experiments/kind.hpp"
#include "experiments/shared/hamiltonian_system.hpp"
#include "experiments/shared/training_params.hpp"
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
  TrainingTableDefaults training;  // the shared [training] table, sympflow's defaults and meanings
  training.epochs = 5000;
  training.epochs_meaning =
      "epochs: one optimizer step on fresh collocation points (unsupervised) or one pass over the data (supervised)";
  training.batch = 700;
  training.batch_meaning = "collocation points per epoch (all ranks together)";
  training.learning_rate = 5e-3;
  training.step_every = 1000;
  training.clip = 1.0;
  training.divergence_factor = 1e8;
  training.validate_every = 10;
  training.selection_fraction = 0.15;
  training.dtype = "float64";
  add_training_params(s, "training", training);
  s.add({"training.t_min", Type::Float, -0.1, "collocation times are uniform in [t_min, t_max]"});
  s.add({"training.t_max", Type::Float, 1.0, "the training interval Delta t; longer times compose Delta t-maps",
         above(0.0)});
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
         "henon-heiles: orbits of the Poincare section q1 = 0, p1 > 0 (0: none)", 0.0, 10000.0});
  s.add({"evaluation.poincare_energy", Type::Float, 0.1, "henon-heiles: energy of the Poincare orbits", above(0.0)});
  s.add({"evaluation.poincare_t_end", Type::Float, 4000.0, "henon-heiles: length of the Poincare orbits", above(0.0)});
  s.add({"evaluation.poincare_resolution", Type::Float, 0.05,
         "time between samples of the Poincare orbits (crossings are interpolated linearly)", above(0.0)});
  s.add({"evaluation.phase_trajectories", Type::Int, std::int64_t{4}, "trajectories plotted in phase space", 0.0,
         1000.0});
  s.add({"evaluation.phase_t_end", Type::Float, 20.0, "length of the phase-space trajectories", above(0.0)});
  s.add({"evaluation.phase_resolution", Type::Float, 0.05, "time between their samples", above(0.0)});
  s.add({"reference.rtol", Type::Float, 1e-12, "dopri5 relative tolerance of the reference", 1e-16, 1.0});
  s.add({"reference.atol", Type::Float, 1e-12, "dopri5 absolute tolerance of the reference", above(0.0), 1.0});
  return s;
}

// Validation is reading the settings: what they refuse, a run refuses.
void check(const Config& c) { read_settings(c); }

bool any_supervised(const Settings& s) {
  return std::any_of(s.variants.begin(), s.variants.end(),
                     [](const std::string& v) { return sympflow::parse_variant(v).supervised; });
}

std::vector<Stage> stages(const Config& c) {
  const Settings s = read_settings(c);
  std::vector<Stage> out;
  if (any_supervised(s)) out.push_back({"data", "prepare", false, stage_body("sympflow", "data")});
  for (const auto& v : s.variants)
    out.push_back({"train/" + v, "train", true, stage_body("sympflow", "train", v)});
  out.push_back({"evaluate", "evaluate", false, stage_body("sympflow", "evaluate")});
  return out;
}

// The supervised data, shared by the runs that agree on the keys they
// depend on (a sweep over training.learning_rate, say, makes them once).
std::vector<DataSet> data_sets(const Config& c) {
  if (!any_supervised(read_settings(c))) return {};
  return {{.name = "training-data", .keys = data_set_keys(), .stages = {"data"}, .groups = {"/data"}, .sidecars = {}}};
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
  k.data_sets = data_sets;
  return k;
}

}  // namespace structura::pipeline::sympflow
