#include "cli/launcher.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace structura::pipeline::cli {

namespace fs = std::filesystem;

int launched_ranks() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE", "MPI_LOCALNRANKS"})
    if (const char* v = std::getenv(var)) return std::atoi(v);
  if (std::getenv("PMIX_RANK") || std::getenv("PMI_RANK")) return -1;  // some launcher, size unknown
  return 0;
}

namespace {

std::vector<std::string> mpirun_command(const RunArgs& args) {
  // --quiet: exit status 3 (interrupted) is an answer, not an accident;
  // spare the user mpirun's banner about non-zero exit codes.
  std::vector<std::string> cmd = {"mpirun", "--quiet", "-n", std::to_string(args.ranks)};
  if (geteuid() == 0) cmd.push_back("--allow-run-as-root");
  if (args.ranks > static_cast<int>(std::thread::hardware_concurrency())) cmd.push_back("--oversubscribe");
  cmd.push_back(fs::read_symlink("/proc/self/exe").string());
  // Everything after the executable, minus --ranks N / -n N / --ranks=N.
  for (std::size_t i = 1; i < args.argv.size(); ++i) {
    const std::string& a = args.argv[i];
    if (a == "--ranks" || a == "-n") {
      ++i;
      continue;
    }
    if (a.rfind("--ranks=", 0) == 0) continue;
    cmd.push_back(a);
  }
  return cmd;
}

// In the child, between fork and exec: only async-signal-safe calls.
[[noreturn]] void exec_mpirun(std::vector<char*>& argv, const sigset_t& original_mask, pid_t parent) {
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(1);  // the supervisor died before prctl
  const int null = open("/dev/null", O_RDONLY);
  if (null >= 0) {
    dup2(null, STDIN_FILENO);
    if (null != STDIN_FILENO) close(null);
  }
  sigprocmask(SIG_SETMASK, &original_mask, nullptr);
  execvp(argv[0], argv.data());
  const char* why = strerror(errno);
  const char* head = "error: cannot start mpirun for --ranks: ";
  [[maybe_unused]] auto r = write(STDERR_FILENO, head, strlen(head));
  r = write(STDERR_FILENO, why, strlen(why));
  r = write(STDERR_FILENO, "\n", 1);
  _exit(2);
}

const char* signal_name(int s) {
  switch (s) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    case SIGUSR1: return "SIGUSR1";
    default: return "a signal";
  }
}

}  // namespace

int run_under_mpirun(const RunArgs& args) {
  std::vector<std::string> cmd = mpirun_command(args);
  std::vector<char*> argv;
  for (auto& s : cmd) argv.push_back(s.data());
  argv.push_back(nullptr);
  setenv("STRUCTURA_TERMINAL", isatty(STDOUT_FILENO) ? "1" : "0", 1);
  std::fflush(stdout);
  std::fflush(stderr);

  // Signals are taken synchronously (sigtimedwait), never by a handler, so
  // none can be lost between "mpirun started" and "waiting for it".
  // An inherited SIG_IGN for SIGCHLD would reap mpirun behind our back.
  std::signal(SIGCHLD, SIG_DFL);
  sigset_t watched, original;
  sigemptyset(&watched);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGCHLD}) sigaddset(&watched, s);
  sigprocmask(SIG_BLOCK, &watched, &original);
  const pid_t parent = getpid();
  const pid_t child = fork();
  if (child < 0) {
    std::fprintf(stderr, "error: cannot start mpirun for --ranks %d: fork: %s\n", args.ranks, std::strerror(errno));
    return 2;
  }
  if (child == 0) exec_mpirun(argv, original, parent);
  setpgid(child, child);  // also here: no signal may reach mpirun through our group before the child's own call

  int stops = 0;  // INT/TERM/HUP received so far
  while (true) {
    // A timeout too, so that the end of mpirun is seen even without SIGCHLD.
    siginfo_t info{};
    const timespec second{1, 0};
    const int s = sigtimedwait(&watched, &info, &second);
    if (s < 0 && errno != EAGAIN && errno != EINTR) {
      std::fprintf(stderr, "error: sigtimedwait: %s\n", std::strerror(errno));
      kill(child, SIGTERM);
      return 1;
    }
    if (s < 0 || s == SIGCHLD) {
      int status = 0;
      const pid_t r = waitpid(child, &status, WNOHANG);
      if (r < 0) {
        std::fprintf(stderr, "error: waitpid(mpirun): %s\n", std::strerror(errno));
        return 1;
      }
      if (r != child) continue;  // still running
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) {
        std::fprintf(stderr, "error: mpirun was killed by signal %d (%s)\n", WTERMSIG(status),
                     strsignal(WTERMSIG(status)));
        return 128 + WTERMSIG(status);
      }
      continue;  // stopped or continued: still running
    }
    if (s == SIGUSR1) {
      kill(child, SIGUSR1);
      continue;
    }
    if (++stops == 1) {
      std::fprintf(stderr,
                   "\nstructura: %s: asking the %d ranks to write a checkpoint and stop (exit status 3; run the "
                   "same command again to resume); %s again stops them at once, without a checkpoint\n",
                   signal_name(s), args.ranks, s == SIGINT ? "Ctrl-C" : "the same signal");
      kill(child, SIGUSR1);
    } else {
      std::fprintf(stderr, "\nstructura: %s again: stopping the ranks now, without a checkpoint\n", signal_name(s));
      kill(child, SIGTERM);
    }
  }
}

}  // namespace structura::pipeline::cli
