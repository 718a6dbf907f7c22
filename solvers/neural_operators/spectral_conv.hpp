// The spectral convolution of the Fourier neural operator (Li et al.,
// arXiv 2010.08895; neuraloperator's fourier_1d.py / fourier_2d.py):
//   v = irfft( W . rfft(u) restricted to the lowest modes ),
// per output channel o and kept mode k: v^_o(k) = sum_i W_{i,o}(k) u^_i(k),
// every other mode of v set to zero. On the periodic grid this is a
// convolution with a band-limited kernel, so it commutes with whole-cell
// shifts (translation equivariance) and works at any grid size that has the
// kept modes.
// The complex weights are stored as real tensors with a trailing (re, im)
// axis and read through view_as_complex: the shared data-parallel and HDF5
// code (nn/data_parallel.hpp, nn/h5_tensors.hpp) and the optimizers then see
// only real float32/float64 parameters.
// Initialisation as the reference: scale * U[0, 1) for the real and the
// imaginary part, scale = 1 / (in * out).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

namespace structura::neural_operators {

// (N, in, X) -> (N, out, X), keeping modes k = 0 .. modes-1 of rfft, which
// needs modes <= X/2 + 1 (InputError in forward otherwise).
class SpectralConv1dImpl : public torch::nn::Module {
public:
  // InputError naming where.<in_channels|out_channels|modes> for values < 1.
  SpectralConv1dImpl(std::int64_t in_channels, std::int64_t out_channels, std::int64_t modes,
                     const std::string& where = "spectral_conv");
  torch::Tensor forward(const torch::Tensor& x);
  // (in, out, modes) complex view of the weights (shares their storage).
  torch::Tensor complex_weight() const;

  std::int64_t modes() const { return modes_; }

private:
  std::int64_t in_, out_, modes_;
  torch::Tensor weight_;  // "weight": (in, out, modes, 2)
};
TORCH_MODULE(SpectralConv1d);

// (N, in, X, Y) -> (N, out, X, Y). Keeps, as the reference, the rfftn
// modes with k_x in [0, modes_x) (weight "weight_low") and in
// [X - modes_x, X) (the negative frequencies, "weight_high"), each with
// k_y in [0, modes_y). Needs 2 modes_x <= X (the two blocks must not
// overlap) and modes_y <= Y/2 + 1.
class SpectralConv2dImpl : public torch::nn::Module {
public:
  SpectralConv2dImpl(std::int64_t in_channels, std::int64_t out_channels, std::int64_t modes_x, std::int64_t modes_y,
                     const std::string& where = "spectral_conv");
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor complex_weight_low() const;   // (in, out, modes_x, modes_y)
  torch::Tensor complex_weight_high() const;  // (in, out, modes_x, modes_y)

private:
  std::int64_t in_, out_, modes_x_, modes_y_;
  torch::Tensor low_, high_;  // (in, out, modes_x, modes_y, 2)
};
TORCH_MODULE(SpectralConv2d);

}  // namespace structura::neural_operators
