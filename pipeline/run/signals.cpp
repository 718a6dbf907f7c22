#include "run/signals.hpp"

#include <csignal>
#include <initializer_list>

namespace structura::pipeline {

namespace {
volatile std::sig_atomic_t g_signal = 0;
extern "C" void on_signal(int s) { g_signal = s; }
}  // namespace

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int s : {SIGTERM, SIGUSR1, SIGINT}) sigaction(s, &sa, nullptr);
}

bool signal_received() { return g_signal != 0; }
int received_signal_number() { return g_signal; }
void simulate_signal(int signal_number) { g_signal = signal_number; }

}  // namespace structura::pipeline
