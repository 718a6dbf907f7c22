// The tables and plots are drawn by pipeline/report/report.py (Python with
// h5py, numpy, matplotlib); this file finds that script and an interpreter
// able to run it, and starts it. Python is never needed for a run itself:
// without it `structura run` only warns, and `structura report` fails with
// a message that says what is missing.
#include "report/report.hpp"

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

extern char** environ;

namespace structura::pipeline::report {

namespace fs = std::filesystem;

namespace {

constexpr const char* script_name = "report.py";
// report.py's exit status when a module it needs (h5py, numpy, matplotlib,
// tomllib) is missing: try the next interpreter.
constexpr int missing_module_status = 3;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// Directories searched for report.py, in order: $STRUCTURA_DATA_DIR, the
// share directory beside the executable (an installed tree, relocatable),
// the source tree this executable was built from, the configured install
// prefix.
std::vector<fs::path> script_dirs() {
  std::vector<fs::path> dirs;
  if (const std::string d = env("STRUCTURA_DATA_DIR"); !d.empty()) dirs.emplace_back(d);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) dirs.push_back(exe.parent_path() / ".." / "share" / "structura");
  dirs.push_back(fs::path(STRUCTURA_SOURCE_DIR) / "pipeline" / "report");
  dirs.emplace_back(STRUCTURA_INSTALL_DATADIR);
  return dirs;
}

std::optional<fs::path> find_script(std::string& searched) {
  for (const fs::path& d : script_dirs()) {
    std::error_code ec;
    if (fs::is_regular_file(d / script_name, ec)) return fs::weakly_canonical(d / script_name, ec);
    searched += (searched.empty() ? "" : ", ") + d.lexically_normal().string();
  }
  return std::nullopt;
}

// $STRUCTURA_PYTHON if set (only that one), else the interpreter found when
// the build was configured, python3 from PATH, and Debian's: a python3 from
// pyenv or conda often lacks h5py while /usr/bin/python3 has it.
std::vector<std::string> interpreters() {
  if (const std::string p = env("STRUCTURA_PYTHON"); !p.empty()) return {p};
  std::vector<std::string> out;
#ifdef STRUCTURA_PYTHON
  if (std::string(STRUCTURA_PYTHON).size() > 0) out.emplace_back(STRUCTURA_PYTHON);
#endif
  for (const char* p : {"python3", "/usr/bin/python3"})
    if (std::find(out.begin(), out.end(), p) == out.end()) out.emplace_back(p);
  return out;
}

struct ScriptResult {
  bool ran = false;                // an interpreter with the needed modules ran the script
  int status = -1;                 // its exit status
  std::vector<std::string> lines;  // its stdout
  std::string why_not;             // why no interpreter could run it
};

// Runs `python -B script args...` with stdout captured (and echoed when
// `echo`); stderr goes to ours. Returns nullopt when the interpreter cannot
// be started.
std::optional<ScriptResult> spawn(const std::string& python, const std::vector<std::string>& args, bool echo,
                                  std::string& error) {
  int fds[2];
  if (::pipe(fds) != 0) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  std::vector<std::string> argv_s = {python, "-B"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, python.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    error = std::strerror(rc);
    return std::nullopt;
  }
  ScriptResult result;
  std::string pending;
  char buf[4096];
  auto take_line = [&](std::string line) {
    if (echo && line.rfind("missing-module:", 0) != 0) {
      std::fputs((line + "\n").c_str(), stdout);
      std::fflush(stdout);
    }
    result.lines.push_back(std::move(line));
  };
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
    for (std::size_t at; (at = pending.find('\n')) != std::string::npos;) {
      take_line(pending.substr(0, at));
      pending.erase(0, at + 1);
    }
  }
  if (!pending.empty()) take_line(pending);
  ::close(fds[0]);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(wstatus)) {
    result.status = WEXITSTATUS(wstatus);
  } else {
    result.status = 128 + (WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
  }
  // posix_spawnp of a missing program reports through the exit status 127
  // with some C libraries instead of its return value.
  if (result.status == 127 && result.lines.empty()) {
    error = "cannot be started (exit status 127)";
    return std::nullopt;
  }
  result.ran = true;
  return result;
}

// Runs report.py with the first interpreter that has its modules.
ScriptResult run_script(const fs::path& script, std::vector<std::string> args, bool echo) {
  args.insert(args.begin(), script.string());
  std::string why;
  for (const std::string& python : interpreters()) {
    std::string error;
    std::optional<ScriptResult> r = spawn(python, args, echo, error);
    if (!r) {
      why += fmt::format("{}{}: {}", why.empty() ? "" : "; ", python, error);
      continue;
    }
    if (r->status == missing_module_status) {
      std::string missing = "a module is missing";
      for (const auto& l : r->lines)
        if (l.rfind("missing-module: ", 0) == 0) missing = "no module " + l.substr(16);
      why += fmt::format("{}{}: {}", why.empty() ? "" : "; ", python, missing);
      continue;
    }
    return *r;
  }
  ScriptResult none;
  none.why_not = why;
  return none;
}

const char* python_hint =
    "Python >= 3.11 with h5py, numpy and matplotlib is needed (Debian: apt install python3-h5py "
    "python3-matplotlib); set STRUCTURA_PYTHON to choose the interpreter";

}  // namespace

std::vector<std::string> make_run_plots(const fs::path& run_dir) {
  try {
    std::string searched;
    const std::optional<fs::path> script = find_script(searched);
    if (!script) {
      std::fprintf(stderr, "warning: no plots for %s: %s not found in %s (set STRUCTURA_DATA_DIR)\n", run_dir.c_str(),
                   script_name, searched.c_str());
      return {};
    }
    const ScriptResult r = run_script(*script, {"plots", run_dir.string()}, false);
    if (!r.ran) {
      std::fprintf(stderr, "warning: no plots for %s: %s. %s\n", run_dir.c_str(), r.why_not.c_str(), python_hint);
      return {};
    }
    std::vector<std::string> pngs;
    for (const auto& line : r.lines)
      if (line.rfind("wrote ", 0) == 0) pngs.push_back(line.substr(6));
    if (r.status != 0) {
      std::fprintf(stderr, "warning: plotting %s failed (%s exited with status %d); the run itself is complete\n",
                   run_dir.c_str(), script->c_str(), r.status);
      return {};
    }
    return pngs;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "warning: no plots for %s: %s\n", run_dir.c_str(), e.what());
    return {};
  }
}

int report_command(const std::vector<std::string>& dirs, const std::string& out_dir) {
  if (dirs.empty()) {
    std::fprintf(stderr, "error: structura report: no directories given\n");
    return 2;
  }
  const std::string out = out_dir.empty() ? (fs::path(dirs.front()) / "report").string() : out_dir;
  std::string searched;
  const std::optional<fs::path> script = find_script(searched);
  if (!script) {
    std::fprintf(stderr, "error: structura report: %s not found in %s (set STRUCTURA_DATA_DIR to its directory)\n",
                 script_name, searched.c_str());
    return 1;
  }
  std::vector<std::string> args = {"report", out};
  args.insert(args.end(), dirs.begin(), dirs.end());
  const ScriptResult r = run_script(*script, args, true);
  if (!r.ran) {
    std::fprintf(stderr, "error: structura report: cannot run %s: %s. %s\n", script->c_str(), r.why_not.c_str(),
                 python_hint);
    return 1;
  }
  if (r.status == 0) return 0;
  return r.status == 2 ? 2 : 1;
}

}  // namespace structura::pipeline::report
