// Experiment kind `deblur.learned`: learned regularisers for deblurring
// natural images (the ACR paper's second experiment, Mukherjee et al.):
// the ACR (and optionally the AR critic) trained data-parallel on random
// patches of scikit-image's sample photographs, blurred by a Gaussian and
// noisy, against the observation itself and smoothed TV on patches of a
// held-out photograph. The sibling of `ct.learned`: the regulariser keys,
// the train stage, gradient descent on a trained regulariser and the
// metrics stage are the shared ones (experiments/shared/learned_regularisers/).
//
// Stages:  data (prepare)                    -> /data/{train,validation,test}/{truth,observation},
//                                               /data/lambda_heuristic          (a shared data set)
//          train/<regulariser> (train, checkpointed) -> /models/<regulariser>, /training/<regulariser>
//          reconstruct/<method> (reconstruct) -> /reconstructions/<method>/{images,energy,gradient_norm}
//          metrics (evaluate)                -> /metrics/<method>/{psnr,ssim,..._mean,..._std,seconds_per_image}
#include "experiments/kind.hpp"

#include "experiments/deblur_learned/settings.hpp"
#include "experiments/deblur_learned/stages.hpp"
#include "experiments/shared/learned_regularisers/regulariser_params.hpp"
#include "experiments/shared/training_params.hpp"

namespace structura::pipeline::deblur_learned {

namespace {

using V = std::vector<std::string>;

Schema make_schema() {
  Schema s;
  add_common_params(s);
  s.add({"image.size", Type::Int, std::int64_t{64},
         "pixels per side n of the n x n patches (>= 11: the SSIM window; <= 256: the smallest photograph; a "
         "multiple of 16 for the AR critic)",
         11.0, 256.0});
  s.add({"photographs.train",
         Type::StringList,
         V{"astronaut", "coffee", "chelsea", "coins", "moon", "brick", "grass", "gravel", "motorcycle_left"},
         "scikit-image sample photographs (grey) the training and validation patches are cut from",
         {},
         {},
         photograph_names()});
  s.add({"photographs.test",
         Type::StringList,
         V{"camera"},
         "held-out photographs the test patches are cut from (none of photographs.train)",
         {},
         {},
         photograph_names()});
  s.add({"blur.sigma", Type::Float, 1.5,
         "standard deviation of the Gaussian blur K in pixels (kernel radius floor(4 sigma + 1/2), zero padding)",
         above(0.0), 20.0});
  s.add({"noise.sigma", Type::Float, 0.01,
         "standard deviation of the Gaussian noise added to K x, absolute (the images are in [0, 1])", 0.0});
  s.add({"data.train", Type::Int, std::int64_t{512}, "training pairs (truth patch, observation)", 1.0, 10000000.0});
  s.add({"data.validation", Type::Int, std::int64_t{32}, "validation pairs (from photographs.train)", 1.0,
         10000000.0});
  s.add({"data.test", Type::Int, std::int64_t{32}, "test pairs the methods are compared on (from photographs.test)",
         1.0, 10000000.0});

  s.add({"training.regularisers",
         Type::StringList,
         V{"acr"},
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
  const RegulariserWording wording{"the observation"};
  for (const std::string& r : regulariser_names()) add_regulariser_params(s, r, wording);

  s.add({"reconstruction.methods",
         Type::StringList,
         V{"observation", "tv", "acr"},
         "methods compared on the test pairs, in order (observation: the blurred noisy image itself; tv: smoothed "
         "TV; ar, acr: gradient descent from the observation with the regulariser trained in this run)",
         {},
         {},
         method_names()});
  s.add({"tv.lambda", Type::Float, 0.003,
         "TV: weight of the smoothed total variation in ||K x - y||^2 + lambda TV_eps(x) (the default: the best of "
         "a sweep on validation patches at the default blur and noise, README)",
         0.0});
  s.add({"tv.eps", Type::Float, 1e-3, "TV: smoothing eps of TV_eps(x) = sum sqrt(|grad x|^2 + eps^2) - eps",
         above(0.0)});
  s.add({"tv.iterations", Type::Int, std::int64_t{200}, "TV: gradient descent iterations (Armijo) from the observation",
         1.0});
  return s;
}

// Validation is reading the settings: what they refuse, a run refuses.
void check(const Config& c) { read_settings(c); }

std::vector<Stage> stages(const Config& c) {
  const StageNames s = read_stage_names(c);
  std::vector<Stage> out;
  out.push_back({"data", "prepare", false, stage_body("deblur_learned", "data")});
  for (const std::string& r : s.regularisers)
    out.push_back({"train/" + r, "train", true, stage_body("deblur_learned", "train", r)});
  for (const std::string& m : s.methods)
    out.push_back({"reconstruct/" + m, "reconstruct", false, stage_body("deblur_learned", "reconstruct", m)});
  out.push_back({"metrics", "evaluate", false, stage_body("deblur_learned", "metrics")});
  return out;
}

// The pairs depend on these keys alone: a sweep over lambda, the training
// or its seed reuses them.
std::vector<DataSet> data_sets(const Config&) {
  return {{.name = "pairs",
           .keys = {"experiment.seed", "image.", "photographs.", "blur.", "noise.", "data."},
           .stages = {"data"},
           .groups = {"/data"},
           .sidecars = {}}};
}

}  // namespace

ExperimentKind make_kind() {
  ExperimentKind k;
  k.name = "deblur.learned";
  k.summary =
      "learned regularisers (ACR, AR) for Gaussian deblurring of natural-image patches, against the observation and "
      "TV: PSNR and SSIM";
  k.schema = make_schema();
  k.check = check;
  k.stages = stages;
  k.summary_lines = deblur_learned::summary;
  k.data_sets = data_sets;
  return k;
}

}  // namespace structura::pipeline::deblur_learned
