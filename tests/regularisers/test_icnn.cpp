// The ICNN and the ACR. Truths:
//   convexity: the checker (tested in test_convexity_checker.cpp) on random
//   pairs; the same ICNN with negative hidden weights fails it, so the pass
//   after project_weights() is the projection's doing;
//   input gradients: central differences (float64);
//   parameter counts: the reference network's, derived by hand
//   (learned-regularisers-reference.md: 590,928 for 10 x 48 x 5x5);
//   save/load: a second model with other weights equals the first after
//   loading (nn::save_module / load_module), and another architecture is
//   refused with a message naming the tensor.
#include <unistd.h>

#include <filesystem>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "gradient_check.hpp"
#include "nn/h5_tensors.hpp"
#include "regularisers/acr.hpp"
#include "regularisers/convexity.hpp"
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::regularisers;

namespace {

IcnnOptions small_icnn() {
  IcnnOptions o;
  o.layers = 3;
  o.channels = 6;
  o.kernel = 3;
  o.init_scale = 0.3;  // visible curvature (the reference's 1e-3 makes R almost affine)
  return o;
}

std::int64_t count(const torch::nn::Module& m) {
  std::int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

ScalarFunction of(Regulariser& r) {
  return [&r](const torch::Tensor& x) { return r.forward(x); };
}

std::string temporary_h5(const char* stem) {
  return (std::filesystem::temp_directory_path() / (std::string(stem) + std::to_string(::getpid()) + ".h5")).string();
}

}  // namespace

TEST_CASE("the default ICNN and ACR have the reference's sizes") {
  Icnn icnn(IcnnOptions{});
  // 10 Wz 48x48x5x5 (576,000) + 11 Wx 1x48x5x5 with bias (13,728) + W_out 48x5x5 (1,200).
  CHECK(count(icnn) == 590928);
  Acr acr(AcrOptions{});
  // + 10 banks of 32 7x7 filters (15,680) + p + q.
  CHECK(count(acr) == 590928 + 15680 + 2);
  torch::Tensor out = acr.forward(torch::rand({3, 1, 13, 9}));  // any size
  CHECK(out.sizes() == torch::IntArrayRef({3, 1}));
  for (const auto& w : icnn.constrained_weights()) {
    CHECK(w.min().item<double>() >= 0);
    CHECK(w.max().item<double>() <= 1e-3);
  }
}

TEST_CASE("the untrained ICNN is convex along random pairs after project_weights, and not before") {
  torch::manual_seed(21);
  Icnn icnn(small_icnn());
  icnn.to(torch::kFloat64);
  {
    torch::NoGradGuard no_grad;
    for (auto& w : icnn.constrained_weights()) w.normal_(0, 0.3);  // about half negative
  }
  // Short segments (length ~0.1 * 6): independent pairs mostly see the
  // network's convex-looking large-scale shape (its x-path is convex).
  auto [x, y] = nearby_pairs(128, {1, 6, 6}, 1.0, 0.1, 22);
  const ConvexityReport before = check_convexity(of(icnn), x, y);
  MESSAGE("negative weights: ", before.midpoint_violations, " midpoint and ", before.monotonicity_violations,
          " monotonicity violations of 128");
  CHECK_FALSE(before.passed());
  icnn.project_weights();
  for (const auto& w : icnn.constrained_weights()) CHECK(w.min().item<double>() >= 0);
  const ConvexityReport after = check_convexity(of(icnn), x, y);
  CHECK(after.passed());
  CHECK(after.needed_modulus == 0);
  auto [u, v] = random_pairs(128, {1, 6, 6}, 1.0, 23);
  CHECK(check_convexity(of(icnn), u, v).passed());
}

TEST_CASE("the ACR is convex, its filter bank and L2 term included") {
  torch::manual_seed(23);
  AcrOptions o;
  o.icnn = small_icnn();
  o.banks = 2;
  o.filters = 4;
  o.filter_size = 3;
  o.sfb_weight_init = 0;  // softplus(0) = 0.69: the filter bank matters
  o.l2_weight_init = 0;
  Acr acr(o);
  acr.to(torch::kFloat64);
  auto [x, y] = random_pairs(128, {1, 6, 6}, 1.0, 24);
  CHECK(check_convexity(of(acr), x, y).passed());
  auto [u, v] = nearby_pairs(128, {1, 6, 6}, 1.0, 0.1, 26);
  CHECK(check_convexity(of(acr), u, v).passed());
  // 2 softplus(q)-strongly convex: R - (sigma/2)|x|^2 is convex too, i.e.
  // the pairs leave room for -sigma as a modulus. Checked through the
  // function R - (sigma/2)|x|^2 itself.
  const double sigma = acr.strong_convexity_modulus();
  CHECK(sigma == doctest::Approx(2 * std::log(2.0)));
  const ScalarFunction reduced = [&](const torch::Tensor& v) {
    return acr.forward(v) - 0.5 * sigma * v.square().sum({1, 2, 3}).unsqueeze(1);
  };
  CHECK(check_convexity(reduced, x, y).passed());
  // The two parameter groups of the reference's two optimisers cover the model once.
  CHECK(acr.icnn_parameters().size() + acr.other_parameters().size() == acr.parameters().size());
}

TEST_CASE("the input gradient equals central differences") {
  torch::manual_seed(25);
  Icnn icnn(small_icnn());
  icnn.to(torch::kFloat64);
  AcrOptions o;
  o.icnn = small_icnn();
  o.banks = 2;
  o.filters = 4;
  o.filter_size = 3;
  o.sfb_weight_init = 0;
  Acr acr(o);
  acr.to(torch::kFloat64);
  const torch::Tensor x = torch::randn({2, 1, 6, 6}, torch::kFloat64);
  // h = 1e-6 in float64: truncation ~h^2 and rounding ~1e-16/h, both far
  // below 1e-6; a leaky-ReLU kink inside [x - h, x + h] is unlikely and
  // would cost about one unit's share.
  CHECK(testing::gradient_error(icnn, x, 36) < 1e-6);
  CHECK(testing::gradient_error(acr, x, 36) < 1e-6);
}

TEST_CASE("ACR parameters round-trip through HDF5, and another architecture is refused") {
  torch::manual_seed(27);
  AcrOptions o;
  o.icnn = small_icnn();
  o.banks = 2;
  o.filters = 4;
  o.filter_size = 3;
  Acr saved(o);
  saved.to(torch::kFloat64);
  const std::string path = temporary_h5("structura-acr-");
  {
    h5::File f = h5::File::open(path, h5::Mode::Create);
    h5::Group g = f.require_group("/models/acr");
    nn::save_module(g, saved);
  }
  torch::manual_seed(28);
  Acr loaded(o);
  loaded.to(torch::kFloat64);
  AcrOptions wider = o;
  wider.icnn.channels = 7;
  Acr other(wider);
  {
    h5::File f = h5::File::open(path, h5::Mode::ReadOnly);
    nn::load_module(f.open_group("/models/acr"), loaded);
    CHECK_THROWS_WITH_AS(nn::load_module(f.open_group("/models/acr"), other), doctest::Contains("icnn.wx0.weight"),
                         InputError);
  }
  std::filesystem::remove(path);
  const auto a = saved.named_parameters(), b = loaded.named_parameters();
  REQUIRE(a.size() == b.size());
  for (const auto& p : a) CHECK(torch::equal(p.value(), b[p.key()]));
  const torch::Tensor x = torch::randn({2, 1, 5, 5}, torch::kFloat64);
  CHECK(torch::equal(saved.forward(x), loaded.forward(x)));
}

TEST_CASE("bad ICNN options name their key") {
  IcnnOptions o;
  o.kernel = 4;
  CHECK_THROWS_WITH_AS(Icnn(o, "regulariser.icnn"), doctest::Contains("regulariser.icnn.kernel"), InputError);
  o = {};
  o.leaky_slope = 1.5;
  CHECK_THROWS_WITH_AS(Icnn(o, "icnn"), doctest::Contains("icnn.leaky_slope"), InputError);
  AcrOptions a;
  a.icnn.layers = 0;
  CHECK_THROWS_WITH_AS(Acr(a, "acr"), doctest::Contains("acr.icnn.layers"), InputError);
  Acr acr(AcrOptions{});
  CHECK_THROWS_AS(acr.forward(torch::rand({2, 3, 8, 8})), InputError);
}
