// LieLAC's classifier energy for images (TIED's choice (i), §1b of
// ../shared/science/lielac-reference.md): an input the classifier is sure
// about looks like its training data.
//
//   E(h) = -logsumexp(logits(h . u)) + boundary_weight * B(h)
//
// with h . u = warp(u, h^-1) (warp.hpp) and B the part of the canonical
// frame that samples outside the image (where the warp reads zeros), over
// the sampling grid of h^-1:
//   squared-excess  mean over pixels of relu(|x|-1)^2 + relu(|y|-1)^2 (TIED's
//                   boundary penalty; grows with the distance, so it pulls a
//                   candidate back)
//   fraction        mean over pixels of sigmoid((max(|x|,|y|) - 1) / tau), tau
//                   one pixel width: a smooth count of the pixels outside
// Candidates h = exp(eps) . base are evaluated as one batch; dE/d eps comes
// from autograd through torch::linalg_matrix_exp. A candidate whose warp
// maps a pixel through the horizon (homographies) or whose energy is not
// finite gets +infinity and a zero gradient.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>

#include "canonicalisation/images/matrix_groups.hpp"
#include "canonicalisation/lie_algebra_descent.hpp"

namespace structura::canonicalisation::images {

enum class BoundaryPenalty { SquaredExcess, Fraction };

struct ClassifierEnergyOptions {
  double boundary_weight = 1.0;
  BoundaryPenalty boundary = BoundaryPenalty::SquaredExcess;

  void validate(const std::string& where = "energy") const;  // InputError naming where.<field>
};

// Logits (N, classes) of images (N, 1, H, W); e.g. a SmallCnn's forward.
using Logits = std::function<torch::Tensor(const torch::Tensor&)>;

// B per sampling grid (N, H, W, 2) -> (N).
torch::Tensor boundary_penalty(const torch::Tensor& grid, BoundaryPenalty kind);

class ClassifierEnergy final : public ChartEnergy {
public:
  // image (H, W) in the dtype the classifier computes in (the matrices are
  // formed in float64 and cast to it). The group and the classifier must
  // outlive the energy. InputError for other shapes or bad options.
  ClassifierEnergy(const MatrixGroup& group, Logits classifier, torch::Tensor image, ClassifierEnergyOptions options = {});

  EnergyBatch evaluate(const Element& base, std::span<const double> epsilon, int rows) const override;

  // E at elements h (one each), without gradients.
  std::vector<double> energies(const std::vector<Element>& elements) const;

private:
  // Energies (rows) from the inverse matrices (rows, 3, 3), float64.
  torch::Tensor energy_of_inverses(const torch::Tensor& inverses) const;

  const MatrixGroup& group_;
  Logits classifier_;
  torch::Tensor image_;
  ClassifierEnergyOptions options_;
  torch::Tensor basis_;  // (k, 3, 3) float64, scales included
};

}  // namespace structura::canonicalisation::images
