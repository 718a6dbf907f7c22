// Small harness pieces shared by the benchmarks: wall clock, CPU time, medians, peak
// resident set size.
#pragma once

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <vector>

namespace structura::bench {

inline double now_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

template <class F>
double time_seconds(F&& f) {
  const double t0 = now_seconds();
  f();
  return now_seconds() - t0;
}

// CPU time of this process (all its threads). On a shared machine it leaves
// out the time other processes held the cores, which wall-clock time counts;
// it does not leave out their effect on caches and memory bandwidth.
inline double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

template <class F>
double cpu_time_seconds(F&& f) {
  const double t0 = cpu_seconds();
  f();
  return cpu_seconds() - t0;
}

inline double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

inline double min_of(const std::vector<double>& v) { return v.empty() ? 0.0 : *std::min_element(v.begin(), v.end()); }
inline double max_of(const std::vector<double>& v) { return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end()); }

// Peak resident set size of this process in MiB (getrusage ru_maxrss, KiB
// on Linux).
inline double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

// The process's peak over all resets below, and whether resets work here.
struct RssRecord {
  double peak_mib = 0.0;
  bool resettable = true;
};
inline RssRecord& rss_record() {
  static RssRecord r;
  return r;
}

// Lowers the kernel's RSS high-water mark to the current RSS (Linux >= 4.0:
// "5" > /proc/self/clear_refs), so that the next peak_rss_mib() is the peak
// of what ran in between rather than of the whole process. The peak so far
// is kept for process_peak_rss_mib(). Returns false where resetting is not
// possible; peaks are then cumulative.
inline bool reset_peak_rss() {
  RssRecord& r = rss_record();
  r.peak_mib = std::max(r.peak_mib, peak_rss_mib());
  std::ofstream f("/proc/self/clear_refs");
  if (f) {
    f << "5";
    f.flush();
  }
  r.resettable = r.resettable && static_cast<bool>(f);
  return r.resettable;
}

// Peak RSS of the whole process so far (ru_maxrss, across resets).
inline double process_peak_rss_mib() { return std::max(rss_record().peak_mib, peak_rss_mib()); }

// Tracks the peak RSS of one configuration over all of its repetitions.
struct PeakRss {
  double mib = 0.0;
  template <class F>
  void measure(F&& f) {
    reset_peak_rss();
    f();
    mib = std::max(mib, peak_rss_mib());
  }
};

}  // namespace structura::bench
