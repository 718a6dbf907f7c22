#include "experiments/sympflow/settings.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "experiments/shared/hamiltonian_system.hpp"

namespace structura::pipeline::sympflow {

const std::vector<std::string>& variant_names() {
  static const std::vector<std::string> names = {"residual", "residual+matching", "matching", "mixed",
                                                 "baseline", "supervised",        "supervised-baseline"};
  return names;
}

Variant parse_variant(const std::string& name) {
  const auto& names = variant_names();
  if (std::find(names.begin(), names.end(), name) == names.end())
    throw InputError(fmt::format("training.variants: unknown variant '{}' (expected one of {})", name,
                                 fmt::join(names, ", ")));
  Variant v;
  v.name = name;
  v.baseline = name == "baseline" || name == "supervised-baseline";
  v.supervised = name == "supervised" || name == "supervised-baseline";
  return v;
}

namespace {

bool is_whole_multiple(double t, double step) {
  const double k = std::round(t / step);
  return k >= 1 && std::fabs(k * step - t) <= 1e-9 * t;
}

// The keys of data_set_keys() (what the supervised data depend on), into
// `s`; the caller checks the box, read_settings in the order of its checks.
void read_data_keys(const Config& c, Settings& s) {
  auto [system, system_name] = read_system(c);
  s.system = std::move(system);
  s.system_name = std::move(system_name);
  s.dof = hamiltonian::dof(s.system);
  s.box = {c.get_float("training.q_min"), c.get_float("training.q_max"), c.get_float("training.p_min"),
           c.get_float("training.p_max")};
  s.t_max = c.get_float("training.t_max");
  s.seed = static_cast<std::uint64_t>(c.get_int("experiment.seed"));
  s.data_trajectories = c.get_int("data.trajectories");
  s.data_times = c.get_int("data.times");
  s.data_validation_trajectories = c.get_int("data.validation_trajectories");
  s.data_noise = c.get_float("data.noise");
  s.rtol = c.get_float("reference.rtol");
  s.atol = c.get_float("reference.atol");
}

void check_box(const Config& c, const Box& box) {
  if (box.q_min >= box.q_max) c.fail("training.q_max", "must be larger than training.q_min");
  if (box.p_min >= box.p_max) c.fail("training.p_max", "must be larger than training.p_min");
}

// The checks across keys, in the order validation reports them (the [system]
// and [training] tables are checked as they are read).
void check(const Config& c, const Settings& s) {
  const auto& variants = s.variants;
  if (variants.empty()) c.fail("training.variants", "needs at least one variant");
  for (std::size_t i = 0; i < variants.size(); ++i)
    for (std::size_t j = i + 1; j < variants.size(); ++j)
      if (variants[i] == variants[j]) c.fail("training.variants", fmt::format("lists \"{}\" twice", variants[i]));
  check_box(c, s.box);
  if (s.t_min >= s.t_max) c.fail("training.t_max", "must be larger than training.t_min");
  const double dt = s.t_max;
  const auto& times = s.eval_times;
  if (times.empty()) c.fail("evaluation.times", "needs at least one time");
  for (double t : times)
    if (!is_whole_multiple(t, dt))
      c.fail("evaluation.times", fmt::format("{} is not a whole multiple of training.t_max = {}", t, dt));
  if (!std::is_sorted(times.begin(), times.end()) || std::adjacent_find(times.begin(), times.end()) != times.end())
    c.fail("evaluation.times", "must be increasing");
  const double verlet = s.verlet_dt;
  if (verlet > 0 && !is_whole_multiple(dt, verlet))
    c.fail("evaluation.verlet_dt", fmt::format("must divide training.t_max = {}", dt));
  // Step and sample counts the evaluation allocates or loops over, computed
  // as the stage does, must be counts a run can hold (the stage converts them
  // to integers; 1e19 would wrap).
  auto count_ok = [&](const std::string& key, double count, double limit, const std::string& what) {
    if (!(count <= limit))
      c.fail(key, fmt::format("gives {:.3g} {}, more than the {:.3g} a run can do", count, what, limit));
  };
  count_ok("evaluation.times", times.back() / dt, 1e7, "Delta t-maps (frames of the evaluation)");
  if (verlet > 0) count_ok("evaluation.verlet_dt", times.back() / verlet, 1e12, "classical steps");
  const double phase_delta = dt / std::max(1.0, std::round(dt / s.phase_resolution));
  count_ok("evaluation.phase_t_end", s.phase_t_end / phase_delta * double(s.phase_trajectories), 1e8,
           "phase-space samples (samples x trajectories)");
  const double poincare_delta = dt / std::max(1.0, std::round(dt / s.poincare_resolution));
  count_ok("evaluation.poincare_t_end", s.poincare_t_end / poincare_delta, 1e10, "Poincare samples per orbit");
}

}  // namespace

const std::vector<std::string>& data_set_keys() {
  static const std::vector<std::string> keys = {
      "experiment.seed", "system.", "training.q_min", "training.q_max", "training.p_min", "training.p_max",
      "training.t_max", "data.trajectories", "data.times", "data.validation_trajectories", "data.noise",
      "reference."};
  return keys;
}

Settings read_data_settings(const Config& c) {
  Settings s;
  read_data_keys(c, s);
  check_box(c, s.box);
  return s;
}

Settings read_settings(const Config& c) {
  Settings s;
  read_data_keys(c, s);
  auto& a = s.architecture;
  a.dof = s.dof;
  a.layers = static_cast<int>(c.get_int("model.layers"));
  a.width = static_cast<int>(c.get_int("model.width"));
  a.depth = static_cast<int>(c.get_int("model.depth"));
  a.activation = hamiltonian::parse_activation(c.get_string("model.activation"));
  a.order = hamiltonian::parse_layer_order(c.get_string("model.order"));
  s.baseline_width = static_cast<int>(c.get_int("baseline.width"));
  s.baseline_depth = static_cast<int>(c.get_int("baseline.depth"));
  s.variants = c.get_strings("training.variants");
  s.t_min = c.get_float("training.t_min");
  s.training = read_training(c, "training");
  s.epochs = s.training.epochs;
  s.batch = s.training.batch;
  s.validation_points = c.get_int("training.validation_points");
  s.validate_every = s.training.validate_every;
  s.mixed_switch = c.get_float("training.mixed_switch");
  s.matching_weight = c.get_float("training.matching_weight");
  s.energy_weight = c.get_float("training.energy_weight");
  s.data_batch = c.get_int("data.batch");
  s.eval_trajectories = c.get_int("evaluation.trajectories");
  s.eval_times = c.get_floats("evaluation.times");
  s.eval_max_energy = c.get_float("evaluation.max_energy");
  if (s.eval_max_energy == 0) {
    const auto* hh = std::get_if<hamiltonian::HenonHeiles>(&s.system);
    s.eval_max_energy = hh != nullptr && hh->lambda != 0 ? 1.0 / (6.0 * hh->lambda * hh->lambda)
                                                         : std::numeric_limits<double>::infinity();
  }
  s.verlet_dt = c.get_float("evaluation.verlet_dt");
  s.poincare_orbits = std::holds_alternative<hamiltonian::HenonHeiles>(s.system) ? c.get_int("evaluation.poincare_orbits") : 0;
  s.poincare_energy = c.get_float("evaluation.poincare_energy");
  s.poincare_t_end = c.get_float("evaluation.poincare_t_end");
  s.poincare_resolution = c.get_float("evaluation.poincare_resolution");
  s.phase_trajectories = c.get_int("evaluation.phase_trajectories");
  s.phase_t_end = c.get_float("evaluation.phase_t_end");
  s.phase_resolution = c.get_float("evaluation.phase_resolution");
  check(c, s);
  return s;
}

std::int64_t steps_per_epoch(const Settings& s, const Variant& v) {
  if (!v.supervised) return 1;
  const std::int64_t samples = s.data_trajectories * s.data_times;
  return (samples + s.data_batch - 1) / s.data_batch;
}

namespace {

// Henon-Heiles orbits below the escape energy 1/(6 lambda^2) are bounded
// only inside the triangle whose corners are the three saddles, (0, 1/lambda)
// and (+-sqrt(3)/2, -1/2)/lambda; just beyond a saddle V is lower again and
// the orbit escapes. Other systems: no condition.
bool inside_well(const hamiltonian::System& system, const double* q) {
  const auto* hh = std::get_if<hamiltonian::HenonHeiles>(&system);
  if (hh == nullptr || hh->lambda == 0) return true;
  const double a = q[0] * hh->lambda, b = q[1] * hh->lambda, r3 = std::sqrt(3.0);
  return b > -0.5 && b < 1.0 - r3 * a && b < 1.0 + r3 * a;
}

}  // namespace

void sample_below_energy(const Settings& s, std::uint64_t key, hamiltonian::Ensemble& e) {
  const int n = s.dof;
  auto q = Kokkos::create_mirror_view(e.q);
  auto p = Kokkos::create_mirror_view(e.p);
  std::vector<double> x(static_cast<std::size_t>(2 * n));
  constexpr int kAttempts = 100000;
  for (std::int64_t i = 0; i < e.size(); ++i) {
    const auto item = static_cast<std::uint64_t>(e.first + i);
    int a = 0;
    for (; a < kAttempts; ++a) {
      draw_in_box(s.box, n, key, static_cast<std::uint64_t>(a), item, x.data());
      const double h = std::visit([&](const auto& sys) { return sys.energy(x.data(), x.data() + n); }, s.system);
      if (h < s.eval_max_energy && inside_well(s.system, x.data())) break;
    }
    if (a == kAttempts)
      throw InputError(fmt::format("evaluation.max_energy: no point of the training box has H below {:g} in {} "
                                   "draws; raise it or widen the box",
                                   s.eval_max_energy, kAttempts));
    for (int c = 0; c < n; ++c) q(i, c) = x[c], p(i, c) = x[n + c];
  }
  Kokkos::deep_copy(e.q, q);
  Kokkos::deep_copy(e.p, p);
}

void draw_in_box(const Box& box, int dof, std::uint64_t seed, std::uint64_t stream, std::uint64_t item, double* out) {
  const CounterRng rng(seed, stream);
  for (int k = 0; k < 2 * dof; ++k) {
    const Uniform4 u = rng.uniform4(item, static_cast<std::uint64_t>(k / 4));
    const bool position = k < dof;
    const double lo = position ? box.q_min : box.p_min, hi = position ? box.q_max : box.p_max;
    out[k] = lo + (hi - lo) * u.u[k % 4];
  }
}

}  // namespace structura::pipeline::sympflow
