// A Python library as an independent reference (scikit-image, scikit-learn):
// arrays go to raw float64 files in a temporary directory, a script beside
// the test computes the reference and writes or prints its result. When the
// interpreter or the library is missing (the script exits 3, or 127), run()
// returns false with a MESSAGE and the comparison is skipped rather than
// failed; any other failure of the script fails the test.
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
  // Runs the script with ARGS; its standard output lands in `out`.
  bool run(const std::string& args, std::string& out) const {
    REQUIRE_MESSAGE(std::filesystem::exists(script_), "missing " << script_);
    const std::string cmd = interpreter() + " " + script_.string() + " " + args + " 2>&1";
    FILE* pipe = ::popen(cmd.c_str(), "r");
    REQUIRE(pipe);
    char buf[4096];
    out.clear();
    while (std::fgets(buf, sizeof buf, pipe)) out += buf;
    const int status = ::pclose(pipe);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == 3 || code == 127) {
      MESSAGE(library_ << " comparison skipped: " << out);
      return false;
    }
    REQUIRE_MESSAGE(code == 0, cmd << " failed: " << out);
    return true;
  }

private:
  static std::string interpreter() {
    const char* env = std::getenv("STRUCTURA_PYTHON");
    return env && *env ? env : "/usr/bin/python3";
  }
  std::filesystem::path dir_, script_;
  std::string library_;
};

}  // namespace structura::testing
