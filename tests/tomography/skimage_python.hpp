// scikit-image as an independent reference, through Python: arrays go to
// raw float64 files in a temporary directory, skimage_reference.py (next to
// this file) computes the reference and writes or prints its result. When
// Python or scikit-image is missing, run() returns false with a MESSAGE and
// the comparison is skipped rather than failed.
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

namespace structura::tomography::testing {

class SkimagePython {
public:
  explicit SkimagePython(const std::string& tag)
      : dir_(std::filesystem::temp_directory_path() / ("structura_" + tag + "_" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(dir_);
  }
  ~SkimagePython() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  SkimagePython(const SkimagePython&) = delete;
  SkimagePython& operator=(const SkimagePython&) = delete;

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
  // Runs skimage_reference.py ARGS; its standard output lands in `out`.
  bool run(const std::string& args, std::string& out) const {
    // Not __FILE__: with ccache's base_dir it is relative to the build
    // directory, and ctest runs the test elsewhere.
    const auto script = std::filesystem::path(STRUCTURA_TOMOGRAPHY_TESTS) / "skimage_reference.py";
    REQUIRE_MESSAGE(std::filesystem::exists(script), "missing " << script);
    const std::string cmd = interpreter() + " " + script.string() + " " + args + " 2>&1";
    FILE* pipe = ::popen(cmd.c_str(), "r");
    REQUIRE(pipe);
    char buf[4096];
    out.clear();
    while (std::fgets(buf, sizeof buf, pipe)) out += buf;
    const int status = ::pclose(pipe);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == 3 || code == 127) {
      MESSAGE("scikit-image comparison skipped: " << out);
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
  std::filesystem::path dir_;
};

}  // namespace structura::tomography::testing
