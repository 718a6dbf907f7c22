// Collective decision, taken at a stage's safe points, whether to write a
// checkpoint now (periodic) and whether to stop afterwards (a signal arrived
// on any rank). All ranks call poll() at the same points and get the same
// answer, so the checkpoint that follows is collective.
//
// A stage that keeps no checkpoint polls stop_requested() instead and throws
// Interrupted: the runner then drops its partial file, and the next run
// starts that stage again.
#pragma once

#include <chrono>

#include "core/mpi.hpp"

namespace structura::pipeline {

class Interrupted : public std::exception {
public:
  const char* what() const noexcept override { return "interrupted; checkpoint written"; }
};

class Checkpointer {
public:
  enum class Action { Continue, Save, SaveAndStop };

  Checkpointer(mpi::Comm comm, double interval_seconds);
  Action poll();
  // For stages without a checkpoint: whether a signal arrived on any rank
  // (collective, like poll). Such a stage then throws Interrupted and is
  // started again by the next run.
  bool stop_requested();

private:
  void count_poll();  // the test hook

  mpi::Comm comm_;
  double interval_;
  std::chrono::steady_clock::time_point last_;
  long polls_ = 0;
  long signal_after_polls_ = -1;  // test hook STRUCTURA_TEST_SIGNAL_AFTER_POLLS
};

}  // namespace structura::pipeline
