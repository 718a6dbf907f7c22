// Python as an independent reference for C++ tests (another library's
// answer: PyTorch, scikit-image, scikit-learn, SciPy), with
// $STRUCTURA_PYTHON (ctest sets it) or /usr/bin/python3:
// - run_python: run a script, collect its exit status and output;
// - PythonReference: a temporary directory for raw float64 arrays both sides
//   read and write, and a script run whose "library missing" exit (3, or
//   127 for no interpreter) skips the comparison with a MESSAGE instead of
//   failing; any other failure of the script fails the test.
#pragma once

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace structura::testing {

struct PythonRun {
  int code = -1;    // the exit status (127: no interpreter), -1 when killed
  std::string out;  // stdout and stderr together
};

// `script` with `arguments` (already quoted as the shell needs).
inline PythonRun run_python(const std::filesystem::path& script, const std::string& arguments) {
  const char* env = std::getenv("STRUCTURA_PYTHON");
  const std::string python = env && *env ? env : "/usr/bin/python3";
  const std::string cmd = python + " " + script.string() + " " + arguments + " 2>&1";
  PythonRun run;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return run;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe)) run.out += buf;
  const int status = ::pclose(pipe);
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

class PythonReference {
public:
  // `script`: an absolute path (not __FILE__: with ccache's base_dir that is
  // relative to the build directory, and ctest runs the test elsewhere).
  PythonReference(const std::string& tag, std::filesystem::path script, std::string library)
      : dir_(std::filesystem::temp_directory_path() / ("structura_" + tag + "_" + std::to_string(::getpid()))),
        script_(std::move(script)),
        library_(std::move(library)) {
    std::filesystem::create_directories(dir_);
  }
  ~PythonReference() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  PythonReference(const PythonReference&) = delete;
  PythonReference& operator=(const PythonReference&) = delete;

  const std::filesystem::path& dir() const { return dir_; }

  std::filesystem::path write(const std::string& name, const std::vector<double>& v) const {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(double)));
    return path;
  }
  std::vector<double> read(const std::string& name) const {
    std::ifstream in(dir_ / name, std::ios::binary | std::ios::ate);
    std::vector<double> v(static_cast<std::size_t>(in.tellg()) / sizeof(double));
    in.seekg(0);
    in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(double)));
    return v;
  }
  // Runs the script with ARGS; its output lands in `out`. False (skipped)
  // when the library or the interpreter is missing.
  bool run(const std::string& args, std::string& out) const {
    REQUIRE_MESSAGE(std::filesystem::exists(script_), "missing " << script_);
    const PythonRun r = run_python(script_, args);
    out = r.out;
    if (r.code == 3 || r.code == 127) {
      MESSAGE(library_ << " comparison skipped: " << out);
      return false;
    }
    REQUIRE_MESSAGE(r.code == 0, script_ << " " << args << " failed: " << out);
    return true;
  }

private:
  std::filesystem::path dir_, script_;
  std::string library_;
};

}  // namespace structura::testing
