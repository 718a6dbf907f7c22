// Hostile experiment files and overrides (issue 9 §3 items 4 and 8): each
// case once crashed, hung or was accepted and failed mid-run. Validation must
// refuse it with a ConfigError that names the file or override and the key.
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "experiments/load.hpp"
#include "slurm/resources.hpp"

using namespace structura::pipeline;
namespace fs = std::filesystem;

namespace {

fs::path write_file(const std::string& name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / ("structura-hostile-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path p = dir / name;
  std::ofstream(p) << text;
  return p;
}

const char* oscillator = R"(
[experiment]
kind = "hamiltonian.ensemble"

[system]
name = "harmonic-oscillator"

[integration]
dt = 0.1
t_end = 10.0
output_every = 10
)";

const char* ct = R"(
[experiment]
kind = "ct.classical"

[image]
size = 32
)";

const char* sympflow = R"(
[experiment]
kind = "sympflow"
)";

// The message of the ConfigError that loading `text` raises; "" when it
// loads, "other: ..." for any other exception (an internal error).
std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {},
                     const std::string& file = "hostile.toml") {
  const auto p = write_file(file, text);
  try {
    load_runs(p.string(), overrides);
  } catch (const ConfigError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("other: ") + e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

bool sympflow_built() { return find_kind("sympflow") != nullptr; }

}  // namespace

TEST_CASE("an override of experiment.kind is checked like the file's kind") {
  std::string msg = error_of(oscillator, {"experiment.kind=nonsense"});
  CHECK(contains(msg, "experiment.kind"));
  CHECK(contains(msg, "nonsense"));
  CHECK(contains(msg, "override"));
  // Another existing kind: the file's keys are then unknown keys of that kind.
  msg = error_of(oscillator, {"experiment.kind=ct.classical"});
  CHECK(contains(msg, "unknown key"));
  CHECK(contains(msg, "ct.classical"));
  CHECK_FALSE(contains(msg, "other:"));
  if (sympflow_built()) {
    msg = error_of(std::string(ct), {"experiment.kind=sympflow"});
    CHECK(contains(msg, "unknown key 'image.size'"));
    CHECK(contains(msg, "sympflow"));
  }
  // The same kind as the file's is harmless.
  CHECK(error_of(oscillator, {"experiment.kind=hamiltonian.ensemble"}).empty());
  // The kind decides the schema: it cannot be swept.
  msg = error_of(std::string(oscillator) +
                 "[sweep]\n\"experiment.kind\" = [\"hamiltonian.ensemble\", \"ct.classical\"]\n");
  CHECK(contains(msg, "experiment.kind"));
  CHECK(contains(msg, "cannot be swept"));
}

TEST_CASE("deep nesting is refused before the TOML parser recurses") {
  const int depth = 40000;
  std::string dotted = "[experiment]\nkind = \"hamiltonian.ensemble\"\n";
  for (int i = 0; i < depth; ++i) dotted += "a.";
  dotted += "a = 1\n";
  std::string msg = error_of(dotted);
  CHECK(contains(msg, "hostile.toml:3"));
  CHECK(contains(msg, "nesting"));

  std::string header = "[";
  for (int i = 0; i < depth; ++i) header += "a.";
  header += "a]\n";
  CHECK(contains(error_of(header), "nesting"));

  std::string arrays = "x = " + std::string(depth, '[') + std::string(depth, ']') + "\n";
  CHECK(contains(error_of(arrays), "nesting"));

  std::string inline_tables = "x = ";
  for (int i = 0; i < depth; ++i) inline_tables += "{a = ";
  inline_tables += "1" + std::string(depth, '}') + "\n";
  CHECK(contains(error_of(inline_tables), "nesting"));

  // Dots in strings and comments and in many floats on one line are no nesting.
  std::string floats = std::string(oscillator) + "# " + std::string(500, '.') + "\n[sweep]\n\"experiment.seed\" = [";
  for (int i = 0; i < 300; ++i) floats += std::to_string(i) + ", ";
  floats += "300]\n\"integration.dt\" = [0.1, 0.05, 0.025]\n";
  floats += "# key\n";
  const auto p = write_file("floats.toml", floats);
  CHECK(load_runs(p.string(), {"experiment.name=\"a.b.c.d.e.f\""}).size() == 301 * 3);
  std::string quoted = std::string(oscillator) + "[slurm]\nextra = [\"--comment=" + std::string(1000, '.') + "\"]\n";
  CHECK(error_of(quoted).empty());
}

TEST_CASE("integers a run cannot hold are refused by validation, naming the key") {
  std::string msg = error_of(oscillator, {"ensemble.trajectories=9223372036854775807"});
  CHECK(contains(msg, "ensemble.trajectories"));
  CHECK(contains(msg, "2147483647"));
  msg = error_of(oscillator, {"integration.t_end=1e19", "integration.output_every=1"});
  CHECK(contains(msg, "integration.t_end"));
  CHECK(contains(msg, "2^53"));
  // Large but countable runs still validate.
  CHECK(error_of(oscillator, {"integration.t_end=1e9", "integration.output_every=1"}).empty());
  CHECK(error_of(oscillator, {"experiment.seed=9223372036854775807"}).empty());
  if (sympflow_built()) {
    msg = error_of(sympflow, {"training.threads=4294967296"});
    CHECK(contains(msg, "training.threads"));
    msg = error_of(sympflow, {"evaluation.phase_trajectories=9223372036854775807"});
    CHECK(contains(msg, "evaluation.phase_trajectories"));
    msg = error_of(sympflow, {"evaluation.phase_t_end=1e19"});
    CHECK(contains(msg, "evaluation.phase_t_end"));
    msg = error_of(sympflow, {"evaluation.poincare_t_end=1e19"});
    CHECK(contains(msg, "evaluation.poincare_t_end"));
    msg = error_of(sympflow, {"evaluation.times=[1.0, 1e19]"});
    CHECK(contains(msg, "evaluation.times"));
    CHECK(error_of(sympflow).empty());
  }
}

TEST_CASE("non-finite floats are refused unless a key allows them") {
  for (const char* o : {"tv.lambda=inf", "image.extent=inf", "noise.level=nan", "beam.spacing=+inf"}) {
    const std::string msg = error_of(ct, {o});
    const std::string key = std::string(o).substr(0, std::string(o).find('='));
    CHECK_MESSAGE(contains(msg, key), o, ": ", msg);
    CHECK_MESSAGE(contains(msg, "finite"), o, ": ", msg);
  }
  // A float with no bounds at all, and each element of a list.
  CHECK(contains(error_of(oscillator, {"ensemble.q_min=-inf"}), "ensemble.q_min"));
  if (sympflow_built()) CHECK(contains(error_of(sympflow, {"evaluation.times=[1.0, inf]"}), "evaluation.times"));
  // In the file as well as in an override.
  CHECK(contains(error_of(std::string(ct) + "[tv]\nlambda = inf\n"), "hostile.toml:8: tv.lambda"));
}

TEST_CASE("exclusive bounds: zero where zero is not allowed, and sirt.relaxation below 2") {
  CHECK(contains(error_of(ct, {"image.extent=0"}), "image.extent"));
  CHECK(error_of(ct, {"image.extent=1e-300"}).empty());
  CHECK(contains(error_of(oscillator, {"integration.dt=0"}), "> 0"));
  std::string msg = error_of(ct, {"sirt.relaxation=2"});
  CHECK(contains(msg, "sirt.relaxation"));
  CHECK(contains(msg, "in (0, 2)"));
  CHECK(contains(error_of(ct, {"sirt.relaxation=0"}), "in (0, 2)"));
  CHECK(error_of(ct, {"sirt.relaxation=1.999"}).empty());
  // The range text `structura list` shows is the one validation applies.
  const Param* p = find_kind("ct.classical")->schema.find("sirt.relaxation");
  REQUIRE(p);
  CHECK(range_text(*p) == "in (0, 2)");
  CHECK(range_text(*find_kind("ct.classical")->schema.find("image.size")) != "");
}

TEST_CASE("a sweep is counted before it is expanded") {
  // 2 x 20 x 20 x 20 x 30 x 50 = 24 million runs.
  std::string text = std::string(oscillator) + "[sweep]\n";
  auto axis = [](const std::string& key, int n) {  // values 1..n (integers are floats too)
    std::string s = "\"" + key + "\" = [";
    for (int i = 1; i <= n; ++i) s += std::to_string(i) + (i < n ? ", " : "]\n");
    return s;
  };
  text += axis("experiment.seed", 50) + axis("ensemble.q_max", 20) + axis("ensemble.p_max", 20) +
          axis("ensemble.trajectories", 20) + axis("system.mass", 30) + axis("system.stiffness", 2);
  const auto start = std::chrono::steady_clock::now();
  const std::string msg = error_of(text);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(contains(msg, "[sweep]"));
  CHECK(contains(msg, "10000 runs"));
  CHECK(seconds < 5);
  // An override that fixes the big axes brings it under the cap.
  const auto p = write_file("sweep.toml", text);
  CHECK(load_runs(p.string(), {"ensemble.q_max=1", "ensemble.p_max=1", "ensemble.trajectories=10", "system.mass=1"})
            .size() == 100);
}

TEST_CASE("experiment.name must be one safe directory name") {
  const std::vector<std::string> bad = {
      std::string(300, 'x'), "a/b", "..", ".", "/tmp/x", "../../x", "", "x\ny", "tab\there"};
  for (const auto& name : bad) {
    std::string escaped;
    for (char ch : name)
      escaped += ch == '\n' ? std::string("\\n") : ch == '\t' ? std::string("\\t") : std::string(1, ch);
    std::string text = oscillator;
    text.insert(text.find("[system]"), "name = \"" + escaped + "\"\n");
    const std::string msg = error_of(text);
    CHECK_MESSAGE(contains(msg, "hostile.toml:5: experiment.name"), "name '", escaped, "': ", msg);
  }
  CHECK(contains(error_of(oscillator, {"experiment.name=a/b"}), "experiment.name"));
  CHECK(error_of(oscillator, {"experiment.name=oscillator-2024.v1_a"}).empty());
  // The default, the file's stem, is checked too.
  CHECK(contains(error_of(oscillator, {}, std::string(200, 'y') + ".toml"), "experiment.name"));
}

TEST_CASE("slurm.time beyond what Slurm keeps names the key (not stoll)") {
  const auto p = write_file("slurm.toml", oscillator);
  for (const char* t : {"99999999999999999999", "99999999999999999999-00:00:00", "1-99999999999999999999"}) {
    const auto runs = load_runs(p.string(), {std::string("slurm.time=") + t});
    std::string msg;
    try {
      slurm::resolve_resources(runs[0], write_file("no-data", "").parent_path() / "no-such-data-dir");
    } catch (const ConfigError& e) {
      msg = e.what();
    } catch (const std::exception& e) {
      msg = std::string("other: ") + e.what();
    }
    CHECK_MESSAGE(contains(msg, "slurm.time"), t, ": ", msg);
    CHECK_FALSE(contains(msg, "stoll"));
  }
  CHECK(slurm::time_limit_seconds("1-02:03:04") == 93784);
  CHECK(slurm::time_limit_seconds("90") == 5400);
  CHECK_FALSE(slurm::time_limit_seconds("99999999999999999999"));
}

TEST_CASE("inputs the fuzz target found (tests/fuzz)") {
  // "[" then a line end: toml++ 3.3 asserts that a key follows (an
  // assumption in release builds, so undefined behaviour).
  // A non-ASCII character after a value: toml++ reaches TOML_UNREACHABLE.
  for (const char* text : {"[\n", "[", "[[\n", "[ \t\n[experiment]\nkind = \"ct.classical\"\n", "a = 1 \xc2\xb2\n",
                           "-=[}", "x = {a = [1}", "x = ]\n"}) {
    const std::string msg = error_of(text);
    CHECK_MESSAGE(contains(msg, "TOML syntax error"), text, ": ", msg);
  }
  // Brackets in strings and comments, and nested ones, are no mismatch.
  CHECK(error_of(std::string(oscillator) + "# ] } [\n[slurm]\nextra = [\"--comment=]}\"]\n").empty());
  // Non-ASCII text in strings and comments stays valid.
  CHECK(error_of(std::string(oscillator) + "# 1024\xc2\xb2 scale, \xc2\xa7" "5\n", {"experiment.name=\"caf\xc3\xa9\""}).empty());
}
