#include "variational/history.hpp"

namespace structura::variational {

std::string to_string(StopReason reason) {
  switch (reason) {
  case StopReason::Iterations: return "iterations";
  case StopReason::GradientTolerance: return "gradient_tolerance";
  case StopReason::Oracle: return "oracle";
  case StopReason::LineSearch: return "line_search";
  }
  return "unknown";
}

}  // namespace structura::variational
