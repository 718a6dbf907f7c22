// Reading and checking the `regulariser.toy` keys: the one place that calls
// Config::get_* for this kind.
#include "experiments/regulariser_toy/settings.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace structura::pipeline::regulariser_toy {

const std::vector<std::string>& regulariser_names() {
  static const std::vector<std::string> names = {"convex", "plain", "weakly-convex"};
  return names;
}

Settings read_settings(const Config& c) {
  Settings s;
  s.curve = c.get_string("data.curve");
  s.noise = c.get_float("data.noise");
  s.layers = c.get_int("model.layers");
  s.width = c.get_int("model.width");
  s.smooth_layers = c.get_int("model.smooth_layers");
  s.smooth_width = c.get_int("model.smooth_width");
  s.leaky_slope = c.get_float("model.leaky_slope");
  s.regularisers = c.get_strings("training.regularisers");
  if (s.regularisers.empty()) c.fail("training.regularisers", "needs at least one regulariser");
  for (std::size_t i = 0; i < s.regularisers.size(); ++i)
    if (std::find(s.regularisers.begin() + long(i) + 1, s.regularisers.end(), s.regularisers[i]) !=
        s.regularisers.end())
      c.fail("training.regularisers", fmt::format("lists \"{}\" twice", s.regularisers[i]));
  s.training = read_training(c, "training");
  s.two_sided_penalty = c.get_string("training.penalty") == "two-sided";
  s.penalty_weight = c.get_float("training.penalty_weight");
  s.resolution = c.get_int("evaluation.resolution");
  s.extent = c.get_float("evaluation.extent");
  s.band = c.get_float("evaluation.band");
  s.convexity_pairs = c.get_int("evaluation.convexity_pairs");
  return s;
}

}  // namespace structura::pipeline::regulariser_toy
