// The Riemannian autoencoder against hand counts and a linear Gaussian
// model whose reconstruction errors are known in closed form:
// - d_ε and the achieved ε for variances chosen so every tail sum is exact
//   in binary (ties kept in index order), including d_ε = D;
// - encode/decode against the linear map written out, exact round trip at
//   d_ε = D, encode ∘ decode = identity at d_ε < D;
// - for x = φ⁻¹(z), z ~ N(0, diag a), φ(x) = Mx + b: the error with the
//   coordinates S kept is (1/D) Σ_{j∉S} a_j ‖M⁻¹ e_j‖² in expectation; the
//   sample curves of the three orders match it and the largest-first one
//   decreases;
// - the random order is a permutation fixed by the seed;
// - bad input named.
#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "analytic_maps.hpp"
#include "core/error.hpp"
#include "geometry/riemannian_autoencoder.hpp"
#include "input_error.hpp"
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::geometry;
using namespace structura::geometry::testing;

namespace {

// Sum 12; sorted 8, 2, 1, 0.5, 0.25, 0.25 (coordinates 1, 4, 2, 0, 3, 5);
// discarded tails after d = 1..5: 4, 2, 1, 0.5, 0.25.
torch::Tensor hand_variances() { return torch::tensor({0.5, 8.0, 1.0, 0.25, 2.0, 0.25}, f64); }

LinearMap linear_map_6d() {
  torch::manual_seed(5);
  const auto m = orthogonal(6, 9) * torch::tensor({1.2, 0.8, 1.0, 1.25, 0.9, 1.1}, f64) +
                 0.1 * torch::randn({6, 6}, f64);
  return LinearMap(m, torch::tensor({0.3, -0.2, 0.1, 0.0, 0.5, -0.4}, f64));
}

std::vector<std::int64_t> as_vector(const torch::Tensor& t) {
  const auto c = t.contiguous();
  return {c.data_ptr<std::int64_t>(), c.data_ptr<std::int64_t>() + c.numel()};
}

}  // namespace

TEST_CASE("d_ε and the achieved ε match the hand count") {
  const auto phi = linear_map_6d();
  struct Case {
    double epsilon;
    std::int64_t d;
    double achieved;
  };
  for (const auto& c : {Case{0.1, 3, 1.0 / 12}, Case{0.2, 2, 2.0 / 12}, Case{0.5, 1, 4.0 / 12},
                        Case{0.3, 2, 2.0 / 12}, Case{0.05, 4, 0.5 / 12}, Case{0.01, 6, 0.0}}) {
    const RiemannianAutoencoder rae(phi, hand_variances(), c.epsilon);
    INFO("epsilon = " << c.epsilon);
    CHECK(rae.latent_dimension() == c.d);
    CHECK(rae.achieved_epsilon() == doctest::Approx(c.achieved).epsilon(1e-15));
    CHECK(rae.achieved_epsilon() <= c.epsilon);
  }
  // A tail exactly at ε Σa counts (≤): a sums to 8, ε Σa = 2 = the tail after d = 3.
  const RiemannianAutoencoder boundary(phi, torch::tensor({3.0, 1.0, 2.0, 1.0, 0.5, 0.5}, f64), 0.25);
  CHECK(boundary.latent_dimension() == 3);
  CHECK(boundary.achieved_epsilon() == 0.25);
  // Ties keep index order: the two 1s are coordinates 1 then 3.
  CHECK(as_vector(boundary.coordinates_by_variance()) == std::vector<std::int64_t>{0, 2, 1, 3, 4, 5});
  const RiemannianAutoencoder hand(phi, hand_variances(), 0.1);
  CHECK(as_vector(hand.coordinates_by_variance()) == std::vector<std::int64_t>{1, 4, 2, 0, 3, 5});
  CHECK(max_abs(hand.sorted_variances() - torch::tensor({8.0, 2.0, 1.0, 0.5, 0.25, 0.25}, f64)) == 0);
}

TEST_CASE("encode and decode: the leading latent coordinates, zero padding, exact round trip at d = D") {
  const auto phi = linear_map_6d();
  torch::manual_seed(6);
  const auto x = torch::randn({16, 6}, f64);
  const RiemannianAutoencoder rae(phi, hand_variances(), 0.1);  // d_ε = 3: coordinates 1, 4, 2
  const auto z = phi.forward(x);
  const auto code = rae.encode(x);
  CHECK(code.sizes() == torch::IntArrayRef{16, 3});
  CHECK(max_abs(code - z.index_select(1, torch::tensor({1, 4, 2}))) == 0);
  // decode writes the code into coordinates 1, 4, 2 and zeros elsewhere.
  auto padded = torch::zeros({16, 6}, f64);
  padded.index_copy_(1, torch::tensor({1, 4, 2}), code);
  CHECK(max_abs(rae.decode(code) - phi.inverse(padded)) < 1e-13);
  // The encoder undoes the decoder even when d_ε < D, and projection is idempotent.
  CHECK(max_abs(rae.encode(rae.decode(code)) - code) < 1e-12);
  CHECK(max_abs(rae.project(rae.project(x)) - rae.project(x)) < 1e-12);
  CHECK(max_abs(rae.project(x) - x) > 0.1);  // negative control: d_ε < D loses information
  const RiemannianAutoencoder full(phi, hand_variances(), 0.01);
  REQUIRE(full.latent_dimension() == 6);
  CHECK(max_abs(full.decode(full.encode(x)) - x) < 1e-13);
}

