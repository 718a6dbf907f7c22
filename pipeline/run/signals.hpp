// SIGTERM, SIGUSR1 (what Slurm sends before a time limit with --signal) and
// SIGINT only set a flag; long stages poll it at safe points through
// Checkpointer, write a checkpoint and stop with exit status 3.
#pragma once

namespace structura::pipeline {

void install_signal_handlers();
bool signal_received();
int received_signal_number();
// For tests: behave as if a signal had arrived.
void simulate_signal(int signal_number);

}  // namespace structura::pipeline
