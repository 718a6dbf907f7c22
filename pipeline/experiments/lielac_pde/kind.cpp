// Experiment kind `lielac.pde`: LieLAC canonicalisation (Shumaylov et al.,
// ICLR 2025) of a neural PDE solver trained on a restricted distribution.
// A Fourier neural operator learns u0 -> u(., T) of 1-D viscous Burgers (or
// heat) from initial conditions of the Gaussian random field; test inputs
// moved out of that distribution by a symmetry of the equation (a Galilean
// boost and a translation for Burgers, an amplitude and a translation for
// heat) defeat it; canonicalising each input back into the distribution,
// predicting there and mapping the prediction back restores the accuracy.
// Baselines: the same model trained with symmetry data augmentation (LPSDA)
// and the plain model fine-tuned on transformed samples.
//
// Stages:  data (prepare; the shared data set "solutions")  -> /data
//          train/<variant> (train, checkpointed)             -> /models/<v>, /training/<v>
//          evaluate (evaluate)                               in and out of distribution -> /evaluation/<v>
//          canonicalise (evaluate)                           LieLAC on the OOD inputs -> /canonicalisation
//          metrics (evaluate)                                -> /metrics
#include <algorithm>

#include "experiments/kind.hpp"
#include "experiments/lielac_pde/settings.hpp"
#include "experiments/lielac_pde/stages.hpp"
#include "experiments/shared/training_params.hpp"