TEST_CASE("reconstruction errors of a linear Gaussian model against the closed form, three orders") {
  const auto phi = linear_map_6d();
  const auto a = hand_variances();
  const RiemannianAutoencoder rae(phi, a, 0.1);
  const std::int64_t n = 40000;
  torch::manual_seed(7);
  const auto x = phi.inverse(torch::randn({n, 6}, f64) * a.sqrt());
  // x − x̂ = M⁻¹ z_{discarded}: expected MSE = (1/D) Σ_{j discarded} a_j ‖M⁻¹ e_j‖².
  const auto inverse = phi.inverse_jvp(torch::zeros({6, 6}, f64), torch::eye(6, f64));  // row j = M⁻¹ e_j
  const auto weight = a * inverse.pow(2).sum(1) / 6.0;
  for (auto order : {CoordinateOrder::largest_first, CoordinateOrder::smallest_first, CoordinateOrder::random}) {
    const auto errors = rae.reconstruction_errors(x, order, 99);
    const auto sequence = as_vector(rae.coordinate_order(order, 99));
    REQUIRE(errors.numel() == 6);
    double worst = 0;
    for (std::int64_t d = 1; d <= 6; ++d) {
      double expected = 0;
      for (std::int64_t k = d; k < 6; ++k) expected += weight[sequence[k]].item<double>();
      INFO("order " << static_cast<int>(order) << ", d = " << d << ": " << errors[d - 1].item<double>()
                    << " against " << expected);
      // Sampling error of a mean of 40000 weighted χ² terms: relative sd
      // ≤ sqrt(2 / n) ≈ 0.7%, plus cross terms of the same size; 5% asked.
      CHECK(std::abs(errors[d - 1].item<double>() - expected) <= 0.05 * expected + 1e-20);
      if (d < 6) worst = std::max(worst, std::abs(errors[d - 1].item<double>() / expected - 1));
    }
    MESSAGE("order " << static_cast<int>(order) << ": largest relative deviation from the closed form " << worst
                     << ", error at d = 1: " << errors[0].item<double>());
    CHECK(errors[5].item<double>() < 1e-25);  // all coordinates kept: rounding only
  }
  const auto largest = rae.reconstruction_errors(x, CoordinateOrder::largest_first);
  const auto smallest = rae.reconstruction_errors(x, CoordinateOrder::smallest_first);
  for (std::int64_t d = 1; d < 6; ++d) CHECK(largest[d].item<double>() < largest[d - 1].item<double>());
  // Keeping the large variances first is far better at d = 1 .. 3.
  for (std::int64_t d = 0; d < 3; ++d) CHECK(largest[d].item<double>() * 2 < smallest[d].item<double>());
}

TEST_CASE("the random order is a permutation fixed by the seed") {
  const auto phi = linear_map_6d();
  const RiemannianAutoencoder rae(phi, hand_variances(), 0.1);
  const auto first = as_vector(rae.coordinate_order(CoordinateOrder::random, 1));
  CHECK(std::set<std::int64_t>(first.begin(), first.end()) == std::set<std::int64_t>{0, 1, 2, 3, 4, 5});
  CHECK(as_vector(rae.coordinate_order(CoordinateOrder::random, 1)) == first);
  std::set<std::vector<std::int64_t>> seen;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) seen.insert(as_vector(rae.coordinate_order(CoordinateOrder::random, seed)));
  CHECK(seen.size() >= 7);  // eight seeds, 720 permutations: at most one coincidence expected
  CHECK(as_vector(rae.coordinate_order(CoordinateOrder::smallest_first)) == std::vector<std::int64_t>{5, 3, 0, 2, 4, 1});
  CHECK(parse_coordinate_order("largest") == CoordinateOrder::largest_first);
  CHECK(parse_coordinate_order("smallest") == CoordinateOrder::smallest_first);
  CHECK(parse_coordinate_order("random") == CoordinateOrder::random);
}

TEST_CASE("bad input: ε, variances, shapes and the order are named") {
  const auto phi = linear_map_6d();
  using structura::testing::input_error;
  auto named = [](const std::string& message, const std::string& name) {
    INFO(message);
    CHECK(message.find(name) != std::string::npos);
  };
  for (double epsilon : {0.0, 1.0, -0.1, 1.5, std::nan("")})
    named(input_error([&] { RiemannianAutoencoder(phi, hand_variances(), epsilon); }), "rae.epsilon");
  named(input_error([&] { RiemannianAutoencoder(phi, hand_variances(), 2.0, "geometry.rae"); }),
        "geometry.rae.epsilon");
  named(input_error([&] { RiemannianAutoencoder(phi, torch::tensor({1.0, 0.0, 1.0, 1.0, 1.0, 1.0}, f64)); }),
        "rae.variances");
  named(input_error([&] { RiemannianAutoencoder(phi, torch::tensor({1.0, -2.0, 1.0, 1.0, 1.0, 1.0}, f64)); }),
        "rae.variances");
  named(input_error([&] { RiemannianAutoencoder(phi, torch::ones({5}, f64)); }), "rae.variances");
  const RiemannianAutoencoder rae(phi, hand_variances(), 0.1);
  named(input_error([&] { rae.encode(torch::zeros({2, 5}, f64)); }), "rae.encode: x");
  named(input_error([&] { rae.decode(torch::zeros({2, 6}, f64)); }), "rae.decode: code");
  named(input_error([&] { rae.reconstruction_errors(torch::zeros({2}, f64), CoordinateOrder::random); }),
        "rae.reconstruction_errors: x");
  named(input_error([&] { parse_coordinate_order("biggest"); }), "rae.order");
}
