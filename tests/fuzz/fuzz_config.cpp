// libFuzzer target for the experiment-file reader and the command-line
// overrides (pipeline/config). An input is a TOML document, then optional
// overrides, each after a NUL byte: "doc\0key=value\0key=value".
//
// Properties checked on every input:
//   - loading either succeeds or throws ConfigError (anything else, a crash,
//     a sanitizer report or a hang is a finding);
//   - a file expands to at most kMaxSweepRuns runs;
//   - every run's canonical TOML reads back to one run with the same
//     canonical text and run id (what `structura` writes as config.toml
//     must be a valid experiment file meaning the same run).
//
// The kinds are small stand-ins for the real ones, with the same common
// tables and parameters of every type, bound and choice list: the reader and
// the overrides are under test here, not the kinds' own checks (those need
// the solvers, which this target does not build).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "config/config.hpp"

using namespace structura::pipeline;

namespace {

Schema make_oscillator() {
  Schema s;
  add_common_params(s);
  using V = std::vector<std::string>;
  s.add({"system.name",
         Type::String,
         std::string("harmonic-oscillator"),
         "system",
         {},
         {},
         V{"harmonic-oscillator", "kepler", "henon-heiles"}});
  s.add({"system.lambda", Type::Float, 1.0, "coupling"});
  s.add({"ensemble.trajectories", Type::Int, std::int64_t{1000}, "N", 1.0});
  s.add({"ensemble.q_min", Type::Float, -1.0, "q min"});
  s.add(
      {"integration.methods", Type::StringList, V{"verlet", "rk4"}, "methods", {}, {}, V{"verlet", "rk4", "yoshida"}});
  s.add({"integration.dt", Type::Float, 0.01, "step", above(0.0)});
  s.add({"integration.t_end", Type::Float, 100.0, "end", above(0.0)});
  s.add({"integration.output_every", Type::Int, std::int64_t{10}, "cadence", 1.0});
  s.add({"reference.rtol", Type::Float, 1e-12, "rtol", 1e-16, 1.0});
  s.add({"output.deflate", Type::Int, std::int64_t{0}, "deflate", 0.0, 9.0, {}, false});
  s.add({"output.states", Type::Bool, true, "states"});
  return s;
}

Schema make_ct() {
  Schema s;
  add_common_params(s);
  s.add({"image.size", Type::Int, std::int64_t{128}, "pixels", 8.0, 16384.0});
  s.add({"image.extent", Type::Float, 2.0, "width", above(0.0)});
  s.add({"sirt.relaxation", Type::Float, 1.0, "omega", above(0.0), below(2.0)});
  s.add({"tv.lambda", Type::Float, 1e-2, "weight", 0.0});
  s.add({"evaluation.times", Type::FloatList, std::vector<double>{1.0, 10.0}, "times", 0.0});
  s.add({"model.widths", Type::IntList, std::vector<std::int64_t>{8, 8}, "widths", 1.0, 4096.0});
  s.add({"noise.level", Type::Float, 0.0, "level", 0.0, {}, {}, true, true});  // allows inf
  return s;
}

const std::vector<std::string> kKinds = {"hamiltonian.ensemble", "ct.classical"};

const Schema* lookup(const std::string& kind) {
  static const Schema oscillator = make_oscillator(), ct = make_ct();
  if (kind == kKinds[0]) return &oscillator;
  if (kind == kKinds[1]) return &ct;
  return nullptr;
}

[[noreturn]] void finding(const std::string& what, const std::string& input) {
  std::fprintf(stderr, "FINDING: %s\n--- document ---\n%s\n", what.c_str(), input.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t nul = input.find('\0', start);
    parts.push_back(input.substr(start, nul == std::string::npos ? std::string::npos : nul - start));
    if (nul == std::string::npos) break;
    start = nul + 1;
  }
  LoadOptions options;
  options.overrides.assign(parts.begin() + 1, parts.end());
  if (options.overrides.size() > 8) options.overrides.resize(8);
  options.known_kinds = kKinds;

  std::vector<Config> runs;
  try {
    runs = load_experiment_text(parts[0], "fuzz.toml", lookup, options);
  } catch (const ConfigError&) {
    return 0;
  } catch (const std::exception& e) {
    finding(std::string("not a ConfigError: ") + e.what(), parts[0]);
  }
  if (runs.empty() || runs.size() > kMaxSweepRuns) finding("run count out of range", parts[0]);
  for (std::size_t i = 0; i < runs.size() && i < 4; ++i) {
    const std::string canonical = runs[i].canonical_toml();
    std::vector<Config> again;
    try {
      again = load_experiment_text(canonical, "canonical.toml", lookup, LoadOptions{{}, kKinds});
    } catch (const std::exception& e) {
      finding(std::string("canonical form does not read back: ") + e.what() + "\n--- canonical ---\n" + canonical,
              parts[0]);
    }
    if (again.size() != 1 || again[0].canonical_toml() != canonical || again[0].run_id() != runs[i].run_id())
      finding("canonical form reads back to another configuration:\n" + canonical + "\n--- read back ---\n" +
                  (again.empty() ? std::string() : again[0].canonical_toml()),
              parts[0]);
  }
  return 0;
}
