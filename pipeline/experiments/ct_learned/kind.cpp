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
#include "experiments/shared/learned_regularisers/regulariser_params.hpp"
#include "experiments/shared/training_params.hpp"

namespace structura::pipeline::ct_learned {

namespace {

using V = std::vector<std::string>;

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
         learned_regulariser_names()});
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

  const RegulariserWording wording{"the FBP"};
  for (const char* r : {"ar", "acr", "iwcnn"}) add_regulariser_params(s, r, wording);

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
  add_regulariser_params(s, "cnc", wording,
                         "CNC: kappa = mu / lambda with A^T A >= mu I, the data term's share of the convexity budget (CT "
                         "with fewer rays than pixels: 0, the ACR's own curvature alone absorbs the IWCNN's)");
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
