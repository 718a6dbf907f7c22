// Fourier neural operators in 1-D and 2-D (Li et al., arXiv 2010.08895;
// the reference scripts fourier_1d.py and fourier_2d.py of neuraloperator):
//   input u0 on a periodic grid, with the grid coordinates appended as
//   channels (x_i = i / X on [0, 1), and y likewise in 2-D)
//   -> lifting P: Linear(1 + d, width), pointwise
//   -> `layers` Fourier layers  v <- sigma(K v + W v): K the spectral
//      convolution (spectral_conv.hpp), W a 1x1 convolution (with bias),
//      sigma = GELU, none after the last layer (as the reference)
//   -> projection Q: Linear(width, projection), GELU, Linear(projection, 1).
// Defaults are the reference's: 1-D modes 16, width 64; 2-D modes 12 x 12,
// width 32; 4 layers, projection 128. The periodic problems here need no
// domain padding (the reference pads only non-periodic Darcy flow).
// Without the coordinate channels (grid = false) every part commutes with
// whole-cell shifts, so the operator is exactly translation equivariant on
// the periodic grid; the coordinates break that (the reference keeps them).
// The model is resolution-independent: forward takes any grid that still
// has the kept modes.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "neural_operators/spectral_conv.hpp"

namespace structura::neural_operators {

struct Fno1dOptions {
  std::int64_t points = 64;       // X of the training grid (for validation: modes <= X/2 + 1)
  std::int64_t modes = 16;        // kept Fourier modes k = 0 .. modes-1
  std::int64_t width = 64;        // channels of the Fourier layers
  std::int64_t layers = 4;        // Fourier layers
  std::int64_t projection = 128;  // hidden width of Q
  bool grid = true;               // append x as an input channel (the reference does)

  // InputError naming where.<field>: a size < 1, points < 2, modes > points/2 + 1.
  void validate(const std::string& where) const;
};

class Fno1dImpl : public torch::nn::Module {
public:
  explicit Fno1dImpl(const Fno1dOptions& options, const std::string& where = "fno");
  // u0 (N, X) -> u (N, X); X any size with modes <= X/2 + 1.
  torch::Tensor forward(const torch::Tensor& u0);
  const Fno1dOptions& options() const { return options_; }

private:
  Fno1dOptions options_;
  torch::nn::Linear lift_{nullptr}, hidden_{nullptr}, out_{nullptr};  // "lift", "project_hidden", "project_out"
  std::vector<SpectralConv1d> spectral_;                              // "spectral<k>"
  std::vector<torch::nn::Conv1d> pointwise_;                          // "pointwise<k>"
};
TORCH_MODULE(Fno1d);

struct Fno2dOptions {
  std::int64_t points_x = 64, points_y = 64;  // training grid (validation: 2 modes_x <= X, modes_y <= Y/2 + 1)
  std::int64_t modes_x = 12, modes_y = 12;
  std::int64_t width = 32;
  std::int64_t layers = 4;
  std::int64_t projection = 128;
  bool grid = true;  // append x and y as input channels

  void validate(const std::string& where) const;
};

class Fno2dImpl : public torch::nn::Module {
public:
  explicit Fno2dImpl(const Fno2dOptions& options, const std::string& where = "fno");
  // u0 (N, X, Y) -> u (N, X, Y).
  torch::Tensor forward(const torch::Tensor& u0);
  const Fno2dOptions& options() const { return options_; }

private:
  Fno2dOptions options_;
  torch::nn::Linear lift_{nullptr}, hidden_{nullptr}, out_{nullptr};
  std::vector<SpectralConv2d> spectral_;
  std::vector<torch::nn::Conv2d> pointwise_;
};
TORCH_MODULE(Fno2d);

}  // namespace structura::neural_operators
