// The affine coupling flow, ψ and the flow loss against autograd and closed
// forms (issue 12 §4):
// - the inverse is the inverse to rounding, both ways;
// - log|det Dφ| equals log|det| of the Jacobian autograd computes from φ
//   alone, and the analytic forward-mode tangents Dφ v and Dφ⁻¹ w equal
//   that Jacobian (and its inverse) times the directions;
// - the parameter gradient of the isometry term built on those tangents
//   equals the gradient of the same term built on autograd's Jacobian
//   (double backward), so training through the tangents is right;
// - the pairs estimator is unbiased for ‖DφᵀDφ − I‖²_F (sample mean within
//   4 standard errors of the exact term), and length matches its formula;
// - on a linear map the loss terms have closed forms: NLL = −log of the
//   Gaussian N(M⁻¹(−b), M⁻¹AM⁻ᵀ), iso = 0 for an orthogonal map;
// - the directions are a pure function of (seed, step, row);
// - bad options are named.
#include <cmath>
#include <string>
#include <vector>

#include "analytic_maps.hpp"
#include "core/error.hpp"
#include "geometry/affine_coupling_flow.hpp"
#include "geometry/diagonal_quadratic.hpp"
#include "geometry/flow_loss.hpp"
#include "input_error.hpp"
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::geometry;
using namespace structura::geometry::testing;

namespace {

// A float64 flow far from the identity: the near-zero block outputs and the
// small default weights are perturbed so every layer bends its input.
std::shared_ptr<AffineCouplingFlow> curved_flow(std::int64_t d, std::int64_t layers, std::uint64_t seed) {
  torch::manual_seed(seed);
  auto flow = std::make_shared<AffineCouplingFlow>(d, CouplingFlowOptions{layers, 16, 2});
  flow->to(torch::kFloat64);
  torch::NoGradGuard no_grad;
  for (auto& p : flow->parameters()) p.add_(0.1 * torch::randn_like(p));
  return flow;
}

// Dφ(x) [B, D, D] by reverse-mode autograd on φ alone, one output at a time
// (rows of a batch are independent, so the gradient of the column sum is
// the per-row gradient).
torch::Tensor autograd_jacobian(const Diffeomorphism& phi, const torch::Tensor& x, bool create_graph) {
  auto point = x.detach().requires_grad_(true);
  const auto z = phi.forward(point);
  std::vector<torch::Tensor> rows;
  for (std::int64_t i = 0; i < z.size(1); ++i)
    rows.push_back(torch::autograd::grad({z.select(1, i).sum()}, {point}, {}, true, create_graph)[0]);
  return torch::stack(rows, 1);
}

torch::Tensor points(std::int64_t b, std::int64_t d, std::uint64_t seed) {
  torch::manual_seed(seed);
  return 1.5 * torch::randn({b, d}, f64);
}

}  // namespace

TEST_CASE("the inverse is the inverse to rounding, both ways") {
  for (std::int64_t d : {2, 5}) {
    const auto flow = curved_flow(d, 4, 11 + d);
    const auto x = points(64, d, 3);
    const auto z = flow->forward(x);
    CHECK(max_abs(z - x) > 0.1);  // the flow is far from the identity
    // Four layers of divisions by scales ≥ 1e−3: rounding grows a little.
    CHECK(max_abs(flow->inverse(z) - x) < 1e-11);
    CHECK(max_abs(flow->forward(flow->inverse(x)) - x) < 1e-11);
    // The inverse's log-determinant is minus the forward one at φ(x).
    CHECK(max_abs(flow->evaluate_inverse(z, {}).log_det + flow->log_abs_det_jacobian(x)) < 1e-12);
  }
}

TEST_CASE("log|det Dφ| and the tangents equal autograd's Jacobian") {
  const std::int64_t d = 5;
  const auto flow = curved_flow(d, 3, 21);
  const auto x = points(16, d, 4);
  const auto jac = autograd_jacobian(*flow, x, false);
  const auto logdet = std::get<1>(torch::linalg::slogdet(jac));
  CHECK(max_abs(flow->log_abs_det_jacobian(x) - logdet) < 1e-12);
  CHECK(max_abs(flow->jacobian(x) - jac) < 1e-12);

  torch::manual_seed(8);
  const auto v = torch::randn({16, 3, d}, f64);
  const auto expected = torch::matmul(v, jac.transpose(1, 2));  // J v_k for each k
  CHECK(max_abs(flow->evaluate(x, v).jv - expected) < 1e-12);
  // Dφ⁻¹ at z = φ(x) is the inverse of Dφ(x).
  const auto w = torch::randn({16, 3, d}, f64);
  const auto inverse_expected = torch::matmul(w, torch::linalg::inv(jac).transpose(1, 2));
  CHECK(max_abs(flow->evaluate_inverse(flow->forward(x), w).jv - inverse_expected) < 1e-10);
}

