// The pullback manifold's closed forms against independent truth:
// - the 2-D banana and river against datasets/planar_geometry (hand-written
//   φ, metric, geodesic and distance of the data sets);
// - the geodesic against the minimiser of the discrete path energy under G
//   alone (path_energy.hpp), with the error shrinking at second order in
//   1/T, and its length against the distance;
// - exp/log as mutual inverses, the velocity against finite differences,
//   the metric against autograd's Jacobian;
// - the barycentre against L-BFGS on Σ d(p, x_i)²;
// - parallel transport preserving ⟨u, v⟩_G and carrying γ'(0) to γ'(1);
// every comparison with a stated margin and a negative control that shows
// it can fail; bad input named.
#include <cmath>
#include <string>
#include <vector>

#include "analytic_maps.hpp"
#include "core/error.hpp"
#include "datasets/planar_geometry.hpp"
#include "geometry/pullback_manifold.hpp"
#include "input_error.hpp"
#include "path_energy.hpp"
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::geometry;
using namespace structura::geometry::testing;

namespace {

ShearRotation planar_map(datasets::PlanarKind kind) {
  const bool river = kind == datasets::PlanarKind::river;
  return ShearRotation(river ? ShearProfile::sine : ShearProfile::square, torch::tensor({river ? 1.0 : 1.0 / 9}, f64),
                       torch::ones({2}, f64), torch::eye(2, f64), torch::zeros({2}, f64));
}

torch::Tensor variances_3d() { return torch::tensor({0.5, 2.0, 1.3}, f64); }

// Points of the 3-D examples: spread over a few units, where the shear bends.
torch::Tensor points(std::int64_t n, std::uint64_t seed, double scale = 1.2) {
  torch::manual_seed(seed);
  return scale * torch::randn({n, 3}, f64);
}

// Geodesic error of the energy minimiser with `steps` steps against the closed
// form at the same times, and |length − distance|.
struct EnergyComparison {
  double geodesic_error;  // max_k ‖p_k − γ(k/T)‖
  double line_error;      // the same for the straight start (the negative control)
  double length_error;    // |Σ sqrt(Δᵀ G Δ) − d(x, y)|
  double distance;
};

EnergyComparison compare_with_energy_minimiser(const PullbackManifold& m, const torch::Tensor& x,
                                               const torch::Tensor& y, std::int64_t steps) {
  const auto& phi = m.diffeomorphism();
  const auto& a = m.variances();
  const auto discrete = minimise_path_energy(phi, a, x, y, steps);
  torch::NoGradGuard no_grad;
  const auto t = torch::linspace(0, 1, steps + 1, f64);
  const auto closed = m.geodesic(x.unsqueeze(0), y.unsqueeze(0), t).squeeze(0);
  const double d = m.distance(x.unsqueeze(0), y.unsqueeze(0)).item<double>();
  return {(discrete - closed).norm(2, {1}).max().item<double>(),
          (straight_path(x, y, steps) - closed).norm(2, {1}).max().item<double>(),
          std::abs(path_length(phi, a, discrete) - d), d};
}

}  // namespace

