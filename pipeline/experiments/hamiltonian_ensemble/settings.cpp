// Reading and checking the `hamiltonian.ensemble` keys (see settings.hpp): the
// one place that calls Config::get_* for this kind.
#include "experiments/hamiltonian_ensemble/settings.hpp"

#include <fmt/format.h>

#include <cmath>
#include <utility>

namespace structura::pipeline::hamiltonian_ensemble {

namespace {

// The checks across keys, in the order validation reports them.
void check(const Config& c, const Settings& s, const std::string& reference_method) {
  if (s.system_name == "damped-oscillator") {
    for (const auto& m : s.methods)
      if (m != "implicit-midpoint" && m != "rk4")
        c.fail("integration.methods", fmt::format("\"{}\" needs a separable Hamiltonian; the damped oscillator in "
                                                  "doubled variables is not (use implicit-midpoint or rk4)", m));
    if (s.sampling == "shell") c.fail("ensemble.sampling", "shell sampling needs a separable Hamiltonian; use box");
  }
  if (s.methods.empty()) c.fail("integration.methods", "needs at least one method");
  const double steps = std::round(s.t_end / s.dt);
  // Steps are counted in int64 and checked as whole numbers in double, exact to 2^53.
  if (!(steps <= 9007199254740992.0))
    c.fail("integration.t_end",
           fmt::format("t_end / dt = {:.3g} steps, more than 2^53 a run can count", s.t_end / s.dt));
  if (steps < 1 || std::fabs(steps * s.dt - s.t_end) > 1e-9 * s.t_end)
    c.fail("integration.t_end",
           fmt::format("{} is not a whole number of steps of integration.dt = {}", s.t_end, s.dt));
  if (static_cast<std::int64_t>(steps) % s.output_every != 0)
    c.fail("integration.output_every", fmt::format("{} does not divide the number of steps {} (t_end / dt)",
                                                   s.output_every, static_cast<long>(steps)));
  if (s.q_min >= s.q_max) c.fail("ensemble.q_max", "must be larger than ensemble.q_min");
  if (s.p_min >= s.p_max) c.fail("ensemble.p_max", "must be larger than ensemble.p_min");
  if (reference_method == "exact" && s.system_name != "harmonic-oscillator" && s.system_name != "kepler")
    c.fail("reference.method",
           fmt::format("no exact solution is known for {}; use dopri5 or auto", s.system_name));
  for (std::size_t i = 0; i < s.methods.size(); ++i)
    for (std::size_t j = i + 1; j < s.methods.size(); ++j)
      if (s.methods[i] == s.methods[j])
        c.fail("integration.methods", fmt::format("lists \"{}\" twice", s.methods[i]));
}

}  // namespace

Settings read_settings(const Config& c) {
  Settings s;
  auto [system, system_name] = read_system(c);
  s.system = std::move(system);
  s.system_name = std::move(system_name);
  s.trajectories = c.get_int("ensemble.trajectories");
  s.sampling = c.get_string("ensemble.sampling");
  s.energy = c.get_float("ensemble.energy");
  s.q_min = c.get_float("ensemble.q_min");
  s.q_max = c.get_float("ensemble.q_max");
  s.p_min = c.get_float("ensemble.p_min");
  s.p_max = c.get_float("ensemble.p_max");
  s.seed = c.get_int("experiment.seed");
  s.methods = c.get_strings("integration.methods");
  s.dt = c.get_float("integration.dt");
  s.t_end = c.get_float("integration.t_end");
  s.output_every = c.get_int("integration.output_every");
  const std::string reference_method = c.get_string("reference.method");
  s.rtol = c.get_float("reference.rtol");
  s.atol = c.get_float("reference.atol");
  s.deflate = static_cast<int>(c.get_int("output.deflate"));
  s.states = c.get_bool("output.states");
  check(c, s, reference_method);
  s.steps = static_cast<std::int64_t>(std::llround(s.t_end / s.dt));
  s.reference = reference_method != "auto"                 ? reference_method
                : hamiltonian::has_exact_solution(s.system) ? "exact"
                                                            : "dopri5";
  return s;
}

}  // namespace structura::pipeline::hamiltonian_ensemble
