// `structura report` and the per-run plots drawn at the end of `structura run`.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace structura::pipeline::report {

// Draws the standard plots of one run into <run_dir>/plots/ (serial, call
// on one rank). Returns the PNG files written; a missing Python/matplotlib
// gives a warning and an empty list, never a failure of the run.
std::vector<std::string> make_run_plots(const std::filesystem::path& run_dir);

// Gathers /metrics of every run under `dirs` into report.md, report.csv and the
// self-contained page report.html (tables and plots, links to the runs) in
// out_dir (default: <first dir>/report) and draws the plots of each run.
int report_command(const std::vector<std::string>& dirs, const std::string& out_dir);

}  // namespace structura::pipeline::report
