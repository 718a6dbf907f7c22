#include "run/checkpointer.hpp"

#include <csignal>
#include <cstdlib>

#include "run/signals.hpp"

namespace structura::pipeline {

Checkpointer::Checkpointer(mpi::Comm comm, double interval_seconds)
    : comm_(comm), interval_(interval_seconds), last_(std::chrono::steady_clock::now()) {
  // Test hook: rank 0 raises SIGUSR1 on itself after this many polls, which
  // exercises the real handler and the collective stop deterministically.
  if (const char* env = std::getenv("STRUCTURA_TEST_SIGNAL_AFTER_POLLS")) signal_after_polls_ = std::atol(env);
}

void Checkpointer::count_poll() {
  ++polls_;
  if (signal_after_polls_ >= 0 && polls_ == signal_after_polls_ && comm_.is_root()) std::raise(SIGUSR1);
}

bool Checkpointer::stop_requested() {
  count_poll();
  return comm_.any(signal_received());
}

Checkpointer::Action Checkpointer::poll() {
  count_poll();
  const auto now = std::chrono::steady_clock::now();
  const bool due = std::chrono::duration<double>(now - last_).count() >= interval_;
  // One reduction carries both flags: 2 = stop, 1 = save, 0 = continue.
  const std::int64_t local = signal_received() ? 2 : (due ? 1 : 0);
  const std::int64_t decision = comm_.max(local);
  if (decision == 0) return Action::Continue;
  last_ = now;
  return decision == 2 ? Action::SaveAndStop : Action::Save;
}

}  // namespace structura::pipeline
