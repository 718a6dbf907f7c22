// Experiment files: validation errors name file, key and line; overrides;
// sweeps (product and zip); canonical form and run identity.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "experiments/load.hpp"

using namespace structura::pipeline;
namespace fs = std::filesystem;

namespace {

fs::path write_file(const std::string& name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / ("structura-config-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path p = dir / name;
  std::ofstream(p) << text;
  return p;
}

const char* base = R"(
[experiment]
kind = "hamiltonian.ensemble"
seed = 3

[system]
name = "harmonic-oscillator"

[integration]
dt = 0.1
t_end = 10.0
output_every = 10
)";

// Message of the ConfigError that loading `text` (with overrides) raises.
std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  const auto p = write_file("bad.toml", text);
  try {
    load_runs(p.string(), overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a valid file resolves every parameter, defaults included") {
  const auto runs = load_runs(write_file("ok.toml", base).string(), {});
  REQUIRE(runs.size() == 1);
  const Config& c = runs[0];
  CHECK(c.name() == "ok");  // the file's stem
  CHECK(c.get_int("experiment.seed") == 3);
  CHECK(c.get_float("integration.dt") == 0.1);
  CHECK(c.get_int("ensemble.trajectories") == 1000);  // default
  CHECK(c.origin("integration.dt").find("ok.toml:10") != std::string::npos);
}

TEST_CASE("unknown keys are errors with file, line and a did-you-mean") {
  const std::string msg = error_of(std::string(base) + "[ensemble]\ntrajectores = 10\n");
  CHECK(contains(msg, "bad.toml:14"));
  CHECK(contains(msg, "ensemble.trajectores"));
  CHECK(contains(msg, "did you mean 'ensemble.trajectories'"));
  CHECK(contains(error_of(std::string(base) + "[ensembel]\ntrajectories = 10\n"), "ensemble"));
}

TEST_CASE("wrong types and out-of-range values name the key and what was found") {
  std::string msg = error_of(std::string(base) + "[ensemble]\ntrajectories = \"many\"\n");
  CHECK(contains(msg, "ensemble.trajectories"));
  CHECK(contains(msg, "expected integer"));
  CHECK(contains(msg, "string \"many\""));
  msg = error_of(std::string(base) + "[ensemble]\ntrajectories = 0\n");
  CHECK(contains(msg, "ensemble.trajectories"));
  CHECK(contains(msg, "in [1, 2147483647]"));  // ints have an implicit upper bound
  msg = error_of(std::string(base) + "[ensemble]\nsampling = \"shel\"\n");
  CHECK(contains(msg, "did you mean \"shell\""));
  msg = error_of(R"([experiment]
kind = "hamiltonian.ensembel"
)");
  CHECK(contains(msg, "did you mean \"hamiltonian.ensemble\""));
  CHECK(contains(error_of("[experiment]\nkind = 3\n"), "expected string"));
  CHECK(contains(error_of("kind = = 3\n"), "TOML syntax error"));
}

TEST_CASE("cross-field checks of hamiltonian.ensemble") {
  CHECK(contains(error_of(std::string(base) + "[system]\n"), "TOML syntax error"));  // redefined table
  std::string text = base;
  text.replace(text.find("t_end = 10.0"), 12, "t_end = 10.05");
  CHECK(contains(error_of(text), "whole number of steps"));
  CHECK(contains(error_of(base, {"system.lambda=2"}), "applies to system \"henon-heiles\" only"));
  CHECK(contains(error_of(base, {"integration.output_every=7"}), "does not divide"));
}

TEST_CASE("command-line overrides are typed and validated like the file") {
  const auto p = write_file("ok.toml", base).string();
  auto runs = load_runs(p, {"integration.dt=0.05", "integration.methods=[\"verlet\"]", "ensemble.sampling=shell"});
  CHECK(runs[0].get_float("integration.dt") == 0.05);
  CHECK(runs[0].get_strings("integration.methods") == std::vector<std::string>{"verlet"});
  CHECK(runs[0].get_string("ensemble.sampling") == "shell");
  CHECK(runs[0].origin("integration.dt").find("override") != std::string::npos);
  // A string parameter keeps text that TOML would read as another type.
  CHECK(load_runs(p, {"slurm.time=01:00:00"})[0].get_string("slurm.time") == "01:00:00");
  CHECK(load_runs(p, {"slurm.time=\"02:00:00\""})[0].get_string("slurm.time") == "02:00:00");
  CHECK(contains(error_of(base, {"integration.dtt=0.05"}), "did you mean 'integration.dt'"));
  CHECK(contains(error_of(base, {"ensemble.trajectories=abc"}), "ensemble.trajectories"));
  CHECK(contains(error_of(base, {"novalue"}), "expected key.path=value"));
}

TEST_CASE("sweeps expand as a cartesian product times the zipped group") {
  const std::string text = std::string(base) + R"(
[sweep]
"experiment.seed" = [1, 2, 3]
"ensemble.trajectories" = [10, 20]

[sweep.zip]
"integration.dt" = [0.1, 0.05]
"integration.output_every" = [10, 20]
)";
  const auto runs = load_runs(write_file("sweep.toml", text).string(), {});
  REQUIRE(runs.size() == 12);
  // Product keys in key order, last fastest; the zipped group fastest of all.
  CHECK(runs[0].get_int("ensemble.trajectories") == 10);
  CHECK(runs[0].get_int("experiment.seed") == 1);
  CHECK(runs[1].get_float("integration.dt") == 0.05);
  CHECK(runs[1].get_int("integration.output_every") == 20);
  CHECK(runs[2].get_int("experiment.seed") == 2);
  CHECK(runs[6].get_int("ensemble.trajectories") == 20);
  std::set<std::string> ids;
  for (const auto& r : runs) ids.insert(r.run_id());
  CHECK(ids.size() == 12);
  // An override fixes a swept key.
  CHECK(load_runs(write_file("sweep.toml", text).string(), {"experiment.seed=9"}).size() == 4);
  const std::string unequal = std::string(base) + "[sweep.zip]\n\"integration.dt\" = [0.1]\n\"integration.output_every\" = [10, 20]\n";
  CHECK(contains(error_of(unequal), "equal lengths"));
  CHECK(contains(error_of(std::string(base) + "[sweep]\n\"integration.dtt\" = [0.1]\n"), "did you mean 'integration.dt'"));
  // Sweeping only a key outside the run identity would make identical runs.
  CHECK(contains(error_of(std::string(base) + "[sweep]\n\"output.deflate\" = [1, 6]\n"), "would be the same run"));
}

TEST_CASE("the run id depends on the science, not on formatting or resources") {
  const auto a = load_runs(write_file("a.toml", base).string(), {})[0];
  // Same content: keys reordered, integer written for a float, defaults
  // spelled out, different name, Slurm and run settings.
  const auto b = load_runs(write_file("b.toml", R"(
[integration]
t_end = 10
dt = 0.1
output_every = 10
methods = ["verlet", "triple-jump4", "rk4"]
[system]
name = "harmonic-oscillator"
[experiment]
seed = 3
kind = "hamiltonian.ensemble"
name = "other"
[slurm]
partition = "gpu"
[run]
checkpoint_interval = 5.0
)").string(), {})[0];
  CHECK(a.run_id() == b.run_id());
  CHECK(a.canonical_toml(true) == b.canonical_toml(true));
  const auto c = load_runs(write_file("a.toml", base).string(), {"integration.dt=0.05"})[0];
  CHECK(a.run_id() != c.run_id());
  // The canonical text reads back to the same configuration.
  const auto d = load_runs(write_file("canonical.toml", a.canonical_toml()).string(), {})[0];
  CHECK(d.run_id() == a.run_id());
}
