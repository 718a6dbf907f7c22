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

// regularisers/ar_critic.hpp: four stride-2 convolutions need sizes that
// are multiples of 16 (the critic library checks it again when it builds).
constexpr std::int64_t kArMultiple = 16;

template <class V>
bool contains(const V& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

void no_repeats(const Config& c, const std::string& key, const std::vector<std::string>& v) {
  for (std::size_t i = 0; i < v.size(); ++i)
    for (std::size_t j = i + 1; j < v.size(); ++j)
      if (v[i] == v[j]) c.fail(key, fmt::format("lists \"{}\" twice", v[i]));
}

RegulariserSettings read_regulariser(const Config& c, const std::string& r) {
  RegulariserSettings s;
  s.name = r;
  s.optimizer = read_optimizer(c, r);
  s.penalty_weight = c.get_float(r + ".penalty_weight");
  s.lambda = c.get_float(r + ".lambda");
  s.step = c.get_float(r + ".step");
  s.step_rule = c.get_string(r + ".step_rule");
  s.iterations = static_cast<int>(c.get_int(r + ".iterations"));
  if (r == "ar") {
    s.leaky_slope = c.get_float("ar.leaky_slope");
    s.dense = c.get_int("ar.dense");
  } else if (r == "iwcnn" || r == "cnc") {
    s.layers = c.get_int(r + ".layers");
    s.channels = c.get_int(r + ".channels");
    s.kernel = c.get_int(r + ".kernel");
    s.smooth_layers = c.get_int(r + ".smooth_layers");
    s.smooth_channels = c.get_int(r + ".smooth_channels");
    s.smooth_kernel = c.get_int(r + ".smooth_kernel");
    for (const char* key : {".kernel", ".smooth_kernel"})
      if (c.get_int(r + key) % 2 == 0)
        c.fail(r + key, fmt::format("must be odd (same padding), got {}", c.get_int(r + key)));
    if (r == "cnc") {
      s.banks = c.get_int("cnc.banks");
      s.filters = c.get_int("cnc.filters");
      s.data_curvature = c.get_float("cnc.data_curvature");
    }
  } else {
    s.layers = c.get_int("acr.layers");
    s.channels = c.get_int("acr.channels");
    s.kernel = c.get_int("acr.kernel");
    s.banks = c.get_int("acr.banks");
    s.filters = c.get_int("acr.filters");
    s.sfb_weight_decay = c.get_float("acr.sfb_weight_decay");
    if (s.kernel % 2 == 0) c.fail("acr.kernel", fmt::format("must be odd (same padding), got {}", s.kernel));
    if (s.sfb_weight_decay != 0 && s.optimizer.kind != nn::OptimizerKind::Adam)
      c.fail("acr.sfb_weight_decay",
             "applies through a second parameter group of Adam (the reference's second optimizer); set it to 0 "
             "for another acr.optimizer");
  }
  return s;
}

}  // namespace

const std::vector<std::string>& regulariser_names() {
  static const std::vector<std::string> names{"ar", "acr", "iwcnn", "cnc"};
  return names;
}

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
  const int n = s.data.image.nx;
  if (s.trains("ar") && n % kArMultiple != 0)
    c.fail("image.size", fmt::format("the AR critic (training.regularisers has \"ar\") needs a multiple of {}, got {} "
                                     "(e.g. {} or {})",
                                     kArMultiple, n, std::max<std::int64_t>(kArMultiple, n / kArMultiple * kArMultiple),
                                     (n / kArMultiple + 1) * kArMultiple));
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
    if (contains(regulariser_names(), m) && !s.trains(m))
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
  for (const RegulariserSettings& r : learned)
    if (r.name == name) return r;
  throw InputError(fmt::format("training.regularisers: \"{}\" is not trained in this run", name));
}

std::vector<SplitIndex> splits(const DataSettings& d) {
  const auto t = static_cast<std::uint64_t>(d.train), v = static_cast<std::uint64_t>(d.validation);
  return {{"train", d.train, 0}, {"validation", d.validation, t}, {"test", d.test, t + v}};
}

}  // namespace structura::pipeline::ct_learned
