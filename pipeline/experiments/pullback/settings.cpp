// Reading and checking the `pullback` keys: the one place that calls
// Config::get_* for this kind.
#include "experiments/pullback/settings.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"

namespace structura::pipeline::pullback {

const std::vector<std::string>& method_names() {
  static const std::vector<std::string> names = {"standard", "anisotropic", "isometric", "anisotropic-isometric"};
  return names;
}

bool learns_variances(const std::string& method) { return method == "anisotropic" || method == "anisotropic-isometric"; }
bool regularised(const std::string& method) { return method == "isometric" || method == "anisotropic-isometric"; }

std::int64_t Settings::steps_per_epoch() const {
  return (data.split.train.count + training.batch - 1) / training.batch;
}

DataSettings read_data_settings(const Config& c) {
  DataSettings d;
  const auto kind = datasets::parse_manifold_kind(c.get_string("data.set"));
  d.planar = datasets::is_planar(kind);
  const auto k = c.get_int("data.intrinsic_dimension"), n = c.get_int("data.ambient_dimension");
  if (!d.planar) {
    if (n > datasets::max_ambient_dimension)
      c.fail("data.ambient_dimension", fmt::format("at most {} dimensions are supported, got {}",
                                                   datasets::max_ambient_dimension, n));
    if (k >= n)
      c.fail("data.intrinsic_dimension",
             fmt::format("the manifold's dimension K = {} must be below the ambient dimension N = {} "
                         "(data.ambient_dimension)", k, n));
  }
  try {
    d.manifold = datasets::make_manifold_settings(kind, static_cast<int>(k), static_cast<int>(n));
    if (d.planar) d.manifold.planar.sampler = datasets::parse_planar_sampler(c.get_string("data.sampler"));
  } catch (const ConfigError&) {
    throw;
  } catch (const InputError& e) {
    throw ConfigError(fmt::format("{}: {}", c.source_file(), e.what()));
  }
  d.ambient = datasets::ambient_dimension(d.manifold);
  d.intrinsic = datasets::intrinsic_dimension(d.manifold);
  d.seed = static_cast<std::uint64_t>(c.get_int("experiment.seed"));
  d.samples = c.get_int("data.samples");
  if (d.samples == 0) d.samples = datasets::reference_samples(d.manifold);
  const datasets::SplitFractions fractions{c.get_float("data.train_fraction"), c.get_float("data.validation_fraction"),
                                           c.get_float("data.test_fraction")};
  try {
    datasets::validate(fractions);
  } catch (const InputError& e) {
    throw ConfigError(fmt::format("{}: {}", c.source_file(), e.what()));
  }
  d.split = datasets::split_ranges(d.samples, fractions);
  if (d.split.train.count < 1) c.fail("data.samples", fmt::format("{} samples leave no training rows", d.samples));
  if (d.split.test.count < 2) c.fail("data.samples", fmt::format("{} samples leave fewer than 2 test rows", d.samples));
  return d;
}

Settings read_settings(const Config& c) {
  Settings s;
  s.data = read_data_settings(c);
  s.layers = c.get_int("flow.layers");
  s.hidden = c.get_int("flow.hidden");
  s.blocks = c.get_int("flow.blocks");
  s.isometry = c.get_string("loss.isometry");
  s.isometry_weight = c.get_float("loss.isometry_weight");
  s.volume_weight = c.get_float("loss.volume_weight");
  s.directions = c.get_int("loss.directions");
  s.methods = c.get_strings("training.methods");
  if (s.methods.empty()) c.fail("training.methods", "needs at least one method");
  for (std::size_t i = 0; i < s.methods.size(); ++i)
    if (std::find(s.methods.begin() + long(i) + 1, s.methods.end(), s.methods[i]) != s.methods.end())
      c.fail("training.methods", fmt::format("lists \"{}\" twice", s.methods[i]));
  s.training = read_training(c, "training");
  if (s.training.batch > s.data.split.train.count)
    c.fail("training.batch", fmt::format("a batch of {} is larger than the {} training rows", s.training.batch,
                                         s.data.split.train.count));
  s.pairs = c.get_int("evaluation.pairs");
  s.points = c.get_int("evaluation.points");
  s.epsilon = c.get_float("evaluation.epsilon");
  s.variation_noise = c.get_float("evaluation.variation_noise");
  s.resolution = c.get_int("evaluation.resolution");
  s.extent = c.get_float("evaluation.extent");
  return s;
}

}  // namespace structura::pipeline::pullback
