#include "run/log.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>

namespace structura::pipeline::log {

namespace {
struct State {
  int rank = 0;
  int size = 1;
  bool verbose = false;
  std::FILE* file = nullptr;
  std::mutex mutex;
};
State& state() {
  static State s;
  return s;
}
std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}
}  // namespace

void configure(int rank, int size, bool verbose) {
  auto& s = state();
  s.rank = rank;
  s.size = size;
  s.verbose = verbose;
}

void open_file(const std::string& path) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  if (s.file) std::fclose(s.file);
  s.file = nullptr;
  if (s.rank == 0 && !path.empty()) s.file = std::fopen(path.c_str(), "a");
}

void close_file() { open_file(""); }

void write(const std::string& level, const std::string& message, bool all_ranks) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  const std::string line = fmt::format("[r{}] {}{}", s.rank, level, message);
  if (s.rank == 0 || s.verbose || all_ranks) {
    std::FILE* out = level.empty() ? stdout : stderr;
    std::fputs((line + "\n").c_str(), out);
    std::fflush(out);
  }
  if (s.file) {
    std::fputs(fmt::format("{} {}\n", timestamp(), line).c_str(), s.file);
    std::fflush(s.file);
  }
}

void file_only(const std::string& message) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  if (s.file) {
    std::fputs(fmt::format("{} [r{}] {}\n", timestamp(), s.rank, message).c_str(), s.file);
    std::fflush(s.file);
  }
}

int rank() { return state().rank; }

bool stdout_is_terminal() {
  // mpirun hands its ranks a pseudo-terminal even when its own output goes
  // to a file, so under MPI trust only what `structura run --ranks` saw
  // before it re-launched itself (STRUCTURA_TERMINAL).
  if (const char* t = std::getenv("STRUCTURA_TERMINAL")) return std::string(t) == "1";
  if (std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMIX_RANK") || std::getenv("PMI_RANK")) return false;
  return isatty(STDOUT_FILENO) != 0;
}

}  // namespace structura::pipeline::log
