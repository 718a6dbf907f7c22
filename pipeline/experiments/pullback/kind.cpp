// Experiment kind `pullback`: score-based pullback Riemannian geometry
// (Diepeveen, Batzolis, Shumaylov, Schönlieb, arXiv 2410.01950). A density
// p(x) ∝ exp(−ψ(φ(x))) with an affine coupling flow φ and ψ(z) = ½ zᵀ A⁻¹ z
// is fitted to samples of a known manifold; its pullback metric gives
// closed-form geodesics, and the Riemannian autoencoder reads the data's
// dimension off the learned variances a. Four flows side by side (standard,
// anisotropic, isometric and the paper's anisotropic-isometric), each
// trained data-parallel with the shared nn::TrainingLoop.
//
// Stages:  data (data)                        train/validation/test rows -> /data (shared data set)
//          train/<method> (train, checkpointed) -> /models/<method>, /training/<method>
//          evaluate (evaluate)                geodesic and variation errors, RAE curves, d_ε,
//                                              density grids -> /evaluation, /metrics
#include "experiments/kind.hpp"
#include "experiments/pullback/settings.hpp"
#include "experiments/pullback/stages.hpp"
#include "experiments/shared/training_params.hpp"

namespace structura::pipeline::pullback {

namespace {

Schema make_schema() {
  Schema s;
  add_common_params(s);
  using V = std::vector<std::string>;
  s.add({"data.set", Type::String, std::string("banana"),
         "the data: banana, squeezed-banana, river (2-D, known phi), sinusoid or hemisphere (K-dimensional in N)", {},
         {}, V{"banana", "squeezed-banana", "river", "sinusoid", "hemisphere"}});
  s.add({"data.intrinsic_dimension", Type::Int, std::int64_t{1}, "sinusoid, hemisphere: the manifold's dimension K",
         1.0, 1023.0});
  s.add({"data.ambient_dimension", Type::Int, std::int64_t{3}, "sinusoid, hemisphere: the ambient dimension N", 2.0,
         1024.0});
  s.add({"data.samples", Type::Int, std::int64_t{0},
         "samples in all (train, validation and test); 0: the reference code's count for the set", 0.0, 1e8});
  s.add({"data.sampler", Type::String, std::string("exact"),
         "2-D sets: exact (latent Gaussian through phi^-1) or mala (the reference's Langevin chains)", {}, {},
         V{"exact", "mala"}});
  s.add({"data.train_fraction", Type::Float, 0.8, "the first rows train", 0.0, 1.0});
  s.add({"data.validation_fraction", Type::Float, 0.1, "the next rows select the model", 0.0, 1.0});
  s.add({"data.test_fraction", Type::Float, 0.1, "the last rows evaluate it", 0.0, 1.0});
  s.add({"flow.layers", Type::Int, std::int64_t{2}, "affine coupling layers (alternating masks)", 1.0, 256.0});
  s.add({"flow.hidden", Type::Int, std::int64_t{64}, "width of each coupling layer's residual MLP", 1.0, 4096.0});
  s.add({"flow.blocks", Type::Int, std::int64_t{2}, "residual blocks of each conditioner", 0.0, 64.0});
  s.add({"loss.isometry", Type::String, std::string("full"),
         "isometry term of the regularised methods: full |J^T J - I|_F^2, pairs (its unbiased Rademacher estimator, "
         "for high dimensions) or length (|Jv| - 1)^2 over random unit v",
         {}, {}, V{"full", "pairs", "length"}});
  s.add({"loss.isometry_weight", Type::Float, 0.2, "lambda_iso of the regularised methods", 0.0, 1e6});
  s.add({"loss.volume_weight", Type::Float, 0.0, "lambda_vol: weight of |log det J| in the regularised methods", 0.0,
         1e6});
  s.add({"loss.directions", Type::Int, std::int64_t{4}, "pairs, length: random directions per point", 1.0, 4096.0});
  s.add({"training.methods", Type::StringList, method_names(),
         "flows to train, side by side: standard (a = 1), anisotropic (learned a), isometric (a = 1 + isometry), "
         "anisotropic-isometric (learned a + isometry: the paper's method)",
         {}, {}, method_names()});
  TrainingTableDefaults training;
  training.epochs = 300;
  training.batch = 64;
  training.learning_rate = 5e-4;
  training.beta2 = 0.99;
  training.weight_decay = 1e-5;
  training.schedule = "warmup-cosine";
  training.warmup = 30;  // the reference's 1000 warm-up steps at its 32 banana steps per epoch
  training.ema_decay = 0.999;
  training.clip = 1.0;
  training.validate_every = 10;
  training.selection_fraction = 1.0;
  training.dtype = "float32";
  add_training_params(s, "training", training);
  s.add({"evaluation.pairs", Type::Int, std::int64_t{200}, "random pairs of test points for the geodesic errors", 1.0,
         1e6});
  s.add({"evaluation.points", Type::Int, std::int64_t{100}, "points per geodesic, t equispaced in [0, 1]", 2.0, 1e5});
  s.add({"evaluation.epsilon", Type::Float, 0.1,
         "RAE: keep the fewest coordinates whose discarded variances sum to at most epsilon of the total",
         above(0.0), below(1.0)});
  s.add({"evaluation.variation_noise", Type::Float, 0.1,
         "variation error: the end point moved by this standard deviation", above(0.0), 100.0});
  s.add({"evaluation.resolution", Type::Int, std::int64_t{81}, "2-D sets: density grid points per axis", 3.0,
         1001.0});
  s.add({"evaluation.extent", Type::Float, 4.0, "2-D sets: the density grid spans [-extent, extent]^2 about the "
         "training data's mean", above(0.0), 1000.0});
  return s;
}

// Validation is reading the settings: what they refuse, a run refuses.
void check(const Config& c) { read_settings(c); }

std::vector<Stage> stages(const Config& c) {
  const Settings s = read_settings(c);
  std::vector<Stage> out;
  out.push_back({"data", "data", false, stage_body("pullback", "data")});
  for (const auto& m : s.methods) out.push_back({"train/" + m, "train", true, stage_body("pullback", "train", m)});
  out.push_back({"evaluate", "evaluate", false, stage_body("pullback", "evaluate")});
  return out;
}

std::vector<DataSet> data_sets(const Config&) {
  return {{.name = "manifold", .keys = {"experiment.seed", "data."}, .stages = {"data"}, .groups = {"/data"},
           .sidecars = {}}};
}

}  // namespace

ExperimentKind make_kind() {
  ExperimentKind k;
  k.name = "pullback";
  k.summary = "score-based pullback geometry: flows with an anisotropic Gaussian base, closed-form geodesics and the "
              "Riemannian autoencoder's dimension estimate";
  k.schema = make_schema();
  k.check = check;
  k.stages = stages;
  k.summary_lines = summary;
  k.data_sets = data_sets;
  return k;
}

}  // namespace structura::pipeline::pullback
