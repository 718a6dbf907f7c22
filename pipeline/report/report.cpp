#include "report/report.hpp"

#include <stdexcept>

namespace structura::pipeline::report {

std::vector<std::string> make_run_plots(const std::filesystem::path&) { return {}; }

int report_command(const std::vector<std::string>&, const std::string&) {
  throw std::runtime_error("structura report: not implemented yet");
}

}  // namespace structura::pipeline::report