TEST_CASE("banana and river: metric, geodesic and distance equal the data sets' ground truth") {
  for (auto kind : {datasets::PlanarKind::banana, datasets::PlanarKind::river}) {
    const datasets::PlanarSet set(kind);
    const auto phi = planar_map(kind);
    const auto a = set.variances();
    const PullbackManifold m(phi, torch::tensor({a[0], a[1]}, f64));
    torch::manual_seed(3);
    const auto x = 2.0 * torch::randn({8, 2}, f64), y = 2.0 * torch::randn({8, 2}, f64);
    const auto t = torch::linspace(0, 1, 11, f64);
    torch::NoGradGuard no_grad;
    const auto g = m.geodesic(x, y, t).contiguous();
    const auto xc = x.contiguous(), yc = y.contiguous(), tc = t.contiguous();
    const auto truth = datasets::geodesics(set, {xc.data_ptr<double>(), 16}, {yc.data_ptr<double>(), 16},
                                           {tc.data_ptr<double>(), 11});
    const auto truth_t = torch::tensor(truth, f64).view({8, 11, 2});
    CHECK(max_abs(g - truth_t) < 1e-12);
    const auto dist = m.distance(x, y), metric = m.metric(x);
    for (std::int64_t b = 0; b < 8; ++b) {
      const datasets::Vec2 xb{x[b][0].item<double>(), x[b][1].item<double>()};
      const datasets::Vec2 yb{y[b][0].item<double>(), y[b][1].item<double>()};
      const double d = datasets::pullback_distance(set, xb, yb);
      CHECK(std::abs(dist[b].item<double>() - d) < 1e-12 * (1 + d));
      const auto gt = datasets::pullback_metric(set, xb);
      const auto gt_t = torch::tensor(std::vector<double>(gt.begin(), gt.end()), f64).view({2, 2});
      CHECK(max_abs(metric[b] - gt_t) < 1e-10 * (1 + max_abs(gt_t)));
    }
    // Negative control: the metric without the A⁻² weight (a = 1) differs.
    const PullbackManifold unweighted(phi, torch::ones({2}, f64));
    CHECK(max_abs(unweighted.distance(x, y) - dist) > 0.1);
  }
}

TEST_CASE("the closed-form geodesic minimises the discrete path energy under G, at second order in 1/T") {
  const auto x = torch::tensor({-1.0, 0.9, 1.4}, f64), y = torch::tensor({1.3, -1.1, -0.6}, f64);
  SUBCASE("sine shear: the discrete minimiser converges to γ at second order") {
    const auto phi = curved_map_3d(ShearProfile::sine);
    const PullbackManifold m(phi, variances_3d());
    const auto coarse = compare_with_energy_minimiser(m, x, y, 16);
    const auto fine = compare_with_energy_minimiser(m, x, y, 32);
    MESSAGE("sine: T = 16: geodesic error " << coarse.geodesic_error << ", length error " << coarse.length_error
                                            << "; T = 32: " << fine.geodesic_error << ", " << fine.length_error
                                            << "; straight line " << fine.line_error << ", distance "
                                            << fine.distance);
    // Second order: halving the step divides both errors by about 4 (≥ 3 asked).
    CHECK(fine.geodesic_error < 2e-2);  // measured 0.0100 (T = 16: 0.0376)
    CHECK(fine.geodesic_error * 3 < coarse.geodesic_error);
    CHECK(fine.length_error < 1e-3 * fine.distance);  // measured 3.8e-4 of d (T = 16: 1.5e-3)
    CHECK(fine.length_error * 3 < coarse.length_error);
    // The straight start is far from the geodesic: the comparison can fail.
    CHECK(fine.line_error > 20 * fine.geodesic_error);
  }
  SUBCASE("quadratic shear: the midpoint rule is exact, so the minimiser is γ at any T") {
    // For φ of degree 2, φ(p_{k+1}) − φ(p_k) = Dφ(m_k) Δ_k exactly: the
    // discrete energy is T Σ ‖A⁻¹(φ(p_{k+1}) − φ(p_k))‖², minimal at equally
    // spaced points of the latent line, i.e. γ(k/T); only L-BFGS's
    // tolerance is left.
    const auto phi = curved_map_3d(ShearProfile::square);
    const PullbackManifold m(phi, variances_3d());
    for (std::int64_t steps : {8, 32}) {
      const auto c = compare_with_energy_minimiser(m, x, y, steps);
      MESSAGE("quadratic: T = " << steps << ": geodesic error " << c.geodesic_error << ", length error "
                                << c.length_error << ", straight line " << c.line_error);
      CHECK(c.geodesic_error < 1e-5);
      CHECK(c.length_error < 1e-9 * c.distance);
      CHECK(c.line_error > 1e3 * 1e-5);
    }
  }
}

