#include "variational/row_split.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>

#include "core/error.hpp"
#include "core/partition.hpp"

namespace structura::variational {

torch::Tensor band_value(regularisers::Regulariser& model, const torch::Tensor& x, std::int64_t begin,
                         std::int64_t end, std::int64_t halo) {
  regularisers::require_image_batch(x, "band_value");
  const std::int64_t height = x.size(2), width = x.size(3);
  require(0 <= begin && begin <= end && end <= height && halo >= 0,
          fmt::format("band_value: rows [{}, {}) with halo {} of an image of {} rows", begin, end, halo, height));
  if (begin == end) return torch::zeros({x.size(0)}, x.options());
  const std::int64_t lo = std::max<std::int64_t>(0, begin - halo), hi = std::min(height, end + halo);
  const torch::Tensor d = model.density(x.narrow(2, lo, hi - lo), height, width);
  return d.narrow(2, begin - lo, end - begin).sum({1, 2, 3});
}

namespace {

// The element-wise sum over the ranks of a tensor, in place (CPU, contiguous).
void sum_in_place(torch::Tensor& t, const mpi::Comm& comm) {
  if (comm.size() == 1 || t.numel() == 0) return;
  require(t.is_contiguous() && t.device().is_cpu() && t.numel() <= INT_MAX,
          "row_split_regulariser: the sum over ranks needs a contiguous CPU tensor of at most INT_MAX entries");
  const MPI_Datatype type = t.scalar_type() == torch::kFloat64 ? MPI_DOUBLE : MPI_FLOAT;
  require(t.scalar_type() == torch::kFloat64 || t.scalar_type() == torch::kFloat32,
          "row_split_regulariser: float32 or float64 images");
  mpi::check(MPI_Allreduce(MPI_IN_PLACE, t.data_ptr(), static_cast<int>(t.numel()), type, MPI_SUM, comm.get()),
             "MPI_Allreduce (variational::row_split_regulariser)");
}

}  // namespace

RegulariserFunction row_split_regulariser(regularisers::Regulariser& model, const mpi::Comm& comm,
                                          const std::string& where) {
  const std::int64_t radius = model.receptive_radius();
  if (radius < 0)
    throw InputError(fmt::format("{}: {} is not a sum of a local map over pixels (e.g. the AR critic's dense head); "
                                 "it cannot be split into row bands over ranks",
                                 where, model.name()));
  if (comm.size() == 1) return regulariser_of(model);
  return [&model, &comm, radius](const torch::Tensor& x) -> torch::Tensor {
    regularisers::require_image_batch(x, "row_split_regulariser");
    const Range rows = comm.block(x.size(2));
    const bool with_gradient = x.requires_grad() && torch::GradMode::is_enabled();
    // This rank's share, differentiated here (first order) with respect to
    // its band only: the sums over the ranks below need every rank anyway.
    const torch::Tensor band = x.detach().requires_grad_(with_gradient);
    torch::Tensor values, gradient;
    {
      torch::AutoGradMode mode(with_gradient);
      values = band_value(model, band, rows.begin, rows.begin + rows.count, radius);
      if (with_gradient) {
        gradient = rows.count > 0 ? torch::autograd::grad({values.sum()}, {band}, {}, false, false, true)[0]
                                  : torch::Tensor();
        if (!gradient.defined()) gradient = torch::zeros_like(band);
      }
    }
    values = values.detach().to(torch::kCPU).contiguous().clone();
    sum_in_place(values, comm);
    if (!with_gradient) return values.to(x.device());
    gradient = gradient.to(torch::kCPU).contiguous();
    sum_in_place(gradient, comm);
    // A value of R(x) whose derivative with respect to x is the summed
    // gradient: values + <x - stop_gradient(x), g> per image (zero in value).
    const torch::Tensor g = gradient.to(x.device());
    return values.to(x.device()) + ((x - x.detach()) * g).sum({1, 2, 3});
  };
}

}  // namespace structura::variational
