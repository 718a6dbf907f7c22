// Reading and checking the `deblur.learned` keys (see settings.hpp): the
// one place that calls Config::get_* for this kind.
#include "experiments/deblur_learned/settings.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"

namespace structura::pipeline::deblur_learned {

namespace {

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

const std::vector<std::string>& regulariser_names() {
  static const std::vector<std::string> names{"ar", "acr"};
  return names;
}

const std::vector<std::string>& method_names() {
  static const std::vector<std::string> names{"observation", "tv", "ar", "acr"};
  return names;
}

const std::vector<std::string>& photograph_names() {
  // clock_motion (already motion-blurred) and cell (small, out of focus) left out.
  static const std::vector<std::string> names{"camera", "astronaut", "coffee",          "chelsea", "coins",
                                              "moon",   "brick",     "grass",           "gravel",  "motorcycle_left"};
  return names;
}

DataSettings read_data_settings(const Config& c) {
  DataSettings d;
  d.size = c.get_int("image.size");
  d.train_photographs = c.get_strings("photographs.train");
  d.test_photographs = c.get_strings("photographs.test");
  for (const char* key : {"photographs.train", "photographs.test"}) {
    const std::vector<std::string> v = c.get_strings(key);
    if (v.empty()) c.fail(key, "needs at least one photograph");
    no_repeats(c, key, v);
  }
  for (const std::string& p : d.test_photographs)
    if (contains(d.train_photographs, p))
      c.fail("photographs.test",
             fmt::format("\"{}\" is also in photographs.train: the test patches come from held-out photographs", p));
  d.blur_sigma = c.get_float("blur.sigma");
  d.noise_sigma = c.get_float("noise.sigma");
  d.train = c.get_int("data.train");
  d.validation = c.get_int("data.validation");
  d.test = c.get_int("data.test");
  d.seed = static_cast<std::uint64_t>(c.get_int("experiment.seed"));
  return d;
}

Settings read_settings(const Config& c) {
  Settings s;
  s.data = read_data_settings(c);
  s.regularisers = c.get_strings("training.regularisers");
  no_repeats(c, "training.regularisers", s.regularisers);
  s.training = read_training(c, "training", /*with_optimizer=*/false);
  for (const std::string& r : s.regularisers) s.learned.push_back(read_regulariser(c, r));
  check_ar_image_size(c, s.regularisers, s.data.size, "image.size");
  s.tv.lambda = c.get_float("tv.lambda");
  s.tv.eps = c.get_float("tv.eps");
  s.tv.iterations = static_cast<int>(c.get_int("tv.iterations"));
  s.methods = c.get_strings("reconstruction.methods");
  if (s.methods.empty()) c.fail("reconstruction.methods", "needs at least one method");
  no_repeats(c, "reconstruction.methods", s.methods);
  for (const std::string& m : s.methods)
    if (contains(regulariser_names(), m) && !contains(s.regularisers, m))
      c.fail("reconstruction.methods",
             fmt::format("\"{}\" is a learned regulariser that training.regularisers does not train", m));
  return s;
}

StageNames read_stage_names(const Config& c) {
  return {c.get_strings("training.regularisers"), c.get_strings("reconstruction.methods")};
}

std::vector<SplitIndex> splits(const DataSettings& d) {
  const auto t = static_cast<std::uint64_t>(d.train), v = static_cast<std::uint64_t>(d.validation);
  return {{"train", d.train, 0}, {"validation", d.validation, t}, {"test", d.test, t + v}};
}

std::int64_t split_count(const DataSettings& d, const std::string& split) {
  for (const SplitIndex& s : splits(d))
    if (s.name == split) return s.count;
  throw Error(fmt::format("deblur.learned: no data split '{}'", split));
}

}  // namespace structura::pipeline::deblur_learned
