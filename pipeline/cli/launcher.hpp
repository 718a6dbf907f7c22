// `structura run --ranks N` started outside mpirun/srun: it starts mpirun
// with N ranks of itself and stays as mpirun's supervisor.
#pragma once

#include "cli/commands.hpp"

namespace structura::pipeline::cli {

// Ranks this process was launched with by mpirun/srun: 0 if none, -1 if
// some launcher whose size is unknown.
int launched_ranks();

// Runs mpirun -n args.ranks <this executable> <the same arguments minus
// --ranks> and returns the exit status to exit with: mpirun's (that of the
// ranks: 3 when they checkpointed), 128 + n when it was killed by signal n,
// 2 when mpirun cannot be started.
//
// Why supervise instead of exec: mpirun answers SIGINT and SIGTERM by
// killing its ranks (SIGTERM, then SIGKILL a second later), so neither
// Ctrl-C nor `kill PID` could give the checkpoint that SIGUSR1 gives; mpirun
// forwards SIGUSR1 to the ranks. So mpirun runs in its own process group
// (Ctrl-C on the terminal reaches only this process) with stdin from
// /dev/null (a background group reading the terminal would be stopped),
// and this process turns the first INT, TERM or HUP into SIGUSR1 for the
// ranks (checkpoint and stop, exit status 3); a second one sends mpirun
// SIGTERM, which ends the ranks at once without a checkpoint. SIGUSR1 is
// passed on as it is. If this process dies, mpirun gets SIGTERM
// (PR_SET_PDEATHSIG) instead of running on unsupervised.
int run_under_mpirun(const RunArgs& args);

}  // namespace structura::pipeline::cli
