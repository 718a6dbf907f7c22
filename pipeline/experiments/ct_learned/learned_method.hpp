// The reconstruction with a trained regulariser R (ar, acr): gradient
// descent (solvers/variational) on ||A x - y||^2 + lambda R(x) from the FBP,
// with a fixed step or Armijo backtracking, lambda = <g>.lambda or, when
// that is 0, the heuristic the data stage stored (/data/lambda_heuristic),
// the step <g>.step or 1/||A||^2. The truth never stops it.
#pragma once

#include <memory>
#include <string>

#include "experiments/ct_learned/methods.hpp"

namespace structura::pipeline::ct_learned {

std::unique_ptr<Method> make_learned(const MethodInput& in, const std::string& regulariser);

}  // namespace structura::pipeline::ct_learned
