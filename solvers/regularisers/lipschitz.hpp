// Rigorous upper bounds of Lipschitz constants, from which the IWCNN's
// weak-convexity modulus and the CNC condition are computed. Bounds, not
// estimates: a power iteration would approach the norm from below and could
// make a certified modulus too small.
#pragma once

#include <torch/torch.h>

namespace structura::regularisers {

// Upper bound of the l2 operator norm of a stride-1 convolution with zero
// padding and weight (out, in, kh, kw), on images of any size:
// ||K||_2 <= sqrt(||K||_1 ||K||_inf) (Schur's test), where the largest
// absolute row sum of the matrix is at most max_o sum_{i,a,b} |w[o,i,a,b]|
// and the largest column sum at most max_i sum_{o,a,b} |w[o,i,a,b]| (zero
// padding only drops entries). The bias does not enter a Lipschitz constant.
double conv_norm_bound(const torch::Tensor& weight);

// The SiLU phi(t) = t * sigmoid(t): bounds of |phi'| and |phi''| on R.
// phi' = s (1 + t (1 - s)) lies in (-0.0999, 1.0999] (its maximum 1.09984
// at t = 2.3994); phi'' = s (1 - s) (2 + t (1 - 2 s)) with t (1 - 2 s) <= 0
// is at most 2 s (1 - s) <= 1/2 (equality at 0) and at least -0.0999
// (tests/regularisers checks both on a dense grid).
inline constexpr double kSiluSlopeBound = 1.1;
inline constexpr double kSiluCurvatureBound = 0.5;

}  // namespace structura::regularisers
