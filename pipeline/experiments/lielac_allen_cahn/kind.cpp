// Experiment kind `lielac.allen_cahn`: LieLAC canonicalisation (Shumaylov et
// al., ICLR 2025) of a 2-D neural PDE solver trained on a restricted
// distribution. A 2-D Fourier neural operator learns u0 -> u(., T) of the
// Allen-Cahn equation u_t = eps^2 Lap u + u - u^3 (periodic on [0, 1)^2)
// from droplets of u = +1 in u = -1 whose fronts have one orientation and
// one position (the training distribution); test inputs rotated by larger
// angles about the centre and translated defeat it; canonicalising each
// input back (rotation + translation, an energy on the front's moments),
// predicting there and mapping the prediction back restores the accuracy.
//
// Stages:  data (prepare; the shared data set "solutions")  -> /data
//          train (train, checkpointed)                      -> /model, /training
//          evaluate (evaluate)                              in and out of distribution -> /evaluation
//          canonicalise (evaluate)                          LieLAC on every test input -> /canonicalisation
//          metrics (evaluate)                               -> /metrics
#include "experiments/kind.hpp"

#include "experiments/lielac_allen_cahn/settings.hpp"
#include "experiments/lielac_allen_cahn/stages.hpp"
#include "experiments/shared/training_params.hpp"

