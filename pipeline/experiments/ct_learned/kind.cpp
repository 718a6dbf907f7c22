// Experiment kind `ct.learned`: learned regularisers for CT (the adversarial
// regulariser AR of Lunz et al., the adversarial convex regulariser ACR of
// Mukherjee et al., the input weakly convex IWCNN of Shumaylov et al.) trained data-parallel on pairs of random-ellipse
// phantoms and their FBPs, against FBP and TV on held-out phantoms.
//
// Stages:  data (prepare)                    -> /data/{train,validation,test}/{truth,sinogram,fbp},
//                                               /data/lambda_heuristic          (a shared data set)
//          train/<regulariser> (train, checkpointed) -> /models/<regulariser>, /training/<regulariser>
//          reconstruct/<method> (reconstruct) -> /reconstructions/<method>/{images,energy,gradient_norm}
//          metrics (evaluate)                -> /metrics/<method>/{psnr,ssim,..._mean,..._std,seconds_per_image}
#include "experiments/kind.hpp"

#include "experiments/ct_learned/settings.hpp"
#include "experiments/ct_learned/stages.hpp"
#include "experiments/shared/ct_noise.hpp"
#include "experiments/shared/training_params.hpp"

namespace structura::pipeline::ct_learned {

namespace {

using V = std::vector<std::string>;

void add_regulariser_params(Schema& s, const std::string& r, const nn::OptimizerOptions& optimizer,
                            double penalty_weight, const std::string& penalty, std::int64_t iterations) {
  add_optimizer_params(s, r, optimizer);
  s.add({r + ".penalty_weight", Type::Float, penalty_weight, penalty, 0.0});
  s.add({r + ".lambda", Type::Float, 0.0,
         "reconstruction: weight of the regulariser in ||A x - y||^2 + lambda R(x) (0: the heuristic "
         "2 E||A^T(A x* - y)|| over the training pairs, recorded in the result)",
         0.0});
  s.add({r + ".step", Type::Float, 0.0,
         "reconstruction: gradient descent step (armijo: the largest trial step); 0: 1/||A||^2 (||A|| by power "
         "iteration)",
         0.0});
  s.add({r + ".step_rule",
         Type::String,
         std::string("armijo"),
         "reconstruction: fixed step, or Armijo backtracking (never increases the energy)",
         {},
         {},
         V{"fixed", "armijo"}});
  s.add({r + ".iterations", Type::Int, iterations, "reconstruction: gradient descent iterations from the FBP", 1.0});
}

Schema make_schema() {
  Schema s;
  add_common_params(s);
  s.add({"image.size", Type::Int, std::int64_t{64},
         "pixels per side n of the n x n images (>= 11: the SSIM window; a multiple of 16 for the AR critic)", 11.0,
         4096.0});
  s.add(
      {"image.extent", Type::Float, 2.0, "physical width (= height) of the image, centred at the origin", above(0.0)});
  s.add({"beam.angles", Type::Int, std::int64_t{30}, "parallel-beam angles, uniform over [0, beam.range_degrees)", 1.0,
         100000.0});
  s.add({"beam.range_degrees", Type::Float, 180.0,
         "span of the angles in degrees: 180 the full parallel-beam scan, less a limited-angle scan (e.g. 120)",
         above(0.0), 180.0});
  s.add({"beam.detectors", Type::Int, std::int64_t{0}, "detector elements, spaced extent / detectors (0: image.size)",
         0.0, 100000.0});
  s.add({"phantoms.supersample", Type::Int, std::int64_t{1}, "points per pixel side averaged when rasterising", 1.0,
         16.0});
  add_ct_noise_params(s, 0.02);
  s.add({"data.train", Type::Int, std::int64_t{256}, "training pairs (truth, noisy sinogram, FBP)", 1.0, 10000000.0});
  s.add({"data.validation", Type::Int, std::int64_t{32}, "validation pairs", 1.0, 10000000.0});
  s.add({"data.test", Type::Int, std::int64_t{32}, "held-out test pairs the methods are compared on", 1.0, 10000000.0});
  s.add({"fbp.filter",
         Type::String,
         std::string("ramp"),
         "FBP filter (of the data's FBPs and the fbp method)",
         {},
         {},
         V{"ramp", "shepp-logan", "cosine", "hamming", "hann"}});

  s.add({"training.regularisers",
         Type::StringList,
         V{"ar", "acr"},
         "the learned regularisers trained, in order",
         {},
         {},
         regulariser_names()});
  TrainingTableDefaults training;
  training.epochs = 10;
  training.epochs_meaning = "epochs: passes over the training pairs";
  training.batch = 16;
  training.batch_meaning = "pairs per optimizer step (all ranks together)";
  training.step_every = 10;
  training.validate_every = 1;
  training.selection_fraction = 1.0;
  training.optimizer = false;  // each regulariser has its own: ar.optimizer, acr.optimizer
  add_training_params(s, "training", training);

  nn::OptimizerOptions rmsprop;  // lunz-s/DeepAdverserialRegulariser: RMSProp, 1e-4
  rmsprop.kind = nn::OptimizerKind::RMSprop;
  rmsprop.learning_rate = 1e-4;
  add_regulariser_params(s, "ar", rmsprop, 20.0,
                         "AR: weight of the one-sided gradient penalty max(|grad R| - 1, 0)^2 (reference: 20)", 100);
  s.add({"ar.leaky_slope", Type::Float, 0.1, "AR critic: leaky ReLU slope (reference: 0.1)", 0.0, below(1.0)});
  s.add({"ar.dense", Type::Int, std::int64_t{256}, "AR critic: width of the hidden dense layer", 1.0, 65536.0});
  nn::OptimizerOptions adam;  // Subhadip-1/data_driven_convex_regularization: Adam 2e-5, betas (0.5, 0.99)
  adam.learning_rate = 2e-5;
  adam.beta1 = 0.5;
  adam.beta2 = 0.99;
  add_regulariser_params(s, "acr", adam, 5.0,
                         "ACR: weight of the two-sided gradient penalty (|grad ICNN| - 1)^2 on the ICNN part "
                         "(reference: 5)",
                         100);
  s.add({"acr.sfb_weight_decay", Type::Float, 1.0,
         "ACR: weight decay of the SFB and L2 weights, Adam's second parameter group (reference: 1.0)", 0.0});
  s.add({"acr.layers", Type::Int, std::int64_t{10}, "ACR: ICNN layers (reference: 10)", 1.0, 1000.0});
  s.add({"acr.channels", Type::Int, std::int64_t{48}, "ACR: ICNN channels (reference: 48)", 1.0, 4096.0});
  s.add({"acr.kernel", Type::Int, std::int64_t{5}, "ACR: ICNN kernel size, odd (reference: 5)", 1.0, 63.0});
  s.add({"acr.banks", Type::Int, std::int64_t{10}, "ACR: sparsifying filter banks (reference: 10)", 1.0, 1000.0});
  s.add({"acr.filters", Type::Int, std::int64_t{32}, "ACR: 7 x 7 filters per bank (reference: 32)", 1.0, 4096.0});
  // IWCNN (Shumaylov et al.; no public reference code): trained as the ACR,
  // whose ICNN it contains, but the two-sided penalty sees the whole model.
  add_regulariser_params(s, "iwcnn", adam, 5.0,
                         "IWCNN: weight of the two-sided gradient penalty (|grad R| - 1)^2 on the whole IWCNN", 100);
  s.add({"iwcnn.layers", Type::Int, std::int64_t{10}, "IWCNN: layers of its ICNN", 1.0, 1000.0});
  s.add({"iwcnn.channels", Type::Int, std::int64_t{48}, "IWCNN: channels of its ICNN", 1.0, 4096.0});
  s.add({"iwcnn.kernel", Type::Int, std::int64_t{5}, "IWCNN: kernel size of its ICNN, odd", 1.0, 63.0});
  s.add({"iwcnn.smooth_layers", Type::Int, std::int64_t{1}, "IWCNN: convolution + SiLU layers of the smooth part S",
         1.0, 100.0});
  s.add({"iwcnn.smooth_channels", Type::Int, std::int64_t{128}, "IWCNN: channels of every layer of S", 1.0, 4096.0});
  s.add({"iwcnn.smooth_kernel", Type::Int, std::int64_t{5}, "IWCNN: kernel size of S, odd", 1.0, 63.0});

  s.add({"reconstruction.methods",
         Type::StringList,
         V{"fbp", "tv", "ar", "acr"},
         "methods compared on the test pairs, in order (ar, acr, iwcnn, cnc: gradient descent from the FBP with the "
         "regulariser trained in this run; awcr-pd: the AWCR primal-dual method with the trained iwcnn)",
         {},
         {},
         method_names()});
  s.add({"tv.lambda", Type::Float, 3e-5, "TV: weight of the total variation in 1/2 ||A x - y||^2 + lambda TV(x)", 0.0});
  s.add({"tv.iterations", Type::Int, std::int64_t{300}, "TV: PDHG iterations", 1.0});
  // CNC = ACR + t IWCNN (regularisers/cnc.hpp), t kept at the largest value
  // for which ||A x - y||^2 + lambda R(x) stays convex; trained as the IWCNN.
  add_regulariser_params(s, "cnc", adam, 5.0,
                         "CNC: weight of the two-sided gradient penalty (|grad R| - 1)^2 on the whole CNC", 100);
  s.add({"cnc.layers", Type::Int, std::int64_t{10}, "CNC: layers of both ICNNs (the ACR's and the IWCNN's)", 1.0,
         1000.0});
  s.add({"cnc.channels", Type::Int, std::int64_t{48}, "CNC: channels of both ICNNs", 1.0, 4096.0});
  s.add({"cnc.kernel", Type::Int, std::int64_t{5}, "CNC: kernel size of both ICNNs, odd", 1.0, 63.0});
  s.add({"cnc.banks", Type::Int, std::int64_t{10}, "CNC: sparsifying filter banks of its ACR", 1.0, 1000.0});
  s.add({"cnc.filters", Type::Int, std::int64_t{32}, "CNC: 7 x 7 filters per bank of its ACR", 1.0, 4096.0});
  s.add(
      {"cnc.smooth_layers", Type::Int, std::int64_t{1}, "CNC: convolution + SiLU layers of its IWCNN's S", 1.0, 100.0});
  s.add({"cnc.smooth_channels", Type::Int, std::int64_t{128}, "CNC: channels of its IWCNN's S", 1.0, 4096.0});
  s.add({"cnc.smooth_kernel", Type::Int, std::int64_t{5}, "CNC: kernel size of its IWCNN's S, odd", 1.0, 63.0});
  s.add({"cnc.data_curvature", Type::Float, 0.0,
         "CNC: kappa = mu / lambda with A^T A >= mu I, the data term's share of the convexity budget (CT with fewer "
         "rays than pixels: 0, the ACR's own curvature alone absorbs the IWCNN's)",
         0.0});
  s.add({"awcr_pd.iterations", Type::Int, std::int64_t{100},
         "awcr-pd: primal-dual iterations from the FBP on ||A x - y||^2 + iwcnn.lambda R(x)", 1.0});
  s.add({"awcr_pd.sigma", Type::Float, 1.0, "awcr-pd: dual step sigma", above(0.0)});
  s.add({"awcr_pd.extrapolation", Type::Float, 1.0,
         "awcr-pd: over-relaxation theta (sigma theta = 2: gradient descent)", 0.0});
  s.add({"awcr_pd.step_fraction", Type::Float, 0.95, "awcr-pd: primal step tau as a fraction of tau_max", above(0.0),
         below(1.0)});
  s.add({"awcr_pd.lipschitz", Type::Float, 0.0,
         "awcr-pd: L_R, a Lipschitz constant of grad R, if known; 0: 2 x the largest |Hessian eigenvalue| of R at "
         "each image's start (an estimate, no guarantee)",
         0.0});
  return s;
}

// Validation is reading the settings: what they refuse, a run refuses.
void check(const Config& c) { read_settings(c); }

std::vector<Stage> stages(const Config& c) {
  const StageNames s = read_stage_names(c);
  std::vector<Stage> out;
  out.push_back({"data", "prepare", false, stage_body("ct_learned", "data")});
  for (const std::string& r : s.regularisers)
    out.push_back({"train/" + r, "train", true, stage_body("ct_learned", "train", r)});
  for (const std::string& m : s.methods)
    out.push_back({"reconstruct/" + m, "reconstruct", false, stage_body("ct_learned", "reconstruct", m)});
  out.push_back({"metrics", "evaluate", false, stage_body("ct_learned", "metrics")});
  return out;
}

// The pairs depend on these keys alone: a sweep over lambda, the training
// or its seed reuses them.
std::vector<DataSet> data_sets(const Config&) {
  return {{.name = "pairs",
           .keys = {"experiment.seed", "image.", "beam.", "phantoms.", "noise.", "data.", "fbp."},
           .stages = {"data"},
           .groups = {"/data"},
           .sidecars = {}}};
}

}  // namespace

ExperimentKind make_kind() {
  ExperimentKind k;
  k.name = "ct.learned";
  k.summary =
      "learned CT regularisers (AR, ACR, IWCNN, CNC) trained on random ellipses, against FBP and TV: PSNR and SSIM";
  k.schema = make_schema();
  k.check = check;
  k.stages = stages;
  k.summary_lines = ct_learned::summary;
  k.data_sets = data_sets;
  return k;
}

}  // namespace structura::pipeline::ct_learned
