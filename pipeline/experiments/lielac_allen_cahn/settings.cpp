// Reading and checking the `lielac.allen_cahn` keys: the one place that
// calls Config::get_* for this kind.
#include "experiments/lielac_allen_cahn/settings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numbers>

#include "experiments/shared/petsc_settings.hpp"

namespace structura::pipeline::lielac_allen_cahn {

namespace {

constexpr double kDegree = std::numbers::pi / 180;

void check_order(const Config& c, const std::string& low, double lo, const std::string& high, double hi) {
  if (hi < lo) c.fail(high, fmt::format("{} is below {} = {}", hi, low, lo));
}

// The rotations of the canonicalisation act on droplets brought to the
// centre, and they are sampled exactly only while the droplet (with its
// tails) lies within 0.29 of the centre (canonicalisation/front_energy.hpp):
// the largest semi-axis and two widths of the profile (where 1 + u has
// fallen to 2 e^-4) must stay inside. Off-centre inputs must keep their
// fronts inside the square: the reach plus the position band and the shift.
void check_extent(const Config& c, const DataSettings& s) {
  const double tails = 2 * std::numbers::sqrt2 * s.pde.epsilon * s.front.width;
  const double reach = s.front.semi_major_max + tails;
  if (reach > 0.29)
    c.fail("front.semi_major_max",
           fmt::format("a droplet of semi-axis {} with fronts of width {:.3g} reaches {:.3f} from the centre; "
                       "rotations of the periodic square are sampled exactly only within 0.29 "
                       "(canonicalisation/front_energy.hpp)",
                       s.front.semi_major_max, tails / 2, reach));
  if (reach + std::numbers::sqrt2 * (s.front.position_band + s.ood.shift) > 0.5)
    c.fail("ood.shift", fmt::format("{} with front.position_band = {} moves the droplet (reach {:.3f}) off the "
                                    "square",
                                    s.ood.shift, s.front.position_band, reach));
}

void check_generators(const Config& c, const std::vector<std::int64_t>& g) {
  const std::string key = "canonicalisation.generators";
  if (g.empty()) c.fail(key, "needs at least one generator");
  for (std::size_t i = 0; i < g.size(); ++i) {
    if (g[i] != 0 && g[i] != 1 && g[i] != 3)
      c.fail(key, fmt::format("generator {} is not a symmetry of a field at a fixed time; the generators are 0 "
                              "(d_x), 1 (d_y) and 3 (the rotation about the centre)",
                              g[i]));
    if (std::find(g.begin() + static_cast<long>(i) + 1, g.end(), g[i]) != g.end())
      c.fail(key, fmt::format("lists generator {} twice", g[i]));
  }
}

}  // namespace

DataSettings read_data_settings(const Config& c) {
  DataSettings s;
  PdeSettings& p = s.pde;
  p.epsilon = c.get_float("pde.epsilon");
  p.points = c.get_int("pde.points");
  p.stride = c.get_int("pde.stride");
  if (p.points % p.stride != 0)
    c.fail("pde.stride", fmt::format("must divide pde.points = {} (got {})", p.points, p.stride));
  if (p.model_points() < 8)
    c.fail("pde.stride", fmt::format("leaves a model grid of {} points (at least 8)", p.model_points()));
  p.t_end = c.get_float("pde.t_end");
  p.dt = c.get_float("pde.dt");
  if (p.dt > p.t_end) c.fail("pde.dt", fmt::format("{} is longer than pde.t_end = {}", p.dt, p.t_end));
  p.petsc.options = c.get_strings("pde.petsc_options");
  p.petsc.key = "pde.petsc_options";
  p.petsc.prefix = "lielac_ac_";
  p.petsc.objects = {"ts", "snes", "ksp", "pc", "mat", "vec"};
  check_petsc_settings(c, p.petsc);

  FrontSettings& f = s.front;
  f.semi_major_min = c.get_float("front.semi_major_min");
  f.semi_major_max = c.get_float("front.semi_major_max");
  check_order(c, "front.semi_major_min", f.semi_major_min, "front.semi_major_max", f.semi_major_max);
  f.semi_minor_min = c.get_float("front.semi_minor_min");
  f.semi_minor_max = c.get_float("front.semi_minor_max");
  check_order(c, "front.semi_minor_min", f.semi_minor_min, "front.semi_minor_max", f.semi_minor_max);
  if (f.semi_minor_max >= f.semi_major_min)
    c.fail("front.semi_minor_max", fmt::format("{} is not below front.semi_major_min = {}: the droplets need a "
                                               "major axis for their orientation",
                                               f.semi_minor_max, f.semi_major_min));
  f.angle = c.get_float("front.angle") * kDegree;
  f.angle_band = c.get_float("front.angle_band") * kDegree;
  f.position_band = c.get_float("front.position_band");
  f.width = c.get_float("front.width");
  f.noise = c.get_float("front.noise");

  s.ood.angle_min = c.get_float("ood.angle_min") * kDegree;
  s.ood.angle_max = c.get_float("ood.angle_max") * kDegree;
  check_order(c, "ood.angle_min", s.ood.angle_min, "ood.angle_max", s.ood.angle_max);
  s.ood.shift = c.get_float("ood.shift");
  check_extent(c, s);

  s.train = c.get_int("data.train");
  s.test = c.get_int("data.test");
  s.ood_count = c.get_int("data.ood");
  if (s.ood_count > s.test)
    c.fail("data.ood",
           fmt::format("{} exceeds data.test = {}: OOD input i is test input i moved", s.ood_count, s.test));
  s.seed = static_cast<std::uint64_t>(c.get_int("experiment.seed"));
  return s;
}

Settings read_settings(const Config& c) {
  Settings s;
  s.data = read_data_settings(c);
  const std::int64_t P = s.data.pde.model_points();
  s.model.modes = c.get_int("model.modes");
  s.model.width = c.get_int("model.width");
  s.model.layers = c.get_int("model.layers");
  s.model.projection = c.get_int("model.projection");
  s.model.grid = c.get_bool("model.grid");
  if (2 * s.model.modes > P)
    c.fail("model.modes", fmt::format("{} modes per direction on a model grid of {} points (pde.points / "
                                      "pde.stride) keep more than its {} Fourier modes",
                                      s.model.modes, P, P / 2));
  s.training = read_training(c, "training");
  if (s.data.train < s.training.batch)
    c.fail("data.train",
           fmt::format("{} samples are fewer than one batch (training.batch = {})", s.data.train, s.training.batch));

  CanonicalisationSettings& k = s.canonicalisation;
  k.generators = std::get<std::vector<std::int64_t>>(c.get("canonicalisation.generators"));
  check_generators(c, k.generators);
  k.method = c.get_string("canonicalisation.method");
  k.evaluation = c.get_string("canonicalisation.evaluation");
  k.restarts = c.get_int("canonicalisation.restarts");
  k.steps = c.get_int("canonicalisation.steps");
  k.sweeps = c.get_int("canonicalisation.sweeps");
  k.learning_rate = c.get_float("canonicalisation.learning_rate");
  k.init_scale = c.get_float("canonicalisation.init_scale");
  k.translation_scale = c.get_float("canonicalisation.translation_scale");

  s.plot_samples = c.get_int("evaluation.plot_samples");
  if (s.plot_samples > s.data.ood_count)
    c.fail("evaluation.plot_samples", fmt::format("more than data.ood = {}", s.data.ood_count));
  return s;
}

}  // namespace structura::pipeline::lielac_allen_cahn