namespace structura::pipeline::lielac_allen_cahn {

namespace {

Schema make_schema() {
  Schema s;
  add_common_params(s);
  using V = std::vector<std::string>;
  s.add({"pde.epsilon", Type::Float, 0.03, "interface parameter eps of u_t = eps^2 Lap u + u - u^3 on [0, 1)^2",
         above(0.0), 1.0});
  s.add({"pde.points", Type::Int, std::int64_t{96}, "grid points per direction of the PETSc solves", 8.0, 4096.0});
  s.add({"pde.stride", Type::Int, std::int64_t{2},
         "keep every stride-th point in each direction: the model's grid is (points / stride)^2", 1.0, 64.0});
  s.add({"pde.t_end", Type::Float, 2.0, "the time T of the predicted solution u(., T)", above(0.0), 1000.0});
  s.add({"pde.dt", Type::Float, 0.02, "time step of the solves (IMEX ARKIMEX 3 unless pde.petsc_options say otherwise)",
         above(0.0), 10.0});
  s.add({"pde.petsc_options", Type::StringList, std::vector<std::string>{},
         "PETSc options of the solves' TS (and SNES/KSP/PC), e.g. [\"ts_arkimex_type=2c\"]; a private database "
         "under the prefix lielac_ac_"});
  s.add({"front.semi_major_min", Type::Float, 0.15, "droplets' semi-major axis a ~ U(min, max)", above(0.0), 0.5});
  s.add({"front.semi_major_max", Type::Float, 0.19, "its upper end", above(0.0), 0.5});
  s.add({"front.semi_minor_min", Type::Float, 0.07, "semi-minor axis b ~ U(min, max)", above(0.0), 0.5});
  s.add({"front.semi_minor_max", Type::Float, 0.09, "its upper end (below front.semi_major_min)", above(0.0), 0.5});
  s.add(
      {"front.angle", Type::Float, 0.0, "centre of the training band of the major axis' angle, degrees", -90.0, 90.0});
  s.add({"front.angle_band", Type::Float, 10.0, "training angles: front.angle + U(-band, band), degrees", above(0.0),
         89.0});
  s.add(
      {"front.position_band", Type::Float, 0.03, "training centres: the domain centre + U(-band, band)^2", 0.0, 0.25});
  s.add({"front.width", Type::Float, 1.0, "profile width in units of sqrt2 eps (1: the equilibrium front)", above(0.0),
         10.0});
  s.add({"front.noise", Type::Float, 0.02, "white noise U(-noise, noise) added on the solve grid", 0.0, 1.0});
  s.add({"ood.angle_min", Type::Float, 30.0, "OOD rotations about the centre: |angle| >= this, degrees", 0.0, 180.0});
  s.add({"ood.angle_max", Type::Float, 90.0, "and <= this (random sign), degrees", 0.0, 180.0});
  s.add({"ood.shift", Type::Float, 0.06, "OOD translations U(-shift, shift)^2 after the rotation", 0.0, 0.25});
  s.add({"data.train", Type::Int, std::int64_t{256}, "training pairs (u0, u(T))", 1.0, 1e7});
  s.add({"data.test", Type::Int, std::int64_t{32}, "in-distribution test pairs", 1.0, 1e7});
  s.add({"data.ood", Type::Int, std::int64_t{32},
         "out-of-distribution pairs: test input i rotated, translated and solved (at most data.test)", 1.0, 1e7});
  s.add({"model.modes", Type::Int, std::int64_t{12}, "Fourier modes per direction of the FNO's spectral convolutions",
         1.0, 4096.0});
  s.add({"model.width", Type::Int, std::int64_t{24}, "channels of the FNO's Fourier layers", 1.0, 4096.0});
  s.add({"model.layers", Type::Int, std::int64_t{4}, "Fourier layers", 1.0, 64.0});
  s.add({"model.projection", Type::Int, std::int64_t{64}, "hidden width of the projection", 1.0, 4096.0});
  s.add(
      {"model.grid", Type::Bool, true, "append the grid coordinates x, y as input channels (the FNO reference does)"});
  TrainingTableDefaults training;
  training.epochs = 100;
  training.batch = 16;
  training.batch_meaning = "pairs per optimizer step, all ranks together";
  training.learning_rate = 1e-3;
  training.step_every = 50;
  training.validate_every = 10;
  add_training_params(s, "training", training);
  s.add({"canonicalisation.generators", Type::IntList, std::vector<std::int64_t>{0, 1, 3},
         "generators LieLAC minimises over: 0 d_x, 1 d_y, 3 the rotation about the centre", 0.0, 3.0});
  s.add({"canonicalisation.method",
         Type::String,
         std::string("global-retraction"),
         "global-retraction (Adam on the algebra coordinates) or coordinate-descent",
         {},
         {},
         V{"global-retraction", "coordinate-descent"}});
  s.add({"canonicalisation.evaluation",
         Type::String,
         std::string("equivariant"),
         "the front energy E(h . u0): equivariant (the moments of u0 moved by h in closed form) or sampled (the "
         "moments of h . u0 by the group's action on the grid, O(N^4) per evaluation)",
         {},
         {},
         V{"equivariant", "sampled"}});
  s.add({"canonicalisation.restarts", Type::Int, std::int64_t{8}, "random restarts per input (restart 0: the identity)",
         1.0, 1e6});
  s.add({"canonicalisation.steps", Type::Int, std::int64_t{100}, "Adam steps per restart (per coordinate and sweep)",
         0.0, 1e6});
  s.add({"canonicalisation.sweeps", Type::Int, std::int64_t{2}, "coordinate-descent: passes over the generators", 1.0,
         1000.0});
  s.add({"canonicalisation.learning_rate", Type::Float, 0.05, "Adam's learning rate on the algebra coordinates",
         above(0.0), 100.0});
  s.add({"canonicalisation.init_scale", Type::Float, 1.0, "restarts start at init_scale x N(0, I)", 0.0, 100.0});
  s.add({"canonicalisation.translation_scale", Type::Float, 0.1,
         "domain lengths per algebra unit of d_x and d_y (the rotation: one radian per unit)", above(0.0), 10.0});
  s.add({"evaluation.plot_samples", Type::Int, std::int64_t{3}, "OOD samples stored whole for the plots", 0.0, 1000.0});
  return s;
}

// Validation is reading the settings: what they refuse, a run refuses.
void check(const Config& c) { read_settings(c); }

std::vector<Stage> stages(const Config& c) {
  read_settings(c);
  return {{"data", "prepare", false, stage_body("lielac_allen_cahn", "data")},
          {"train", "train", true, stage_body("lielac_allen_cahn", "train")},
          {"evaluate", "evaluate", false, stage_body("lielac_allen_cahn", "evaluate")},
          {"canonicalise", "evaluate", false, stage_body("lielac_allen_cahn", "canonicalise")},
          {"metrics", "evaluate", false, stage_body("lielac_allen_cahn", "metrics")}};
}

// The solutions depend on these keys alone: a sweep over the model, the
// training or the canonicalisation reuses them.
std::vector<DataSet> data_sets(const Config&) {
  return {{.name = "solutions",
           .keys = {"experiment.seed", "pde.", "front.", "data.", "ood."},
           .stages = {"data"},
           .groups = {"/data"},
           .sidecars = {}}};
}

}  // namespace

ExperimentKind make_kind() {
  ExperimentKind k;
  k.name = "lielac.allen_cahn";
  k.summary =
      "LieLAC in 2-D: a Fourier neural operator for Allen-Cahn droplets of one orientation and position, "
      "canonicalised over rotations about the centre and translations";
  k.schema = make_schema();
  k.check = check;
  k.stages = stages;
  k.summary_lines = summary;
  k.data_sets = data_sets;
  return k;
}

}  // namespace structura::pipeline::lielac_allen_cahn
