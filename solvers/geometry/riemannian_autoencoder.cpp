#include "geometry/riemannian_autoencoder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "geometry/manifold_checks.hpp"

namespace structura::geometry {

namespace {

// The stream of the random coordinate order's draws (any fixed value; it
// keeps these draws apart from other users of the same seed).
constexpr std::uint64_t random_order_stream = 0x52414530;  // "RAE0"

// Indices 0..n−1 sorted by key, ties by index.
std::vector<std::int64_t> sorted_indices(const std::vector<double>& key) {
  std::vector<std::int64_t> index(key.size());
  std::iota(index.begin(), index.end(), 0);
  std::stable_sort(index.begin(), index.end(), [&](std::int64_t i, std::int64_t j) { return key[i] < key[j]; });
  return index;
}

torch::Tensor index_tensor(const std::vector<std::int64_t>& index) {
  return torch::tensor(index, torch::kInt64);
}

}  // namespace

CoordinateOrder parse_coordinate_order(std::string_view name, const std::string& key) {
  if (name == "largest") return CoordinateOrder::largest_first;
  if (name == "smallest") return CoordinateOrder::smallest_first;
  if (name == "random") return CoordinateOrder::random;
  throw InputError(fmt::format("{}: expected \"largest\", \"smallest\" or \"random\", got \"{}\"", key, name));
}

RiemannianAutoencoder::RiemannianAutoencoder(const Diffeomorphism& phi, const torch::Tensor& variances, double epsilon,
                                             std::string where)
    : phi_(phi), dimension_(phi.dimension()), where_(std::move(where)), epsilon_(epsilon) {
  require(std::isfinite(epsilon) && epsilon > 0 && epsilon < 1,
          fmt::format("{}.epsilon: expected a value in (0, 1), got {}", where_, epsilon));
  const auto a = detail::checked_variances(variances, dimension_, where_ + ".variances")
                     .detach()
                     .to(torch::kCPU, torch::kFloat64)
                     .contiguous();
  std::vector<double> negated(a.data_ptr<double>(), a.data_ptr<double>() + dimension_);
  for (auto& v : negated) v = -v;  // decreasing a, ties by index
  const auto index = sorted_indices(negated);
  order_ = index_tensor(index);
  sorted_ = a.index_select(0, order_);

  // tail[d] = Σ_{i ≥ d} a_(i) (0-based), summed from the smallest up.
  std::vector<double> tail(dimension_ + 1, 0.0);
  for (std::int64_t d = dimension_ - 1; d >= 0; --d) tail[d] = tail[d + 1] - negated[index[d]];
  const double total = tail[0];
  latent_dimension_ = dimension_;
  for (std::int64_t d = 1; d < dimension_; ++d)
    if (tail[d] <= epsilon_ * total) {
      latent_dimension_ = d;
      break;
    }
  achieved_epsilon_ = tail[latent_dimension_] / total;
}

torch::Tensor RiemannianAutoencoder::encode(const torch::Tensor& x) const {
  detail::require_batch(x, dimension_, where_ + ".encode: x");
  const auto kept = order_.narrow(0, 0, latent_dimension_).to(x.device());
  return phi_.forward(x).index_select(1, kept);
}

torch::Tensor RiemannianAutoencoder::decode(const torch::Tensor& code) const {
  detail::require_batch(code, latent_dimension_, where_ + ".decode: code");
  const auto kept = order_.narrow(0, 0, latent_dimension_).to(code.device());
  auto latent = torch::zeros({code.size(0), dimension_}, code.options());
  return phi_.inverse(latent.index_copy(1, kept, code));
}

torch::Tensor RiemannianAutoencoder::coordinate_order(CoordinateOrder order, std::uint64_t seed) const {
  switch (order) {
    case CoordinateOrder::largest_first: return order_;
    case CoordinateOrder::smallest_first: return order_.flip(0);
    case CoordinateOrder::random: {
      // Coordinate i's key is draw (seed, i): the permutation depends on
      // the seed and D only.
      const CounterRng rng(seed, random_order_stream);
      std::vector<double> key(dimension_);
      for (std::int64_t i = 0; i < dimension_; ++i) key[i] = rng.uniform4(static_cast<std::uint64_t>(i), 0).u[0];
      return index_tensor(sorted_indices(key));
    }
  }
  throw InputError(fmt::format("{}.order: unknown coordinate order", where_));
}

torch::Tensor RiemannianAutoencoder::reconstruction_errors(const torch::Tensor& x, CoordinateOrder order,
                                                           std::uint64_t seed) const {
  detail::require_batch(x, dimension_, where_ + ".reconstruction_errors: x");
  torch::NoGradGuard no_grad;
  const auto sequence = coordinate_order(order, seed);
  const auto z = phi_.forward(x);
  auto keep = torch::zeros({1, dimension_}, z.options());
  std::vector<double> errors(dimension_);
  // One latent coordinate more per d: D inverse passes over the batch,
  // memory of one batch.
  for (std::int64_t d = 0; d < dimension_; ++d) {
    keep.index_fill_(1, sequence.narrow(0, d, 1).to(z.device()), 1.0);
    const auto reconstruction = phi_.inverse(z * keep);
    errors[d] = (x - reconstruction).pow(2).mean().item<double>();
    if (!std::isfinite(errors[d]))
      throw NumericalError(fmt::format("{}.reconstruction_errors: the error with {} kept coordinates is {}", where_,
                                       d + 1, errors[d]));
  }
  return torch::tensor(errors, torch::kFloat64);
}

}  // namespace structura::geometry
