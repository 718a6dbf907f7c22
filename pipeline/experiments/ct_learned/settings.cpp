// Reading and checking the `ct.learned` keys (see settings.hpp): the one
// place that calls Config::get_* for this kind.
#include "experiments/ct_learned/settings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numbers>

#include "core/error.hpp"

namespace structura::pipeline::ct_learned {

using namespace tomography;

namespace {

template <class V>
bool contains(const V& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

const std::vector<std::string>& method_names() {
  static const std::vector<std::string> names{"fbp", "tv", "ar", "acr", "iwcnn", "cnc", "awcr-pd"};
  return names;
}

DataSettings read_data_settings(const Config& c) {
  DataSettings d;
  const int n = static_cast<int>(c.get_int("image.size"));
  const double extent = c.get_float("image.extent");
  d.image = ImageGeometry{n, n, extent, extent};
  d.beam.kind = BeamKind::Parallel;
  const double degrees = c.get_float("beam.range_degrees");
  d.range_radians = degrees == 180 ? std::numbers::pi : degrees * std::numbers::pi / 180;  // pi exactly for 180
  d.beam.angles = uniform_angles(static_cast<int>(c.get_int("beam.angles")), d.range_radians);
  const std::int64_t detectors = c.get_int("beam.detectors");
  d.beam.detectors = detectors > 0 ? static_cast<int>(detectors) : n;
  d.beam.detector_spacing = extent / d.beam.detectors;
  d.supersample = static_cast<int>(c.get_int("phantoms.supersample"));
  d.noise = read_ct_noise(c);
  d.train = c.get_int("data.train");
  d.validation = c.get_int("data.validation");
  d.test = c.get_int("data.test");
  d.seed = static_cast<std::uint64_t>(c.get_int("experiment.seed"));
  d.fbp_filter = c.get_string("fbp.filter");
  return d;
}

Settings read_settings(const Config& c) {
  Settings s;
  s.data = read_data_settings(c);
  s.regularisers = c.get_strings("training.regularisers");
  no_repeats(c, "training.regularisers", s.regularisers);
  s.training = read_training(c, "training", /*with_optimizer=*/false);
  for (const std::string& r : s.regularisers) s.learned.push_back(read_regulariser(c, r));
  check_ar_image_size(c, s.regularisers, s.data.image.nx, "image.size");
  s.tv_lambda = c.get_float("tv.lambda");
  s.tv_iterations = static_cast<int>(c.get_int("tv.iterations"));
  s.awcr_pd.iterations = static_cast<int>(c.get_int("awcr_pd.iterations"));
  s.awcr_pd.sigma = c.get_float("awcr_pd.sigma");
  s.awcr_pd.extrapolation = c.get_float("awcr_pd.extrapolation");
  s.awcr_pd.step_fraction = c.get_float("awcr_pd.step_fraction");
  s.awcr_pd.lipschitz = c.get_float("awcr_pd.lipschitz");
  s.methods = c.get_strings("reconstruction.methods");
  if (s.methods.empty()) c.fail("reconstruction.methods", "needs at least one method");
  no_repeats(c, "reconstruction.methods", s.methods);
  for (const std::string& m : s.methods)
    if (contains(learned_regulariser_names(), m) && !s.trains(m))
      c.fail("reconstruction.methods",
             fmt::format("\"{}\" is a learned regulariser that training.regularisers does not train", m));
  if (contains(s.methods, "awcr-pd") && !s.trains("iwcnn"))
    c.fail("reconstruction.methods",
           "\"awcr-pd\" runs on the trained IWCNN: training.regularisers must list \"iwcnn\"");
  return s;
}

StageNames read_stage_names(const Config& c) {
  return {c.get_strings("training.regularisers"), c.get_strings("reconstruction.methods")};
}

bool Settings::trains(const std::string& name) const { return contains(regularisers, name); }

const RegulariserSettings& Settings::regulariser(const std::string& name) const {
  return find_settings(learned, name);
}

std::vector<SplitIndex> splits(const DataSettings& d) {
  const auto t = static_cast<std::uint64_t>(d.train), v = static_cast<std::uint64_t>(d.validation);
  return {{"train", d.train, 0}, {"validation", d.validation, t}, {"test", d.test, t + v}};
}

}  // namespace structura::pipeline::ct_learned
