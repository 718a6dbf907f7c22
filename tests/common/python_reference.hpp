// Runs a Python script that computes an independent reference for a C++
// test (another library's answer: PyTorch, scikit-image, SciPy), with
// $STRUCTURA_PYTHON (ctest sets it) or /usr/bin/python3.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

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

}  // namespace structura::testing
