// A convex-nonconvex (CNC) regulariser: a learned part that is not convex,
// whose variational energy is convex nonetheless (after Shumaylov et al.,
// arXiv 2310.05812; their construction is not public, this one follows the
// CNC definition):
//   R(x) = C(x) + t W(x),                            (N, 1, H, W) -> (N, 1)
//   C: an ACR (convex, strongly convex with modulus sigma = 2 softplus(q_C))
//   W: an IWCNN (rho_W-weakly convex, rho_W from Iwcnn::weak_convexity_modulus)
//   t in (0, 1]: the largest weight of W that keeps the energy convex.
//
// Condition. The energy E(x) = 1/2 ||Ax - y||^2 + lambda R(x) is convex when
//
//   t rho_W <= kappa + sigma,    kappa = mu / lambda,
//
// where mu is a lower bound of the data term's curvature (the smallest
// eigenvalue of A^T A; any mu with A^T A >= mu I). Proof: E / lambda =
// [D/lambda - (kappa/2)|x|^2] + [C - (sigma/2)|x|^2] + [t W + (t rho_W/2)|x|^2]
// + ((kappa + sigma - t rho_W)/2)|x|^2, three convex brackets and a
// quadratic with a non-negative weight (and E is lambda (kappa + sigma -
// t rho_W)-strongly convex when the margin is positive). Only mu enters,
// so the library stays free of any operator. For CT with fewer rays than
// pixels A^T A is singular, mu = 0, and C's own curvature sigma alone must
// absorb W's non-convexity; for denoising (A = I) mu = 1.
//
// Enforcement. With enforce_condition (default) t = min(1, (kappa + sigma) / rho_W)
// is recomputed from the current weights in every forward (outside autograd,
// a constant for the gradients), so the condition holds for every parameter
// value and image size: training cannot leave the convex class. The cost is
// about one linear backward pass of one image through |weights| per forward.
// Numeric check: check_convexity on minimal_energy() (convexity.hpp).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "regularisers/acr.hpp"
#include "regularisers/iwcnn.hpp"

namespace structura::regularisers {

struct CncOptions {
  AcrOptions convex = {};
  IwcnnOptions weak = {};
  double data_curvature = 0;      // kappa = mu / lambda >= 0
  bool enforce_condition = true;  // false: t = 1 (the energy may be non-convex; for tests and ablations)

  void validate(const std::string& where) const;
};

class Cnc : public Regulariser {
public:
  explicit Cnc(const CncOptions& options, const std::string& where = "cnc");
  torch::Tensor forward(const torch::Tensor& x) override;
  void project_weights() override;
  // The larger of the ACR's and the IWCNN's.
  std::int64_t receptive_radius() const override;
  // The ACR's density + t(height, width) x the IWCNN's.
  torch::Tensor density(const torch::Tensor& x, std::int64_t height, std::int64_t width) override;

  // t for (height x width) images and the current weights.
  double weak_scale(std::int64_t height, std::int64_t width) const;
  // kappa + sigma - t rho_W: >= 0 means the energy is convex (CNC condition).
  double margin(std::int64_t height, std::int64_t width) const;
  // E / lambda for the least-curved data term the bound admits:
  // (kappa/2)|x|^2 + R(x), (N, 1). Convex iff R passes for every data term
  // of curvature >= mu; the one function the numeric check needs.
  torch::Tensor minimal_energy(const torch::Tensor& x);

  Acr& convex() { return *convex_; }
  Iwcnn& weak() { return *weak_; }
  const CncOptions& options() const { return options_; }

private:
  // The parameters' identity and in-place version counters: t is a function
  // of them (and the image size), recomputed only when one changed, since
  // rho's FFTs cost more than a forward of a small batch.
  std::vector<std::pair<const void*, std::int64_t>> parameter_state() const;

  CncOptions options_;
  std::shared_ptr<Acr> convex_;  // "convex"
  std::shared_ptr<Iwcnn> weak_;  // "weak"
  struct ScaleCache {
    std::vector<std::pair<const void*, std::int64_t>> state;
    std::int64_t height = -1, width = -1;
    double t = 0;
  };
  mutable ScaleCache cache_;
};

}  // namespace structura::regularisers
