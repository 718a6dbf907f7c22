#include "run/progress.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "run/log.hpp"

namespace structura::pipeline {

std::string format_duration(double s) {
  if (!(s >= 0) || s > 1e7) return "--:--:--";
  const long t = static_cast<long>(s + 0.5);
  return fmt::format("{:02}:{:02}:{:02}", t / 3600, (t / 60) % 60, t % 60);
}

Progress::Progress(std::string label, std::int64_t total, std::string unit, double interval_seconds, bool enabled)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      interval_(interval_seconds),
      enabled_(enabled && log::rank() == 0),
      terminal_(log::stdout_is_terminal()),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

std::string Progress::line(std::int64_t done, const std::string& extra) const {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double counted = static_cast<double>(done - (start_done_ < 0 ? 0 : start_done_));
  const double rate = elapsed > 0 ? counted / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : -1.0;
  const double pct = total_ > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total_) : 100.0;
  std::string bar;
  if (terminal_) {
    const int width = 24, filled = static_cast<int>(pct / 100.0 * width);
    bar = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
  }
  return fmt::format("{}: {}{:5.1f}% ({}/{} {}), {:.3g} {}/s, ETA {}{}", label_, bar, pct, done, total_, unit_, rate,
                     unit_, format_duration(eta), extra.empty() ? "" : ", " + extra);
}

void Progress::update(std::int64_t done, const std::string& extra) {
  if (!enabled_) return;
  if (start_done_ < 0) start_done_ = done;  // a resumed stage starts counting where it resumed
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_print_).count();
  if (terminal_) {
    if (since < 0.2) return;
    std::fprintf(stdout, "\r%s\033[K", line(done, extra).c_str());
    std::fflush(stdout);
  } else {
    if (since < interval_) return;
    log::info("{}", line(done, extra));
  }
  last_print_ = now;
}

void Progress::finish(const std::string& extra) {
  if (!enabled_) return;
  if (terminal_) {
    std::fprintf(stdout, "\r\033[K");
    std::fflush(stdout);
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  log::info("{}: done in {}{}", label_, format_duration(elapsed), extra.empty() ? "" : " (" + extra + ")");
}

}  // namespace structura::pipeline
