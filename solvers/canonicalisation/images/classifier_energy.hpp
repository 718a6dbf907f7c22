// LieLAC's classifier energy for images (TIED's choice (i), §1b of
// ../shared/science/lielac-reference.md): an input the classifier is sure
// about looks like its training data.
//
//   E(h) = -logsumexp(logits(h . u)) + boundary_weight * B(h)
//
// with h . u = warp(u, h^-1) (warp.hpp) and B a measure of what the warp
// loses, over one of three point sets (`region`):
//   moved-content  the pixel centres moved by h, pi(h x), each weighted by
//                  |u| there: the share of u's content that h moves out of
//                  view (the default). It stops the classifier's favourite
//                  cheat, magnifying a digit until its strokes are thicker
//                  than any it was trained on (the logits grow while
//                  content is cut off), and leaves an empty margin free.
//   moved-frame    the same points unweighted: the share of u's frame moved
//                  out of view (also penalises moving an empty margin).
//   sampling-grid  the sampling grid pi(h^-1 x) of the canonical image: the
//                  part of the canonical frame that reads zeros from
//                  outside u (TIED's boundary penalty; blind to
//                  magnification, which keeps this grid inside).
// On the digits test even the moved-content boundary does not make
// -logsumexp of a plainly trained classifier a usable energy; the
// classifier's contrastive training term does (classifier.hpp).
// and one of two penalties (`boundary`) on those points p:
//   squared-excess  mean of relu(|p_x|-1)^2 + relu(|p_y|-1)^2 (TIED's; grows
//                   with the distance, so it pulls a candidate back)
//   fraction        mean of sigmoid((max(|p_x|,|p_y|) - 1) / tau), tau one
//                   pixel width: a smooth count of the points outside
// Candidates h = exp(eps) . base are evaluated as one batch; dE/d eps comes
// from autograd through torch::linalg_matrix_exp. A candidate that maps a
// pixel through the horizon (homographies), either way, or whose energy is
// not finite gets +infinity and a zero gradient.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>

#include "canonicalisation/images/matrix_groups.hpp"
#include "canonicalisation/lie_algebra_descent.hpp"

namespace structura::canonicalisation::images {

enum class BoundaryPenalty { SquaredExcess, Fraction };
enum class BoundaryRegion { MovedContent, MovedFrame, SamplingGrid };

struct ClassifierEnergyOptions {
  double boundary_weight = 10.0;  // the digits test's setting
  BoundaryPenalty boundary = BoundaryPenalty::Fraction;
  BoundaryRegion region = BoundaryRegion::MovedContent;

  void validate(const std::string& where = "energy") const;  // InputError naming where.<field>
};

// Logits (N, classes) of images (N, 1, H, W); e.g. a SmallCnn's forward.
using Logits = std::function<torch::Tensor(const torch::Tensor&)>;

// B of points (N, H, W, 2) -> (N): the mean over the points, weighted by
// `weights` (H, W; their sum normalises) when given.
torch::Tensor boundary_penalty(const torch::Tensor& points, BoundaryPenalty kind, const torch::Tensor& weights = {});

class ClassifierEnergy final : public ChartEnergy {
public:
  // image (H, W) in the dtype the classifier computes in (the matrices are
  // formed in float64 and cast to it). The group and the classifier must
  // outlive the energy. InputError for other shapes or bad options.
  ClassifierEnergy(const MatrixGroup& group, Logits classifier, torch::Tensor image,
                   ClassifierEnergyOptions options = {});

  EnergyBatch evaluate(const Element& base, std::span<const double> epsilon, int rows) const override;

  // E at elements h (one each), without gradients.
  std::vector<double> energies(const std::vector<Element>& elements) const;

private:
  // Energies (rows) of elements h and their inverses (rows, 3, 3), float64.
  torch::Tensor energy_of(const torch::Tensor& elements, const torch::Tensor& inverses) const;

  const MatrixGroup& group_;
  Logits classifier_;
  torch::Tensor image_;
  torch::Tensor ink_;  // |u|: the weights of the moved-content boundary
  ClassifierEnergyOptions options_;
  torch::Tensor basis_;  // (k, 3, 3) float64, scales included
};

}  // namespace structura::canonicalisation::images