namespace structura::pipeline::lielac_pde {

namespace {

Schema make_schema() {
  Schema s;
  add_common_params(s);
  using V = std::vector<std::string>;
  s.add({"pde.equation", Type::String, std::string("burgers"),
         "burgers (u_t + u u_x = nu u_xx) or heat (u_t = nu u_xx), periodic on [0, 1)", {}, {}, V{"burgers", "heat"}});
  s.add({"pde.nu", Type::Float, 0.01, "viscosity / diffusivity (the physics-informed DeepONet's 0.01)", above(0.0), 10.0});
  s.add({"pde.points", Type::Int, std::int64_t{128}, "grid points of the PETSc solves", 16.0, 65536.0});
  s.add({"pde.stride", Type::Int, std::int64_t{2}, "keep every stride-th point: the model's grid is points / stride",
         1.0, 64.0});
  s.add({"pde.order", Type::Int, std::int64_t{4}, "order of the central differences (2 or 4)", 2.0, 4.0});
  s.add({"pde.discretisation", Type::String, std::string("differences"),
         "space: differences (central, of pde.order) or spectral (Fourier pseudo-spectral, 2/3 de-aliased; each "
         "solve on one rank)", {}, {}, V{"differences", "spectral"}});
  s.add({"pde.t_end", Type::Float, 0.5, "the time T of the predicted solution u(., T)", above(0.0), 100.0});
  s.add({"pde.dt", Type::Float, 5e-4, "time step of the solves (RK4 unless pde.petsc_options say otherwise)",
         above(0.0), 1.0});
  s.add({"pde.petsc_options", Type::StringList, std::vector<std::string>{},
         "PETSc options of the solves' TS (and SNES/KSP/PC), e.g. [\"ts_type=bdf\", \"ts_adapt_type=basic\"]; a "
         "private database under the prefix lielac_"});
  s.add({"grf.sigma", Type::Float, 625.0, "the initial conditions' field sigma^2 (-Laplacian + tau^2)^(-gamma): sigma",
         above(0.0), 1e12});
  s.add({"grf.tau", Type::Float, 5.0, "the field's tau", above(0.0), 1e6});
  s.add({"grf.gamma", Type::Float, 4.0, "the field's gamma (smoothness)", above(0.5), 100.0});
  s.add({"data.train", Type::Int, std::int64_t{512}, "training pairs (u0, u(T)) from the field", 1.0, 1e7});
  s.add({"data.test", Type::Int, std::int64_t{128}, "in-distribution test pairs", 1.0, 1e7});
  s.add({"data.ood", Type::Int, std::int64_t{128}, "out-of-distribution test pairs (g . u0, solved)", 1.0, 1e7});
  s.add({"data.fine_tune", Type::Int, std::int64_t{32}, "transformed pairs the fine-tuned baseline trains on", 1.0,
         1e7});
  s.add({"ood.shift", Type::Float, 0.5, "translations of the OOD inputs: U(-shift, shift) (period 1)", 0.0, 1.0});
  s.add({"ood.boost_min", Type::Float, 0.5, "burgers: Galilean boost magnitude at least this (random sign)", 0.0, 100.0});
  s.add({"ood.boost_max", Type::Float, 1.5, "burgers: boost magnitude at most this", 0.0, 100.0});
  s.add({"ood.amplitude_min", Type::Float, 2.0, "heat: amplitude factor log-uniform from this", above(0.0), 1e6});
  s.add({"ood.amplitude_max", Type::Float, 5.0, "heat: amplitude factor up to this", above(0.0), 1e6});
  s.add({"model.modes", Type::Int, std::int64_t{16}, "Fourier modes of the FNO's spectral convolutions", 1.0, 65536.0});
  s.add({"model.width", Type::Int, std::int64_t{32}, "channels of the FNO's Fourier layers", 1.0, 4096.0});
  s.add({"model.layers", Type::Int, std::int64_t{4}, "Fourier layers", 1.0, 64.0});
  s.add({"model.projection", Type::Int, std::int64_t{64}, "hidden width of the projection", 1.0, 4096.0});
  s.add({"model.grid", Type::Bool, true, "append the grid coordinate as an input channel (the FNO reference does)"});
  TrainingTableDefaults training;
  training.epochs = 100;
  training.batch = 32;
  training.batch_meaning = "pairs per optimizer step, all ranks together";
  training.learning_rate = 1e-3;
  training.step_every = 50;
  training.validate_every = 10;
  add_training_params(s, "training", training);
  s.add({"training.variants", Type::StringList, variant_names(),
         "models to train: plain (restricted distribution; LieLAC canonicalises it), augmented (with random "
         "symmetry transforms of every minibatch, LPSDA), fine-tuned (plain, then data.fine_tune transformed pairs)",
         {}, {}, variant_names()});
  s.add({"fine_tune.epochs", Type::Int, std::int64_t{100}, "fine-tuned: epochs over the transformed pairs", 1.0, 1e7});
  s.add({"fine_tune.learning_rate", Type::Float, 5e-4, "fine-tuned: Adam's learning rate", above(0.0), 1.0});
  s.add({"canonicalisation.generators", Type::IntList, std::vector<std::int64_t>{2},
         "generators LieLAC minimises over: 0 d_x, 1 d_t, 2 u d_u (heat) / the Galilean boost (burgers)", 0.0, 2.0});
  s.add({"canonicalisation.method", Type::String, std::string("global-retraction"),
         "global-retraction (Adam on the algebra coordinates) or coordinate-descent", {}, {},
         V{"global-retraction", "coordinate-descent"}});
  s.add({"canonicalisation.energy", Type::String, std::string("typicality"),
         "typicality (the field's whitened coefficients: typical norm, zero mean) or domain (TIED's box: the range "
         "of u0 against the training data's)",
         {}, {}, V{"typicality", "domain"}});
  s.add({"canonicalisation.restarts", Type::Int, std::int64_t{16}, "random restarts per input (restart 0: the identity)",
         1.0, 1e6});
  s.add({"canonicalisation.steps", Type::Int, std::int64_t{100}, "Adam steps per restart (per coordinate and sweep)",
         0.0, 1e6});
  s.add({"canonicalisation.sweeps", Type::Int, std::int64_t{2}, "coordinate-descent: passes over the generators", 1.0,
         1000.0});
  s.add({"canonicalisation.learning_rate", Type::Float, 0.05, "Adam's learning rate on the algebra coordinates",
         above(0.0), 100.0});
  s.add({"canonicalisation.init_scale", Type::Float, 0.5, "restarts start at init_scale x N(0, I)", 0.0, 100.0});
  s.add({"canonicalisation.modes", Type::Int, std::int64_t{8}, "typicality: field modes whose coefficients it scores",
         1.0, 4096.0});
  s.add({"evaluation.landscape_points", Type::Int, std::int64_t{81},
         "points of the energy landscape along the first generator (OOD sample 0)", 3.0, 100001.0});
  s.add({"evaluation.landscape_extent", Type::Float, 3.0, "the landscape spans [-extent, extent] algebra units",
         above(0.0), 1000.0});
  s.add({"evaluation.plot_samples", Type::Int, std::int64_t{3}, "OOD samples stored whole for the plots", 0.0, 1000.0});
  return s;
}

// Validation is reading the settings: what they refuse, a run refuses.
void check(const Config& c) { read_settings(c); }

std::vector<Stage> stages(const Config& c) {
  const Settings s = read_settings(c);
  std::vector<Stage> out;
  out.push_back({"data", "prepare", false, stage_body("lielac_pde", "data")});
  // plain first: fine-tuning starts from it (training.variants may list them in any order)
  for (const std::string& v : variant_names())
    if (std::find(s.variants.begin(), s.variants.end(), v) != s.variants.end())
      out.push_back({"train/" + v, "train", true, stage_body("lielac_pde", "train", v)});
  out.push_back({"evaluate", "evaluate", false, stage_body("lielac_pde", "evaluate")});
  out.push_back({"canonicalise", "evaluate", false, stage_body("lielac_pde", "canonicalise")});
  out.push_back({"metrics", "evaluate", false, stage_body("lielac_pde", "metrics")});
  return out;
}

// The solutions depend on these keys alone: a sweep over the model, the
// training or the canonicalisation reuses them.
std::vector<DataSet> data_sets(const Config&) {
  return {{.name = "solutions",
           .keys = {"experiment.seed", "pde.", "grf.", "data.", "ood."},
           .stages = {"data"},
           .groups = {"/data"},
           .sidecars = {}}};
}

}  // namespace

ExperimentKind make_kind() {
  ExperimentKind k;
  k.name = "lielac.pde";
  k.summary = "LieLAC: a Fourier neural operator for Burgers/heat trained on a restricted distribution, "
              "canonicalised over the equation's Lie point symmetries, against augmentation and fine-tuning";
  k.schema = make_schema();
  k.check = check;
  k.stages = stages;
  k.summary_lines = summary;
  k.data_sets = data_sets;
  return k;
}

}  // namespace structura::pipeline::lielac_pde