TEST_CASE("the isometry term's parameter gradient equals the gradient through autograd's Jacobian") {
  const std::int64_t d = 4;
  const auto flow = curved_flow(d, 2, 31);
  const auto x = points(8, d, 5);
  auto gradients = [&](bool through_autograd) {
    flow->zero_grad();
    torch::Tensor iso;
    if (through_autograd) {
      const auto j = autograd_jacobian(*flow, x, true);
      iso = (torch::matmul(j.transpose(1, 2), j) - torch::eye(d, f64)).square().sum();
    } else {
      iso = isometry_per_point(*flow, x, {}, IsometryTerm::full).sum();
    }
    iso.backward();
    std::vector<torch::Tensor> g;
    for (const auto& p : flow->parameters()) g.push_back(p.grad().clone().flatten());
    return torch::cat(g);
  };
  const auto analytic = gradients(false), reference = gradients(true);
  CHECK(reference.abs().max().item<double>() > 1e-3);  // a gradient that matters
  CHECK(max_abs(analytic - reference) < 1e-10 * (1 + reference.abs().max().item<double>()));
}

TEST_CASE("the pairs estimator is unbiased for the full isometry term; length is its formula") {
  const std::int64_t d = 6;
  const auto flow = curved_flow(d, 2, 41);
  const auto x = points(1, d, 6).expand({4000, d}).contiguous();  // one point, many draws
  const auto exact = isometry_per_point(*flow, x.narrow(0, 0, 1), {}, IsometryTerm::full).item<double>();

  FlowLossOptions pairs{IsometryTerm::pairs, 1.0, 0.0, 1};
  std::vector<std::int64_t> rows(4000);
  for (std::int64_t i = 0; i < 4000; ++i) rows[i] = i;
  const auto directions = isometry_directions(pairs, d, rows, 99, 0);
  CHECK(max_abs(directions.abs() - 1) == 0);  // Rademacher entries
  const auto estimates = isometry_per_point(*flow, x, directions, IsometryTerm::pairs).detach();
  const double mean = estimates.mean().item<double>();
  const double standard_error = estimates.std().item<double>() / std::sqrt(4000.0);
  CHECK(exact > 1.0);
  // Unbiased: the sample mean is within 4 standard errors (a false alarm
  // once in ~16000 seeds; the seed is fixed).
  CHECK(std::abs(mean - exact) < 4 * standard_error);

  FlowLossOptions length{IsometryTerm::length, 1.0, 0.0, 4};
  const auto unit = isometry_directions(length, d, {0, 1, 2}, 7, 3);
  CHECK(max_abs(unit.norm(2, -1) - 1) < 1e-14);
  const auto xs = x.narrow(0, 0, 3);
  const auto jac = autograd_jacobian(*flow, xs, false);
  const auto lengths = torch::matmul(unit, jac.transpose(1, 2)).norm(2, -1);
  CHECK(max_abs(isometry_per_point(*flow, xs, unit, IsometryTerm::length) - (lengths - 1).square().mean(1)) < 1e-12);
}

