// The settings of a `lielac.images` run, read once from its config and
// checked as they are read (validation, stage list, stages and summary all
// call read_settings). No libtorch here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "experiments/shared/training_params.hpp"

namespace structura::pipeline::lielac_images {

// training.variants: the classifier on the untransformed images (LieLAC
// canonicalises it) and the same trained on randomly moved copies with
// their labels (symmetry data augmentation, the baseline).
const std::vector<std::string>& variant_names();

// The random maps of the transformed test set (affNIST / homNIST style).
struct MapSettings {
  std::string group;  // affine, homography
  double rotation = 40, shear = 0.3, scale_min = 0.75, scale_max = 1.25, translation = 0.15, perspective = 0.15;
};

// What the shared data set "images" depends on (data.*, transforms.*,
// experiment.seed): the data stage reads only these.
struct DataSettings {
  std::string dataset;  // digits, fashion-mnist
  std::int64_t train = 1500, test = 297;
  std::int64_t size = 16;  // content resized to size x size (0: as packaged)
  std::int64_t pad = 2;    // zeros around it
  MapSettings maps;
  std::uint64_t seed = 0;
  std::int64_t side() const;  // the stored images' side
};

struct Settings {
  DataSettings data;
  std::int64_t channels = 16, hidden = 64;  // model.*
  TrainingSettings training;
  std::vector<std::string> variants;
  double contrast_weight = 3;
  std::string group;  // canonicalisation.group
  std::int64_t restarts = 8, steps = 50, images = 0;
  double learning_rate = 0.03, init_scale = 1.0, boundary_weight = 10;
  std::string boundary, region;
  std::int64_t plot_samples = 8;
};

DataSettings read_data_settings(const Config& c);
Settings read_settings(const Config& c);

// The digits file holds 1797 images; Fashion-MNIST 60000 + 10000.
constexpr std::int64_t kDigits = 1797, kFashionTrain = 60000, kFashionTest = 10000;
constexpr std::uint64_t kTestMaps = 41, kAugmentMaps = 42, kCanonicalisation = 43, kModelInit = 44;

}  // namespace structura::pipeline::lielac_images
