// `structura submit` and `structura status`.
#pragma once

#include <string>
#include <vector>

namespace structura::pipeline::slurm {

struct SubmitOptions {
  std::string file;
  std::vector<std::string> overrides;
  bool dry_run = false;
  std::string runs_dir;
};

int submit_command(const SubmitOptions& options);
int status_command(const std::vector<std::string>& dirs);

}  // namespace structura::pipeline::slurm
