// The variational energy of a batch of independent reconstructions,
//   E_i(x_i) = ‖A x_i − y_i‖² + λ R(x_i),        i = 1 .. N,
// with no ½ on the data term: the convention of the AR paper's code and of
// the λ heuristic 2·E‖Aᵀ(Ax* − y)‖ (regularisers/losses.hpp), which is the
// mean norm of the gradient of exactly this data term at the truth; a λ
// from that heuristic is meant for this energy. ∇E = 2Aᵀ(Ax − y) + λ∇R.
//
// Distributed as operator.hpp: y holds this rank's data rows; the data term
// and its gradient are global (summed over A.comm()), R is evaluated on the
// replicated image on every rank and counted once. Energies are float64 on
// the CPU, the same on every rank; gradients have x's dtype and device.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>

#include "regularisers/regulariser.hpp"
#include "variational/operator.hpp"

namespace structura::variational {

// x (N, 1, H, W) -> one value per image, (N) or (N, 1), differentiable in
// x; images independent (no batch statistics).
using RegulariserFunction = std::function<torch::Tensor(const torch::Tensor&)>;

// A learned regulariser as a RegulariserFunction (kept by reference: the
// model must outlive the function). Its parameters may keep requires_grad;
// the solvers differentiate with respect to x only.
RegulariserFunction regulariser_of(regularisers::Regulariser& model);

struct Evaluation {
  torch::Tensor energy;       // (M) float64, CPU
  torch::Tensor data_term;    // (M) ‖Ax − y‖², summed over ranks
  torch::Tensor regulariser;  // (M) R(x) (not multiplied by λ)
  torch::Tensor gradient;     // (M, 1, H, W) ∇E, x's dtype; undefined when not asked for
};

class Problem {
public:
  // data: this rank's rows (N, 1, A.data_rows(), A.data_cols()), finite.
  // lambda >= 0; regulariser may be empty only when lambda == 0.
  // InputError naming "data", "lambda" or "regulariser".
  Problem(const LinearOperator& A, torch::Tensor data, RegulariserFunction regulariser, double lambda);

  const LinearOperator& op() const { return *a_; }
  const torch::Tensor& data() const { return y_; }
  double lambda() const { return lambda_; }
  std::int64_t batch() const { return y_.size(0); }
  bool has_regulariser() const { return static_cast<bool>(r_); }
  const RegulariserFunction& regulariser() const { return r_; }  // R (without λ); may be empty

  // E and (optionally) ∇E of the images x, (M, 1, H, W), against the data
  // of images `index` (int64 (M), the same on every rank; undefined: all,
  // M = N). Collective over A.comm().
  Evaluation evaluate(const torch::Tensor& x, bool with_gradient = true, const torch::Tensor& index = {}) const;
  // λ R(x) and its gradient only (no operator): (M) float64 and (M, 1, H, W).
  std::pair<torch::Tensor, torch::Tensor> regulariser_and_gradient(const torch::Tensor& x, bool with_gradient) const;

private:
  const LinearOperator* a_;
  torch::Tensor y_;
  RegulariserFunction r_;
  double lambda_;
};

// Per-image PSNR of x against truth (N, 1, H, W) with data_range = max − min
// of each truth image, as scikit-image and tomography/metrics.hpp compute
// it; (N) float64. For reporting only.
torch::Tensor psnr_per_image(const torch::Tensor& x, const torch::Tensor& truth);

// Per-image l2 norms, (N, ...) -> (N) float64 on the CPU.
torch::Tensor norms_per_image(const torch::Tensor& t);

}  // namespace structura::variational
