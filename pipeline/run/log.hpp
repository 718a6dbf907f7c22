// Rank-prefixed logging. Rank 0 prints by default; with verbose every rank
// does. Rank 0 also appends every line to the current run's log.txt.
#pragma once

#include <fmt/format.h>

#include <string>

namespace structura::pipeline::log {

void configure(int rank, int size, bool verbose);
// Starts (or stops, with "") copying rank 0's lines to a file.
void open_file(const std::string& path);
void close_file();

void write(const std::string& level, const std::string& message, bool all_ranks);

template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  write("", fmt::format(f, std::forward<Args>(args)...), false);
}
template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  write("warning: ", fmt::format(f, std::forward<Args>(args)...), false);
}
// Errors are printed by whichever rank has them.
template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  write("error: ", fmt::format(f, std::forward<Args>(args)...), true);
}
// Only to the log file (progress lines already drawn on a terminal).
void file_only(const std::string& message);

int rank();
bool stdout_is_terminal();

}  // namespace structura::pipeline::log