TEST_CASE("exp and log are mutual inverses; the velocity is the derivative of the geodesic") {
  const auto phi = curved_map_3d();
  const PullbackManifold m(phi, variances_3d());
  torch::NoGradGuard no_grad;
  const auto x = points(64, 11), y = points(64, 12), v = points(64, 13, 0.8);
  CHECK(max_abs(m.exp(x, m.log(x, y)) - y) < 1e-10);
  CHECK(max_abs(m.log(x, m.exp(x, v)) - v) < 1e-10);
  // ‖log_x y‖_G = d(x, y), and γ'(0) = log_x y.
  const auto l = m.log(x, y);
  CHECK(max_abs(m.inner(x, l, l).sqrt() - m.distance(x, y)) < 1e-10);
  const auto t = torch::tensor({0.0, 0.3, 1.0}, f64);
  const auto velocity = m.geodesic_velocity(x, y, t);
  CHECK(max_abs(velocity.select(1, 0) - l) < 1e-10);
  // Central differences of γ at t = 0.3 (error O(h²) ≈ 1e-10 × |γ'''|).
  const double h = 1e-5;
  const auto ahead = m.geodesic(x, y, torch::tensor({0.3 + h}, f64)).squeeze(1);
  const auto behind = m.geodesic(x, y, torch::tensor({0.3 - h}, f64)).squeeze(1);
  CHECK(max_abs((ahead - behind) / (2 * h) - velocity.select(1, 1)) < 1e-6);
  // Negative control: the Euclidean log y − x is not the inverse of exp.
  CHECK(max_abs(m.exp(x, y - x) - y) > 0.1);
}

TEST_CASE("the metric is Dφᵀ A⁻² Dφ with autograd's Jacobian; inner is uᵀ G v") {
  const auto phi = curved_map_3d();
  const auto a = variances_3d();
  const PullbackManifold m(phi, a);
  const auto x = points(5, 21), u = points(5, 22), v = points(5, 23);
  for (std::int64_t b = 0; b < 5; ++b) {
    auto point = x[b].unsqueeze(0).clone().requires_grad_(true);
    const auto z = phi.forward(point).squeeze(0);
    std::vector<torch::Tensor> rows;
    for (std::int64_t i = 0; i < 3; ++i)
      rows.push_back(torch::autograd::grad({z[i]}, {point}, {}, /*retain_graph=*/true)[0].squeeze(0));
    const auto jacobian = torch::stack(rows);
    const auto expected = torch::matmul(jacobian.t(), jacobian / a.pow(2).unsqueeze(1));
    CHECK(max_abs(m.metric(x[b].unsqueeze(0)).squeeze(0).detach() - expected) < 1e-12 * (1 + max_abs(expected)));
  }
  torch::NoGradGuard no_grad;
  const auto g = m.metric(x);
  const auto quadratic = torch::matmul(u.unsqueeze(1), torch::matmul(g, v.unsqueeze(2))).view({5});
  CHECK(max_abs(m.inner(x, u, v) - quadratic) < 1e-11);
}

TEST_CASE("the barycentre minimises the sum of squared distances") {
  const auto phi = curved_map_3d();
  const PullbackManifold m(phi, variances_3d());
  const auto cloud = points(20, 31);
  const auto closed = m.barycentre(cloud).detach();
  torch::manual_seed(32);
  auto p = (closed + 0.5 * torch::randn({3}, f64)).requires_grad_(true);
  torch::optim::LBFGS optimiser({p}, torch::optim::LBFGSOptions(1.0).max_iter(500).tolerance_grad(1e-14)
                                         .tolerance_change(1e-18).line_search_fn("strong_wolfe"));
  auto objective = [&] {
    optimiser.zero_grad();
    auto e = m.distance(p.unsqueeze(0).expand({20, 3}), cloud).pow(2).sum();
    e.backward();
    return e;
  };
  for (int round = 0; round < 3; ++round) optimiser.step(objective);
  const double error = (p.detach() - closed).norm().item<double>();
  const double euclidean_gap = (cloud.mean(0) - closed).norm().item<double>();
  MESSAGE("barycentre: L-BFGS error " << error << ", Euclidean mean off by " << euclidean_gap);
  CHECK(error < 1e-7);
  CHECK(euclidean_gap > 1e4 * 1e-7);  // negative control: the plain mean is not the barycentre
}

