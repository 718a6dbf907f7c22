// Running the Slurm client commands (sbatch, scontrol, squeue, scancel):
// started directly, never through a shell, with their output captured.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace structura::pipeline::slurm {

struct ProcessResult {
  bool started = false;  // false: the program could not be run (not found, not executable)
  int status = -1;       // exit status; 128 + n when killed by signal n
  std::string out, err;
  bool ok() const { return started && status == 0; }
  // stderr, else stdout, trimmed: what to show the user when it failed.
  std::string message() const;
};

// Runs argv[0] (searched on PATH) with the remaining arguments, stdin closed.
ProcessResult run_process(const std::vector<std::string>& argv);

// The absolute path of `program` on PATH, if there is one.
std::optional<std::string> find_on_path(const std::string& program);

// `s` as one word for bash: unchanged when it is plain, else single-quoted.
std::string shell_quote(const std::string& s);

std::string trim(const std::string& s);

}  // namespace structura::pipeline::slurm
