// The reconstructions with a trained regulariser R, on the energy
// ||A x - y||^2 + lambda R(x) from the FBP (solvers/variational), lambda =
// <g>.lambda or, when that is 0, the heuristic the data stage stored
// (/data/lambda_heuristic). The truth never stops them.
// - make_learned (ar, acr, iwcnn): gradient descent with a fixed step or
//   Armijo backtracking, the step <g>.step or 1/||A||^2.
// - make_awcr_pd (awcr-pd): the AWCR primal-dual method on the trained IWCNN
//   (iwcnn.lambda), steps from ||A|| and L_R (awcr_pd.lipschitz, or the
//   library's Hessian estimate at each image's start), its certified rho
//   recorded; per image it reports the ergodic residual, tau and L_R.
#pragma once

#include <memory>
#include <string>

#include "experiments/ct_learned/methods.hpp"

namespace structura::pipeline::ct_learned {

std::unique_ptr<Method> make_learned(const MethodInput& in, const std::string& regulariser);
std::unique_ptr<Method> make_awcr_pd(const MethodInput& in);

}  // namespace structura::pipeline::ct_learned
