// Progress of a long stage on rank 0: percentage, rate and ETA. On a
// terminal a bar redrawn in place; otherwise a line every `interval`
// seconds, which also goes to the run's log.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace structura::pipeline {

class Progress {
public:
  Progress(std::string label, std::int64_t total, std::string unit, double interval_seconds, bool enabled);
  // `done` items of `total` finished; `work_rate_text` is an optional extra
  // such as "1.2e8 trajectory-steps/s".
  void update(std::int64_t done, const std::string& extra = "");
  void finish(const std::string& extra = "");

private:
  std::string line(std::int64_t done, const std::string& extra) const;
  std::string label_, unit_;
  std::int64_t total_;
  double interval_;
  bool enabled_, terminal_;
  std::int64_t start_done_ = -1;
  std::chrono::steady_clock::time_point start_, last_print_;
};

std::string format_duration(double seconds);

}  // namespace structura::pipeline
