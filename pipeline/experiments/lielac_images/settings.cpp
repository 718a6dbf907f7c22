// Reading and checking the `lielac.images` keys: the one place that calls
// Config::get_* for this kind.
#include "experiments/lielac_images/settings.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace structura::pipeline::lielac_images {

const std::vector<std::string>& variant_names() {
  static const std::vector<std::string> names = {"plain", "augmented"};
  return names;
}

std::int64_t DataSettings::side() const {
  const std::int64_t content = size > 0 ? size : (dataset == "digits" ? 8 : 28);
  return content + 2 * pad;
}

DataSettings read_data_settings(const Config& c) {
  DataSettings d;
  d.dataset = c.get_string("data.dataset");
  d.train = c.get_int("data.train");
  d.test = c.get_int("data.test");
  if (d.dataset == "digits" && d.train + d.test > kDigits)
    c.fail("data.test", fmt::format("data.train + data.test = {} exceeds the {} digits", d.train + d.test, kDigits));
  if (d.dataset == "fashion-mnist") {
    if (d.train > kFashionTrain) c.fail("data.train", fmt::format("Fashion-MNIST has {} training images", kFashionTrain));
    if (d.test > kFashionTest) c.fail("data.test", fmt::format("Fashion-MNIST has {} test images", kFashionTest));
  }
  d.size = c.get_int("data.size");
  d.pad = c.get_int("data.pad");
  d.maps.group = c.get_string("transforms.group");
  d.maps.rotation = c.get_float("transforms.rotation");
  d.maps.shear = c.get_float("transforms.shear");
  d.maps.scale_min = c.get_float("transforms.scale_min");
  d.maps.scale_max = c.get_float("transforms.scale_max");
  if (d.maps.scale_max < d.maps.scale_min)
    c.fail("transforms.scale_max", fmt::format("{} is below transforms.scale_min = {}", d.maps.scale_max, d.maps.scale_min));
  d.maps.translation = c.get_float("transforms.translation");
  d.maps.perspective = c.get_float("transforms.perspective");
  d.seed = static_cast<std::uint64_t>(c.get_int("experiment.seed"));
  return d;
}

Settings read_settings(const Config& c) {
  Settings s;
  s.data = read_data_settings(c);
  s.channels = c.get_int("model.channels");
  s.hidden = c.get_int("model.hidden");
  s.training = read_training(c, "training");
  if (s.training.batch > s.data.train)
    c.fail("training.batch", fmt::format("{} is more than the data.train = {} images", s.training.batch, s.data.train));
  s.variants = c.get_strings("training.variants");
  if (std::find(s.variants.begin(), s.variants.end(), "plain") == s.variants.end())
    c.fail("training.variants", "must include \"plain\": canonicalisation uses that classifier");
  for (std::size_t i = 0; i < s.variants.size(); ++i)
    if (std::find(s.variants.begin() + static_cast<long>(i) + 1, s.variants.end(), s.variants[i]) != s.variants.end())
      c.fail("training.variants", fmt::format("lists \"{}\" twice", s.variants[i]));
  s.contrast_weight = c.get_float("training.contrast_weight");
  s.group = c.get_string("canonicalisation.group");
  s.restarts = c.get_int("canonicalisation.restarts");
  s.steps = c.get_int("canonicalisation.steps");
  s.learning_rate = c.get_float("canonicalisation.learning_rate");
  s.init_scale = c.get_float("canonicalisation.init_scale");
  s.boundary_weight = c.get_float("canonicalisation.boundary_weight");
  s.boundary = c.get_string("canonicalisation.boundary");
  s.region = c.get_string("canonicalisation.region");
  s.images = c.get_int("canonicalisation.images");
  if (s.images > s.data.test)
    c.fail("canonicalisation.images", fmt::format("more than the data.test = {} test images", s.data.test));
  s.plot_samples = c.get_int("evaluation.plot_samples");
  return s;
}

}  // namespace structura::pipeline::lielac_images
