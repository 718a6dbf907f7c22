// Reading and checking the `lielac.pde` keys: the one place that calls
// Config::get_* for this kind.
#include "experiments/lielac_pde/settings.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "experiments/shared/petsc_settings.hpp"

namespace structura::pipeline::lielac_pde {

const std::vector<std::string>& variant_names() {
  static const std::vector<std::string> names = {"plain", "augmented", "fine-tuned"};
  return names;
}

namespace {

// The generators that keep the periodic domain and the time scale
// (canonicalisation/pde_frame.hpp): d_x, d_t and u d_u (heat) or the
// Galilean boost (Burgers). The others would map the period onto another
// interval, and the run could not predict in the canonical frame.
void check_generators(const Config& c, const std::vector<std::int64_t>& g) {
  const std::string key = "canonicalisation.generators";
  if (g.empty()) c.fail(key, "needs at least one generator");
  for (std::size_t i = 0; i < g.size(); ++i) {
    if (g[i] < 0 || g[i] > 2)
      c.fail(key, fmt::format("generator {} changes the period or the time scale of the periodic data; the "
                              "generators that keep both are 0 (d_x), 1 (d_t) and 2 (u d_u for heat, the "
                              "Galilean boost for Burgers)",
                              g[i]));
    if (std::find(g.begin() + static_cast<long>(i) + 1, g.end(), g[i]) != g.end())
      c.fail(key, fmt::format("lists generator {} twice", g[i]));
  }
}

}  // namespace

DataSettings read_data_settings(const Config& c) {
  DataSettings s;
  PdeSettings& p = s.pde;
  p.equation = c.get_string("pde.equation");
  p.nu = c.get_float("pde.nu");
  p.points = c.get_int("pde.points");
  p.stride = c.get_int("pde.stride");
  if (p.points % p.stride != 0)
    c.fail("pde.stride", fmt::format("must divide pde.points = {} (got {})", p.points, p.stride));
  p.order = static_cast<int>(c.get_int("pde.order"));
  if (p.order != 2 && p.order != 4) c.fail("pde.order", fmt::format("must be 2 or 4 (got {})", p.order));
  p.spectral = c.get_string("pde.discretisation") == "spectral";
  p.t_end = c.get_float("pde.t_end");
  p.dt = c.get_float("pde.dt");
  if (p.dt > p.t_end) c.fail("pde.dt", fmt::format("{} is longer than pde.t_end = {}", p.dt, p.t_end));
  p.petsc.options = c.get_strings("pde.petsc_options");
  p.petsc.key = "pde.petsc_options";
  p.petsc.prefix = "lielac_";
  p.petsc.objects = {"ts", "snes", "ksp", "pc", "mat", "vec"};
  check_petsc_settings(c, p.petsc);
  p.grf_sigma = c.get_float("grf.sigma");
  p.grf_tau = c.get_float("grf.tau");
  p.grf_gamma = c.get_float("grf.gamma");

  s.train = c.get_int("data.train");
  s.test = c.get_int("data.test");
  s.ood = c.get_int("data.ood");
  s.fine_tune = c.get_int("data.fine_tune");
  s.seed = static_cast<std::uint64_t>(c.get_int("experiment.seed"));

  s.shift.shift = c.get_float("ood.shift");
  s.shift.boost_min = c.get_float("ood.boost_min");
  s.shift.boost_max = c.get_float("ood.boost_max");
  if (s.shift.boost_max < s.shift.boost_min)
    c.fail("ood.boost_max", fmt::format("{} is below ood.boost_min = {}", s.shift.boost_max, s.shift.boost_min));
  s.shift.amplitude_min = c.get_float("ood.amplitude_min");
  s.shift.amplitude_max = c.get_float("ood.amplitude_max");
  if (s.shift.amplitude_max < s.shift.amplitude_min)
    c.fail("ood.amplitude_max",
           fmt::format("{} is below ood.amplitude_min = {}", s.shift.amplitude_max, s.shift.amplitude_min));
  return s;
}

Settings read_settings(const Config& c) {
  Settings s;
  s.data = read_data_settings(c);
  const PdeSettings& p = s.data.pde;
  s.model.modes = c.get_int("model.modes");
  s.model.width = c.get_int("model.width");
  s.model.layers = c.get_int("model.layers");
  s.model.projection = c.get_int("model.projection");
  s.model.grid = c.get_bool("model.grid");
  if (s.model.modes > p.model_points() / 2 + 1)
    c.fail("model.modes", fmt::format("{} modes on a model grid of {} points (pde.points / pde.stride) keep more than "
                                      "its {} Fourier modes",
                                      s.model.modes, p.model_points(), p.model_points() / 2 + 1));

  s.training = read_training(c, "training");
  s.variants = c.get_strings("training.variants");
  if (s.variants.empty()) c.fail("training.variants", "needs at least one variant");
  if (std::find(s.variants.begin(), s.variants.end(), "plain") == s.variants.end())
    c.fail("training.variants", "must include \"plain\": canonicalisation and fine-tuning start from that model");
  for (std::size_t i = 0; i < s.variants.size(); ++i)
    if (std::find(s.variants.begin() + static_cast<long>(i) + 1, s.variants.end(), s.variants[i]) != s.variants.end())
      c.fail("training.variants", fmt::format("lists \"{}\" twice", s.variants[i]));
  s.fine_tune_epochs = c.get_int("fine_tune.epochs");
  s.fine_tune_learning_rate = c.get_float("fine_tune.learning_rate");
  const bool fine_tuned = std::find(s.variants.begin(), s.variants.end(), "fine-tuned") != s.variants.end();
  if (fine_tuned && s.data.fine_tune < s.training.batch)
    c.fail("data.fine_tune", fmt::format("{} samples are fewer than one batch (training.batch = {})", s.data.fine_tune,
                                         s.training.batch));
  if (s.data.train < s.training.batch)
    c.fail("data.train", fmt::format("{} samples are fewer than one batch (training.batch = {})", s.data.train,
                                     s.training.batch));

  CanonicalisationSettings& k = s.canonicalisation;
  k.generators = std::get<std::vector<std::int64_t>>(c.get("canonicalisation.generators"));
  check_generators(c, k.generators);
  k.method = c.get_string("canonicalisation.method");
  k.energy = c.get_string("canonicalisation.energy");
  k.restarts = c.get_int("canonicalisation.restarts");
  k.steps = c.get_int("canonicalisation.steps");
  k.sweeps = c.get_int("canonicalisation.sweeps");
  k.modes = c.get_int("canonicalisation.modes");
  if (2 * (k.modes + 1) > p.points)
    c.fail("canonicalisation.modes", fmt::format("{} modes need more than pde.points = {} grid points", k.modes,
                                                 p.points));
  k.learning_rate = c.get_float("canonicalisation.learning_rate");
  k.init_scale = c.get_float("canonicalisation.init_scale");

  s.landscape_points = c.get_int("evaluation.landscape_points");
  s.landscape_extent = c.get_float("evaluation.landscape_extent");
  s.plot_samples = c.get_int("evaluation.plot_samples");
  if (s.plot_samples > s.data.ood)
    c.fail("evaluation.plot_samples", fmt::format("more than data.ood = {}", s.data.ood));
  return s;
}

}  // namespace structura::pipeline::lielac_pde
