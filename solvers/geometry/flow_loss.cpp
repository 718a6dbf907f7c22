#include "geometry/flow_loss.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "datasets/keyed_draws.hpp"

namespace structura::geometry {

namespace {

// The stream of the isometry directions' draws ("ISO0"), apart from the
// data set's and the minibatch shuffle's streams under the same seed.
constexpr std::uint64_t directions_stream = 0x49534F30;

}  // namespace

IsometryTerm parse_isometry_term(std::string_view name, const std::string& key) {
  if (name == "none") return IsometryTerm::none;
  if (name == "full") return IsometryTerm::full;
  if (name == "pairs") return IsometryTerm::pairs;
  if (name == "length") return IsometryTerm::length;
  throw InputError(fmt::format("{}: expected \"none\", \"full\", \"pairs\" or \"length\", got \"{}\"", key, name));
}

std::string_view isometry_term_name(IsometryTerm term) {
  switch (term) {
    case IsometryTerm::none: return "none";
    case IsometryTerm::full: return "full";
    case IsometryTerm::pairs: return "pairs";
    case IsometryTerm::length: return "length";
  }
  return "?";
}

void FlowLossOptions::validate(const std::string& where) const {
  require(std::isfinite(isometry_weight) && isometry_weight >= 0,
          fmt::format("{}.isometry_weight: expected a finite value >= 0, got {}", where, isometry_weight));
  require(std::isfinite(volume_weight) && volume_weight >= 0,
          fmt::format("{}.volume_weight: expected a finite value >= 0, got {}", where, volume_weight));
  const bool random = isometry == IsometryTerm::pairs || isometry == IsometryTerm::length;
  require(!random || directions >= 1,
          fmt::format("{}.directions: the {} isometry term needs at least 1 direction, got {}", where,
                      isometry_term_name(isometry), directions));
}

std::int64_t FlowLossOptions::random_directions() const {
  if (isometry == IsometryTerm::pairs) return 2 * directions;
  if (isometry == IsometryTerm::length) return directions;
  return 0;
}

torch::Tensor isometry_per_point(const Diffeomorphism& phi, const torch::Tensor& x, const torch::Tensor& directions,
                                 IsometryTerm term) {
  const auto batch = x.size(0), d = x.size(1);
  switch (term) {
    case IsometryTerm::none: return torch::zeros({batch}, x.options());
    case IsometryTerm::full: {
      // Columns J e_k as rows of jv; their Gram matrix is JᵀJ.
      const auto units = torch::eye(d, x.options()).unsqueeze(0).expand({batch, d, d});
      const auto columns = phi.evaluate(x, units).jv;
      const auto gram = torch::matmul(columns, columns.transpose(1, 2));
      return (gram - torch::eye(d, x.options())).square().sum({1, 2});
    }
    case IsometryTerm::pairs: {
      const auto k = directions.size(1) / 2;
      const auto jv = phi.evaluate(x, directions).jv;
      const auto products = (jv.narrow(1, 0, k) * jv.narrow(1, k, k)).sum(-1) -
                            (directions.narrow(1, 0, k) * directions.narrow(1, k, k)).sum(-1);
      return products.square().mean(1);
    }
    case IsometryTerm::length: {
      const auto jv = phi.evaluate(x, directions).jv;
      return (jv.norm(2, -1) - 1).square().mean(1);
    }
  }
  return {};
}

FlowLossTerms flow_loss(const Diffeomorphism& phi, const DiagonalQuadratic& psi, const torch::Tensor& x,
                        const torch::Tensor& directions, const FlowLossOptions& options) {
  const auto image = phi.evaluate(x, {});
  FlowLossTerms terms;
  terms.nll = -(psi.log_density(image.z) + image.log_det).sum();
  terms.volume = image.log_det.abs().sum();
  terms.isometry = isometry_per_point(phi, x, directions, options.isometry).sum();
  terms.total = terms.nll;
  if (options.isometry != IsometryTerm::none && options.isometry_weight != 0)
    terms.total = terms.total + options.isometry_weight * terms.isometry;
  if (options.volume_weight != 0) terms.total = terms.total + options.volume_weight * terms.volume;
  return terms;
}

torch::Tensor isometry_directions(const FlowLossOptions& options, std::int64_t dimension,
                                  const std::vector<std::int64_t>& rows, std::uint64_t seed, std::int64_t step) {
  const auto per_point = options.random_directions();
  if (per_point == 0) return {};
  const auto values = per_point * dimension;
  // Philox calls one (row, step) may read: normals for length, uniforms
  // (one per sign) for pairs; steps start stride calls apart.
  const bool pairs = options.isometry == IsometryTerm::pairs;
  const auto stride = datasets::draws_stride(pairs ? 0 : static_cast<int>(values), pairs ? static_cast<int>(values) : 0);
  const CounterRng rng(seed, directions_stream);
  auto out = torch::empty({static_cast<std::int64_t>(rows.size()), per_point, dimension}, torch::kFloat64);
  auto view = out.accessor<double, 3>();
  for (std::size_t b = 0; b < rows.size(); ++b) {
    datasets::KeyedDraws draws(rng, static_cast<std::uint64_t>(rows[b]), static_cast<std::uint64_t>(step) * stride);
    for (std::int64_t k = 0; k < per_point; ++k) {
      double norm = 0;
      for (std::int64_t i = 0; i < dimension; ++i) {
        const double value = pairs ? (draws.uniform() < 0.5 ? -1.0 : 1.0) : draws.normal();
        view[b][k][i] = value;
        norm += value * value;
      }
      if (!pairs)
        for (std::int64_t i = 0; i < dimension; ++i) view[b][k][i] /= std::sqrt(norm);
    }
  }
  return out;
}

}  // namespace structura::geometry
