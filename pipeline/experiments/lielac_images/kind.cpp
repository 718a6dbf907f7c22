// Experiment kind `lielac.images`: LieLAC canonicalisation (Shumaylov et
// al., ICLR 2025) of an image classifier. A small CNN trained on
// untransformed images (scikit-learn's digits or Fashion-MNIST, read from
// their Debian packages) fails on a test set moved by random affine maps or
// homographies (the affNIST / homNIST idea); canonicalising each moved image
// over the affine group (6 generators) or homographies (8) with the
// classifier's energy -logsumexp(logits) plus a penalty for warping content
// out of the frame recovers accuracy. Baseline: the classifier trained on
// randomly moved copies with their labels (augmentation).
//
// Stages:  data (prepare; the shared data set "images")  -> /data
//          train/<variant> (train, checkpointed)          -> /models/<v>, /training/<v>
//          evaluate (evaluate)                            accuracies -> /evaluation/<v>
//          canonicalise (evaluate)                        LieLAC on the moved test images -> /canonicalisation
//          metrics (evaluate)                             -> /metrics
#include <algorithm>

#include "experiments/kind.hpp"
#include "experiments/lielac_images/settings.hpp"
#include "experiments/lielac_images/stages.hpp"
#include "experiments/shared/training_params.hpp"

namespace structura::pipeline::lielac_images {

namespace {

Schema make_schema() {
  Schema s;
  add_common_params(s);
  using V = std::vector<std::string>;
  s.add({"data.dataset", Type::String, std::string("digits"),
         "digits (scikit-learn's 8 x 8, python3-sklearn) or fashion-mnist (28 x 28, dataset-fashion-mnist)", {}, {},
         V{"digits", "fashion-mnist"}});
  s.add({"data.train", Type::Int, std::int64_t{1500}, "training images (the first of the file / the training split)",
         1.0, 60000.0});
  s.add({"data.test", Type::Int, std::int64_t{297}, "test images (digits: the ones after the training images)", 1.0,
         10000.0});
  s.add({"data.size", Type::Int, std::int64_t{16},
         "content resized (bilinear) to size x size; 0: as packaged (at 8 x 8 a warp and its inverse blur a digit "
         "beyond recognition)",
         0.0, 256.0});
  s.add({"data.pad", Type::Int, std::int64_t{2}, "zero pixels around the content (affNIST pads 28 -> 40)", 0.0, 128.0});
  s.add({"transforms.group", Type::String, std::string("affine"),
         "the maps of the moved test set: affine (affNIST-like) or homography (homNIST-like)", {}, {},
         V{"affine", "homography"}});
  s.add({"transforms.rotation", Type::Float, 40.0, "rotations within +-this (degrees)", 0.0, 180.0});
  s.add({"transforms.shear", Type::Float, 0.3, "shears within +-this", 0.0, 2.0});
  s.add({"transforms.scale_min", Type::Float, 0.75, "axis scales from this", above(0.0), 10.0});
  s.add({"transforms.scale_max", Type::Float, 1.25, "axis scales up to this", above(0.0), 10.0});
  s.add({"transforms.translation", Type::Float, 0.15, "translations within +-this (the image spans [-1, 1])", 0.0, 2.0});
  s.add({"transforms.perspective", Type::Float, 0.15, "homography: perspective entries within +-this", 0.0, 1.0});
  s.add({"model.channels", Type::Int, std::int64_t{16}, "channels of the CNN's first convolution", 1.0, 1024.0});
  s.add({"model.hidden", Type::Int, std::int64_t{64}, "width of the CNN's hidden dense layer", 1.0, 8192.0});
  TrainingTableDefaults training;
  training.epochs = 20;
  training.batch = 64;
  training.batch_meaning = "images per optimizer step, all ranks together";
  training.learning_rate = 3e-3;
  training.step_every = 10;
  add_training_params(s, "training", training);
  s.add({"training.variants", Type::StringList, variant_names(),
         "classifiers to train: plain (untransformed images; LieLAC canonicalises it), augmented (every image moved by "
         "a random map of the test maps' family, with its label)",
         {}, {}, variant_names()});
  s.add({"training.contrast_weight", Type::Float, 3.0,
         "weight of the contrastive term that gives randomly moved copies a higher energy than the image (0: plain "
         "cross-entropy, whose -logsumexp prefers magnified, sheared poses)",
         0.0, 1e6});
  s.add({"canonicalisation.group", Type::String, std::string("affine"),
         "the group LieLAC minimises over: affine (6 generators) or homography (8)", {}, {}, V{"affine", "homography"}});
  s.add({"canonicalisation.restarts", Type::Int, std::int64_t{8}, "random restarts per image (restart 0: the identity)",
         1.0, 1e5});
  s.add({"canonicalisation.steps", Type::Int, std::int64_t{50}, "Adam steps per restart", 0.0, 1e6});
  s.add({"canonicalisation.learning_rate", Type::Float, 0.03, "Adam's rate on the algebra coordinates", above(0.0),
         100.0});
  s.add({"canonicalisation.init_scale", Type::Float, 1.0, "restarts start at init_scale x N(0, I)", 0.0, 100.0});
  s.add({"canonicalisation.boundary_weight", Type::Float, 10.0, "weight of the out-of-frame penalty", 0.0, 1e6});
  s.add({"canonicalisation.boundary", Type::String, std::string("fraction"),
         "the penalty: fraction (smooth share of points outside) or squared-excess (TIED's)", {}, {},
         V{"fraction", "squared-excess"}});
  s.add({"canonicalisation.region", Type::String, std::string("moved-content"),
         "which points: moved-content (the image's ink moved by h), moved-frame, sampling-grid (TIED's)", {}, {},
         V{"moved-content", "moved-frame", "sampling-grid"}});
  s.add({"canonicalisation.images", Type::Int, std::int64_t{0}, "moved test images to canonicalise (0: all)", 0.0,
         1e7});
  s.add({"evaluation.plot_samples", Type::Int, std::int64_t{8}, "moved images stored with their canonical forms", 0.0,
         64.0});
  return s;
}

void check(const Config& c) { read_settings(c); }

std::vector<Stage> stages(const Config& c) {
  const Settings s = read_settings(c);
  std::vector<Stage> out;
  out.push_back({"data", "prepare", false, stage_body("lielac_images", "data")});
  for (const std::string& v : variant_names())
    if (std::find(s.variants.begin(), s.variants.end(), v) != s.variants.end())
      out.push_back({"train/" + v, "train", true, stage_body("lielac_images", "train", v)});
  out.push_back({"evaluate", "evaluate", false, stage_body("lielac_images", "evaluate")});
  out.push_back({"canonicalise", "evaluate", false, stage_body("lielac_images", "canonicalise")});
  out.push_back({"metrics", "evaluate", false, stage_body("lielac_images", "metrics")});
  return out;
}

std::vector<DataSet> data_sets(const Config&) {
  return {{.name = "images",
           .keys = {"experiment.seed", "data.", "transforms."},
           .stages = {"data"},
           .groups = {"/data"},
           .sidecars = {}}};
}

}  // namespace

ExperimentKind make_kind() {
  ExperimentKind k;
  k.name = "lielac.images";
  k.summary = "LieLAC: a CNN classifier trained on untransformed images, canonicalised over affine maps or "
              "homographies on affNIST/homNIST-style moved test sets, against augmentation";
  k.schema = make_schema();
  k.check = check;
  k.stages = stages;
  k.summary_lines = summary;
  k.data_sets = data_sets;
  return k;
}

}  // namespace structura::pipeline::lielac_images
