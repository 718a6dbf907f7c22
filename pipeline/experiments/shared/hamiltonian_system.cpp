#include "experiments/shared/hamiltonian_system.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <utility>

namespace structura::pipeline {

namespace {

const std::vector<std::string> all_systems = {"harmonic-oscillator", "pendulum", "henon-heiles", "kepler", "fput",
                                              "damped-oscillator"};

// Parameters that only make sense for some systems.
const std::vector<std::pair<std::string, std::vector<std::string>>> system_specific = {
    {"system.stiffness", {"harmonic-oscillator", "damped-oscillator"}},
    {"system.mass", {"harmonic-oscillator", "damped-oscillator"}},
    {"system.damping", {"damped-oscillator"}},
    {"system.omega_squared", {"pendulum"}},
    {"system.lambda", {"henon-heiles"}},
    {"system.mu", {"kepler"}},
    {"system.chain_length", {"fput"}},
    {"system.alpha", {"fput"}},
    {"system.beta", {"fput"}},
};

// Rejects a non-default value of another system's parameter.
void check_system_params(const Config& c) {
  const std::string system = c.get_string("system.name");
  // A value other than the default for another system's parameter is a
  // mistake (the canonical config spells out every default, so compare values).
  for (const auto& [key, owners] : system_specific)
    if (std::find(owners.begin(), owners.end(), system) == owners.end() &&
        c.get(key) != c.schema().find(key)->default_value)
      c.fail(key, fmt::format("applies to system \"{}\" only, but system.name is \"{}\"", fmt::join(owners, "\", \""),
                              system));
}

hamiltonian::System make_system(const Config& c) {
  using namespace hamiltonian;
  const std::string name = c.get_string("system.name");
  if (name == "harmonic-oscillator") {
    HarmonicOscillator s;
    s.stiffness = c.get_float("system.stiffness");
    s.mass_ = c.get_float("system.mass");
    return s;
  }
  if (name == "pendulum") return Pendulum{{}, c.get_float("system.omega_squared")};
  if (name == "henon-heiles") return HenonHeiles{{}, c.get_float("system.lambda")};
  if (name == "kepler") return Kepler{{}, c.get_float("system.mu")};
  if (name == "damped-oscillator")
    return DampedOscillator{c.get_float("system.mass"), c.get_float("system.damping"), c.get_float("system.stiffness")};
  FermiPastaUlam f;
  f.length = static_cast<int>(c.get_int("system.chain_length"));
  f.alpha = c.get_float("system.alpha");
  f.beta = c.get_float("system.beta");
  return f;
}

}  // namespace

void add_system_params(Schema& s, const std::string& default_name, const std::vector<std::string>& names) {
  s.add({"system.name", Type::String, default_name, "the Hamiltonian system", {}, {}, names.empty() ? all_systems : names});
  s.add({"system.stiffness", Type::Float, 1.0,
         "harmonic-oscillator, damped-oscillator: spring constant k in H = p^2/2m + k q^2/2", 0.0});
  s.add({"system.mass", Type::Float, 1.0, "harmonic-oscillator, damped-oscillator: mass m", above(0.0)});
  s.add({"system.damping", Type::Float, 0.1,
         "damped-oscillator: lambda in m x'' + lambda x' + k x = 0 (doubled variables, non-separable H)", 0.0});
  s.add({"system.omega_squared", Type::Float, 1.0, "pendulum: g/l in H = p^2/2 + (g/l)(1 - cos q)", 0.0});
  s.add({"system.lambda", Type::Float, 1.0, "henon-heiles: coupling in H = |p|^2/2 + |q|^2/2 + lambda(q1^2 q2 - q2^3/3)"});
  s.add({"system.mu", Type::Float, 1.0, "kepler: gravitational parameter in H = |p|^2/2 - mu/|q|", above(0.0)});
  s.add({"system.chain_length", Type::Int, std::int64_t{32}, "fput: number of moving masses (fixed ends)", 2.0,
         double(hamiltonian::max_chain_length)});
  s.add({"system.alpha", Type::Float, 0.25, "fput: cubic spring coefficient"});
  s.add({"system.beta", Type::Float, 0.0, "fput: quartic spring coefficient"});
}

SystemSettings read_system(const Config& c) {
  check_system_params(c);
  return {make_system(c), c.get_string("system.name")};
}

}  // namespace structura::pipeline
