// How a caller stops a long iterative solve early (a signal, a deadline): a
// callback the solver calls on every rank after each iteration, the same
// number of times on each, so that it may take a collective decision
// ("did any rank get a signal?"). To stop, it throws; the exception leaves
// the solver as it is (through PETSc's callbacks too, which must not be
// unwound: the Krylov solvers carry it across KSPSolve), and the image
// then holds no result. An empty callback costs nothing.
#pragma once

#include <functional>

namespace structura::tomography {

// The argument: iterations completed so far (1 after the first).
using IterationPoll = std::function<void(int iterations)>;

}  // namespace structura::tomography