TEST_CASE("on a linear map the loss terms have closed forms") {
  const std::int64_t d = 3;
  const auto q = orthogonal(d, 3);
  const auto m = q * torch::tensor({2.0, 0.5, 1.5}, f64);  // columns scaled: |det| = 1.5
  const LinearMap phi(m, torch::tensor({0.1, -0.3, 0.2}, f64));
  DiagonalQuadratic psi(d, true);
  psi.to(torch::kFloat64);
  {
    torch::NoGradGuard no_grad;
    psi.named_parameters()["log_variances"].copy_(torch::tensor({0.3, -0.7, 1.1}, f64));
  }
  const auto x = points(10, d, 9);
  FlowLossOptions options{IsometryTerm::full, 2.0, 0.5, 4};
  const auto terms = flow_loss(phi, psi, x, {}, options);

  // x = M⁻¹(z − b) with z ~ N(0, A): x ~ N(−M⁻¹b, M⁻¹ A M⁻ᵀ).
  const auto minv = torch::linalg::inv(m);
  const auto mean = -torch::matmul(minv, torch::tensor({0.1, -0.3, 0.2}, f64));
  const auto cov = torch::matmul(minv * psi.variances().detach(), minv.t());
  const auto r = x - mean;
  const auto quad = (torch::matmul(r, torch::linalg::inv(cov)) * r).sum(1);
  const double log_det_cov = std::get<1>(torch::linalg::slogdet(cov)).item<double>();
  const auto nll = 0.5 * (quad + log_det_cov + d * std::log(2 * M_PI));
  CHECK(std::abs(terms.nll.item<double>() - nll.sum().item<double>()) < 1e-11);
  CHECK(std::abs(terms.volume.item<double>() - 10 * std::log(1.5)) < 1e-12);
  // MᵀM = diag(4, 0.25, 2.25): ‖MᵀM − I‖² = 9 + 0.5625 + 1.5625 per point.
  CHECK(std::abs(terms.isometry.item<double>() - 10 * 11.125) < 1e-11);
  CHECK(std::abs(terms.total.item<double>() -
                 (terms.nll + 2.0 * terms.isometry + 0.5 * terms.volume).item<double>()) < 1e-12);
  // An orthogonal map is an isometry.
  const LinearMap rotation(q, torch::zeros({d}, f64));
  CHECK(isometry_per_point(rotation, x, {}, IsometryTerm::full).abs().max().item<double>() < 1e-24);
  // A fixed ψ is the standard normal and has nothing to train.
  DiagonalQuadratic standard(d, false);
  CHECK(standard.parameters().empty());
  CHECK(max_abs(standard.variances() - 1) == 0);
}

TEST_CASE("the isometry directions are a pure function of (seed, step, row)") {
  FlowLossOptions pairs{IsometryTerm::pairs, 1.0, 0.0, 3};
  const auto whole = isometry_directions(pairs, 5, {4, 9, 17}, 12, 40);
  CHECK(whole.sizes() == std::vector<std::int64_t>{3, 6, 5});
  const auto one = isometry_directions(pairs, 5, {9}, 12, 40);
  CHECK(max_abs(one[0] - whole[1]) == 0);  // a rank holding row 9 alone draws the same
  CHECK(max_abs(isometry_directions(pairs, 5, {9}, 12, 41)[0] - whole[1]) > 0);  // another step
  CHECK(max_abs(isometry_directions(pairs, 5, {9}, 13, 40)[0] - whole[1]) > 0);  // another seed
  CHECK_FALSE(isometry_directions(FlowLossOptions{IsometryTerm::full, 1, 0, 4}, 5, {1}, 1, 1).defined());
}

TEST_CASE("bad options are named") {
  using structura::testing::input_error;
  auto named = [](const std::string& message, const std::string& name) {
    INFO(message);
    CHECK(message.find(name) != std::string::npos);
  };
  named(input_error([] { AffineCouplingFlow(3, CouplingFlowOptions{0, 64, 2}); }), "flow.layers");
  named(input_error([] { AffineCouplingFlow(3, CouplingFlowOptions{2, 0, 2}, "pullback.flow"); }),
        "pullback.flow.hidden");
  named(input_error([] { AffineCouplingFlow(3, CouplingFlowOptions{2, 8, -1}); }), "flow.blocks");
  named(input_error([] { AffineCouplingFlow(1, CouplingFlowOptions{}); }), "flow.dimension");
  named(input_error([] { parse_isometry_term("orthogonal", "loss.isometry"); }), "loss.isometry");
  named(input_error([] { FlowLossOptions{IsometryTerm::full, -1, 0, 4}.validate("loss"); }), "loss.isometry_weight");
  named(input_error([] { FlowLossOptions{IsometryTerm::none, 0, NAN, 4}.validate("loss"); }), "loss.volume_weight");
  named(input_error([] { FlowLossOptions{IsometryTerm::pairs, 1, 0, 0}.validate("loss"); }), "loss.directions");
}