TEST_CASE("parallel transport preserves the metric's inner product and carries γ'(0) to γ'(1)") {
  const auto phi = curved_map_3d();
  const PullbackManifold m(phi, variances_3d());
  torch::NoGradGuard no_grad;
  const auto x = points(32, 41), y = points(32, 42), u = points(32, 43), v = points(32, 44);
  const auto before = m.inner(x, u, v);
  const auto after = m.inner(y, m.parallel_transport(x, u, y), m.parallel_transport(x, v, y));
  CHECK(max_abs(after - before) < 1e-10 * (1 + max_abs(before)));
  const auto velocity = m.geodesic_velocity(x, y, torch::tensor({0.0, 1.0}, f64));
  CHECK(max_abs(m.parallel_transport(x, velocity.select(1, 0), y) - velocity.select(1, 1)) < 1e-10);
  // Negative control: leaving the vectors unchanged does not preserve ⟨u, v⟩.
  CHECK(max_abs(m.inner(y, u, v) - before) > 0.1);
}

TEST_CASE("bad input: variances and shapes are named") {
  const auto phi = curved_map_3d();
  using structura::testing::input_error;
  auto named = [](const std::string& message, const std::string& name) {
    INFO(message);
    CHECK(message.find(name) != std::string::npos);
  };
  named(input_error([&] { PullbackManifold(phi, torch::tensor({1.0, 0.0, 2.0}, f64)); }),
        "pullback_manifold.variances");
  named(input_error([&] { PullbackManifold(phi, torch::tensor({1.0, -1.0, 2.0}, f64)); }),
        "pullback_manifold.variances");
  named(input_error([&] { PullbackManifold(phi, torch::tensor({1.0, std::nan(""), 2.0}, f64)); }),
        "pullback_manifold.variances");
  named(input_error([&] { PullbackManifold(phi, torch::ones({2}, f64)); }), "pullback_manifold.variances");
  // The caller's key prefixes the message.
  named(input_error([&] { PullbackManifold(phi, torch::ones({4}, f64), "psi"); }), "psi.variances");
  const PullbackManifold m(phi, variances_3d());
  const auto x = points(4, 51);
  named(input_error([&] { m.geodesic(x, torch::zeros({4, 2}, f64), torch::zeros({3}, f64)); }),
        "pullback_manifold.geodesic: y");
  named(input_error([&] { m.geodesic(x, x, torch::zeros({3, 1}, f64)); }), "pullback_manifold.geodesic: t");
  named(input_error([&] { m.exp(torch::zeros({4, 2}, f64), torch::zeros({4, 2}, f64)); }),
        "pullback_manifold.exp: x");
  named(input_error([&] { m.log(x, torch::zeros({3, 3}, f64)); }), "pullback_manifold.log: y");
  named(input_error([&] { m.distance(x, x[0]); }), "pullback_manifold.distance: y");
  named(input_error([&] { m.metric(torch::zeros({3}, f64)); }), "pullback_manifold.metric: x");
  named(input_error([&] { m.inner(x, x, torch::zeros({4, 4}, f64)); }), "pullback_manifold.inner: v");
  named(input_error([&] { m.barycentre(torch::zeros({0, 3}, f64)); }), "pullback_manifold.barycentre: points");
  named(input_error([&] { m.parallel_transport(x, x, torch::zeros({4, 2}, f64)); }),
        "pullback_manifold.parallel_transport: y");
}
