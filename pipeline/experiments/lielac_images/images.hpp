// The images of a `lielac.images` run: the packaged data sets prepared as
// the settings say (resized, padded), the random maps of the moved test set,
// and the splits read back from result.h5 as tensors.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "canonicalisation/images/classifier.hpp"
#include "canonicalisation/lie_algebra_descent.hpp"
#include "core/h5.hpp"
#include "experiments/lielac_images/settings.hpp"

namespace structura::pipeline::lielac_images {

struct Split {
  torch::Tensor images;  // (n, S, S) float32, CPU
  torch::Tensor labels;  // (n) int64
};

// Images [first, first + count) of the training (or test) part of the data
// set, resized and padded: S = d.side(). Digits: the test part follows the
// training images in the file.
Split prepare(const DataSettings& d, bool test, std::int64_t first, std::int64_t count);

// Map i of the moved test set, a pure function of (experiment.seed, i).
canonicalisation::Element test_map(const DataSettings& d, std::uint64_t index);

// /data/<split>/{images, labels} checked against (count, S, S): InputError
// naming the file and the dataset otherwise; /data/moved/maps (count, 9).
Split read_split(const h5::File& file, const std::string& split, std::int64_t count, std::int64_t side,
                 torch::Dtype dtype = torch::kFloat32);
std::vector<canonicalisation::Element> read_maps(const h5::File& file, std::int64_t count);

// The predicted classes of images (n, S, S), and their writing as the
// hyperslab [mine] of an (n) dataset.
std::vector<std::int64_t> predict(canonicalisation::images::SmallCnn& model, const torch::Tensor& images);
void write_predictions(h5::Group& g, const std::string& name, std::int64_t n, Range mine,
                       const std::vector<std::int64_t>& values, const std::string& meaning);

}  // namespace structura::pipeline::lielac_images
