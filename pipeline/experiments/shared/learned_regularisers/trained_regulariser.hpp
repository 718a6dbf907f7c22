// Reconstructions with a trained regulariser R on the energy
// ||A x - y||^2 + lambda R(x) (solvers/variational), for any
// variational::LinearOperator A: the learned kinds make their operator (the
// CT projector, the Gaussian blur) and their images, this does the rest.
// lambda = <r>.lambda or, when that is 0, the heuristic the data stage
// stored (/data/lambda_heuristic). The truth never stops an iteration.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "core/h5.hpp"
#include "experiments/shared/learned_regularisers/regulariser_params.hpp"
#include "regularisers/regulariser.hpp"
#include "variational/gradient_descent.hpp"
#include "variational/operator.hpp"

namespace structura::pipeline {

// The trained model of `r` from /models/<r> in `dtype` (training.dtype),
// frozen (x alone is differentiated), its lambda and ||A|| (power
// iteration). Keeps a reference to A: it must outlive this.
class TrainedRegulariser {
public:
  TrainedRegulariser(const h5::File& file, const RegulariserSettings& r, const std::string& dtype, std::int64_t n,
                     const variational::LinearOperator& A);

  // The energy for one data batch y (float64; converted to the model's dtype).
  variational::Problem problem(const torch::Tensor& y) const;
  // `t` (float64) in the model's dtype.
  torch::Tensor in_dtype(const torch::Tensor& t) const { return t.to(dtype_); }
  // lambda, lambda_source, operator_norm.
  void describe(h5::Group& g) const;

  const RegulariserSettings& settings() const { return r_; }
  regularisers::Regulariser& model() const { return *model_; }
  std::int64_t image_size() const { return n_; }
  double lambda() const { return lambda_; }
  double operator_norm() const { return norm_; }

private:
  const RegulariserSettings& r_;
  torch::Dtype dtype_;
  std::int64_t n_;
  const variational::LinearOperator& a_;
  std::shared_ptr<regularisers::Regulariser> model_;
  double lambda_ = 0, norm_ = 0;
  std::string lambda_source_;
};

// A 1-image history tensor (rows, 1) as `length` values, NaN after its rows.
std::vector<double> history_values(const torch::Tensor& h, int length);

// Gradient descent on the trained regulariser's energy with a fixed step or
// Armijo backtracking, the step <r>.step or 1/||A||^2, <r>.iterations.
class GradientDescentReconstruction {
public:
  explicit GradientDescentReconstruction(const TrainedRegulariser& trained);

  struct Result {
    torch::Tensor x;                           // the model's dtype
    std::vector<double> energy, gradient_norm;  // history_length() values, NaN after the stop
  };
  // One image: y its data, start where the descent starts (float64).
  Result reconstruct(const torch::Tensor& y, const torch::Tensor& start) const;
  int history_length() const { return trained_.settings().iterations + 1; }
  // The trained regulariser's attributes and step, step_rule, iterations.
  void describe(h5::Group& g) const;

private:
  const TrainedRegulariser& trained_;
  variational::GradientDescentOptions options_;
};

}  // namespace structura::pipeline
