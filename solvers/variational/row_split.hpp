// A learned regulariser of one image evaluated by row bands over the ranks
// of a communicator, so that the network's share of a reconstruction
// iteration scales with the ranks as the operator's does (the projector
// splits the angles; without this every rank computes the whole network
// gradient). It needs a local model (Regulariser::receptive_radius() >= 0:
// the ICNN, ACR, IWCNN, CNC; not the AR critic, whose dense head sees the
// whole image):
//   rank k owns rows [b_k, e_k) (block partition of the image's height),
//   evaluates the density on rows [b_k - r, e_k + r) clipped to the image
//   (r the receptive radius: the halo), sums it over its own rows, and the
//   per-image values and the gradient images are summed over the ranks.
// The density on the own rows is exact (the halo covers the receptive
// field; zero padding at the image's true edges is the convolutions' own),
// so value and gradient equal the model's on one rank to rounding. Each
// rank computes H/P + 2r rows instead of H; the gradient costs one
// MPI_Allreduce of the image batch.
#pragma once

#include <cstdint>
#include <string>

#include "core/mpi.hpp"
#include "regularisers/regulariser.hpp"
#include "variational/problem.hpp"

namespace structura::variational {

// The sum over the rows [begin, end) of model.density(x, H, W), computed on
// the rows [begin - halo, end + halo) of x (N, 1, H, W) clipped to the
// image: (N), x's dtype, differentiable in x. Exact when halo >=
// model.receptive_radius() (and in general wrong near the cut when it is
// less: the test of the radius).
torch::Tensor band_value(regularisers::Regulariser& model, const torch::Tensor& x, std::int64_t begin,
                         std::int64_t end, std::int64_t halo);

// R as a RegulariserFunction split into row bands over `comm`: x must be the
// same on every rank (replicated, as in Problem), and every rank must call
// it, and differentiate it, together. Values (N) in x's dtype; the gradient
// is of first order only (no Hessian products through it). A model that is
// not local is an InputError naming `where`. With one rank it is the model
// itself. The model must outlive the function.
RegulariserFunction row_split_regulariser(regularisers::Regulariser& model, const mpi::Comm& comm,
                                          const std::string& where = "regulariser");

}  // namespace structura::variational
