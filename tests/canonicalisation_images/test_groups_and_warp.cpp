// The affine and homography groups and the warp (solvers/canonicalisation/
// images). Truths:
//   exp: torch::linalg_matrix_exp (another implementation), exp(v) exp(-v)
//   = I, det exp(A) = e^tr A (1 on sl(3)), the derivative at 0 = the scaled
//   generator;
//   warp: the identity returns the image; on a smooth analytic image the
//   warp equals the function at the mapped points (bilinear: O(h^2)), and
//   warp(warp(u, A), B) = warp(u, A B) in the interior (the other order
//   measurably not); act is a left action;
//   random transforms: keyed by (seed, index), inside their ranges, det 1
//   for homographies; bad options name the field.
#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "canonicalisation/images/matrix_groups.hpp"
#include "canonicalisation/images/random_transforms.hpp"
#include "canonicalisation/images/warp.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "input_error.hpp"
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::canonicalisation;
using namespace structura::canonicalisation::images;

namespace {

using structura::testing::input_error;

std::vector<double> normal(std::uint64_t seed, std::uint64_t item, int n, double scale) {
  const CounterRng rng(seed, 7);
  std::vector<double> v(n);
  for (int j = 0; j < n; ++j) {
    const Uniform4 u = rng.uniform4(item, j);
    double z1, z2;
    box_muller(u.u[0], u.u[1], z1, z2);
    v[j] = scale * z1;
  }
  return v;
}

double max_abs(const Element& a, const Element& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

torch::Tensor as_tensor(const Element& g) { return torch::tensor(g, torch::kFloat64).reshape({3, 3}); }

// A smooth image: f(x, y) = exp(-((x - 0.1)^2 + (y + 0.15)^2) / 0.18) * (1 + 0.3 sin(2x + y)),
// at points p (..., 2).
torch::Tensor smooth(const torch::Tensor& p) {
  const auto x = p.select(-1, 0), y = p.select(-1, 1);
  return torch::exp(-((x - 0.1).square() + (y + 0.15).square()) / 0.18) * (1 + 0.3 * torch::sin(2 * x + y));
}

torch::Tensor smooth_image(std::int64_t n) {
  const auto c = (2 * torch::arange(n, torch::kFloat64) + 1) / double(n) - 1;
  const auto g = torch::meshgrid({c, c}, "ij");
  return smooth(torch::stack({g[1], g[0]}, -1)).unsqueeze(0);  // (1, n, n)
}

}  // namespace

TEST_CASE("exp is the matrix exponential; exp(v) exp(-v) = I") {
  for (const MatrixGroup& group : {affine_group(), homography_group()}) {
    const int k = group.dimension();
    CHECK(k == (group.name() == "affine" ? 6 : 8));
    double worst_torch = 0, worst_inverse = 0, worst_det = 0;
    for (int r = 0; r < 50; ++r) {
      const auto v = normal(1, r, k, r < 25 ? 1.0 : 6.0);  // large ones need squarings
      std::vector<double> minus(v);
      for (double& x : minus) x = -x;
      const Element g = group.exp(v);
      const Matrix3 a = group.algebra(v);
      const auto ref = torch::linalg_matrix_exp(
          torch::tensor(std::vector<double>(a.begin(), a.end()), torch::kFloat64).reshape({3, 3}));
      const double scale = ref.abs().max().item<double>();
      worst_torch = std::max(worst_torch, (as_tensor(g) - ref).abs().max().item<double>() / scale);
      worst_inverse = std::max(worst_inverse, max_abs(group.compose(g, group.exp(minus)), group.identity()));
      const double trace = a[0] + a[4] + a[8];
      worst_det = std::max(worst_det, std::abs(torch::det(as_tensor(g)).item<double>() / std::exp(trace) - 1));
      if (group.name() == "homography") CHECK(std::abs(trace) < 1e-15);
      CHECK(max_abs(group.inverse(g), group.exp(minus)) < 1e-9 * scale * scale);
    }
    MESSAGE(fmt::format("{}: exp vs torch {:.1e}, exp(v)exp(-v) - I {:.1e}, det/e^tr - 1 {:.1e}", group.name(),
                        worst_torch, worst_inverse, worst_det));
    CHECK(worst_torch < 1e-13);
    CHECK(worst_inverse < 1e-9);
    CHECK(worst_det < 1e-12);
    // d/dt exp(t e_i) at 0 = scale_i B_i (central differences).
    for (int i = 0; i < k; ++i) {
      std::vector<double> e(k, 0.0);
      const double t = 1e-5;
      e[i] = t;
      const Element plus = group.exp(e);
      e[i] = -t;
      const Element minus = group.exp(e);
      double worst = 0;
      for (int j = 0; j < 9; ++j)
        worst = std::max(worst, std::abs((plus[j] - minus[j]) / (2 * t) - group.scaled_basis()[i][j]));
      CHECK(worst < 1e-9);
    }
  }
  CHECK(affine_group().scaled_basis()[2][2] == 0.421);  // TIED's translation scale on E02
  CHECK(affine_group().scaled_basis()[0][0] == 0.084);
}

TEST_CASE("bad group and transform options name the field") {
  CHECK(input_error([] { affine_group(0.0); }).find("affine.linear_scale") != std::string::npos);
  CHECK(input_error([] { affine_group(0.1, -1); }).find("affine.translation_scale") != std::string::npos);
  CHECK(input_error([] { homography_group({0.1, 0.1}); }).find("homography.scales") != std::string::npos);
  auto scales = tied_homography_scales();
  scales[3] = std::nan("");
  CHECK(input_error([&] { homography_group(scales); }).find("homography.scales[3]") != std::string::npos);
  AffineTransformOptions a;
  a.scale_min = 1.5;
  CHECK(input_error([&] { random_affine(0, 0, a); }).find("affine_transform.scale_max") != std::string::npos);
  a = {};
  a.rotation_degrees = -1;
  CHECK(input_error([&] { random_affine(0, 0, a); }).find("affine_transform.rotation_degrees") != std::string::npos);
  HomographyTransformOptions h;
  h.perspective = 0.9;
  CHECK(input_error([&] { random_homography(0, 0, h); }).find("homography_transform.perspective") != std::string::npos);
  h = {};
  h.affine.translation = std::numeric_limits<double>::infinity();
  CHECK(input_error([&] { random_homography(0, 0, h); }).find("homography_transform.affine.translation") !=
        std::string::npos);
  CHECK(input_error([] {
          warp(torch::zeros({2, 8, 8}), torch::eye(3).expand({3, 3, 3}));
        }).find("matrices") != std::string::npos);
}

TEST_CASE("warp by the identity returns the image") {
  const auto u = torch::rand({3, 11, 7}, torch::kFloat64);
  const auto id = torch::eye(3, torch::kFloat64).expand({3, 3, 3});
  CHECK((warp(u, id) - u).abs().max().item<double>() < 1e-14);
  const auto u4 = torch::rand({2, 3, 8, 8});
  CHECK((warp(u4, torch::eye(3).expand({2, 3, 3})) - u4).abs().max().item<float>() < 1e-6f);
}

TEST_CASE("warp samples the image at the mapped points; warp(warp(u, A), B) = warp(u, A B)") {
  const MatrixGroup group = homography_group();
  double worst_at[2] = {0, 0};  // analytic error at n = 64 and 128
  double composed = 0, wrong_order = 0;
  for (int r = 0; r < 6; ++r) {
    const Element a = group.exp(normal(2, r, 8, 0.4)), b = group.exp(normal(3, r, 8, 0.4));
    const auto A = as_tensor(a).unsqueeze(0), B = as_tensor(b).unsqueeze(0);
    for (int level = 0; level < 2; ++level) {
      const std::int64_t n = 64 << level;
      const auto u = smooth_image(n);
      const auto grid = sampling_grid(A, n, n);
      const auto inside = (grid.abs() < 1 - 2.0 / n).all(-1);
      const auto error = (warp(u, A) - smooth(grid)).abs();
      worst_at[level] = std::max(worst_at[level], error.masked_select(inside).max().item<double>());
      if (level == 1) {
        // The interior: where B x and A B x both sample inside the image.
        const auto gb = sampling_grid(B, n, n), gab = sampling_grid(torch::matmul(A, B), n, n);
        const auto interior = (gb.abs() < 1 - 2.0 / n).all(-1) & (gab.abs() < 1 - 2.0 / n).all(-1);
        const auto twice = warp(warp(u, A), B), once = warp(u, torch::matmul(A, B));
        composed = std::max(composed, (twice - once).abs().masked_select(interior).max().item<double>());
        wrong_order = std::max(
            wrong_order, (twice - warp(u, torch::matmul(B, A))).abs().masked_select(interior).max().item<double>());
      }
    }
  }
  const double order = std::log2(worst_at[0] / worst_at[1]);
  MESSAGE(
      fmt::format("warp vs analytic: {:.2e} (64^2), {:.2e} (128^2), order {:.2f}; composed {:.2e}, other order {:.2e}",
                  worst_at[0], worst_at[1], order, composed, wrong_order));
  CHECK(worst_at[1] < 2e-3);
  CHECK(order > 1.7);  // bilinear interpolation: second order
  CHECK(composed < 2e-3);
  CHECK(wrong_order > 50 * composed);
}

TEST_CASE("act is a left action and moves the content") {
  const MatrixGroup group = affine_group();
  const Element g = group.exp(normal(4, 0, 6, 1.0)), h = group.exp(normal(4, 1, 6, 1.0));
  const auto u = smooth_image(128);
  const auto in_turn = act(act(u, {h}), {g});
  const auto at_once = act(u, {group.compose(g, h)});
  const auto grid = sampling_grid(as_tensor(group.inverse(h)).unsqueeze(0), 128, 128);
  const auto grid2 = sampling_grid(as_tensor(group.inverse(group.compose(g, h))).unsqueeze(0), 128, 128);
  const auto interior = (grid.abs() < 0.97).all(-1) & (grid2.abs() < 0.97).all(-1);
  CHECK((in_turn - at_once).abs().masked_select(interior).max().item<double>() < 2e-3);
  // A translation by +0.5 in x moves the peak (at x = 0.1 in u) to x = 0.6.
  const Element shift = {1, 0, 0.5, 0, 1, 0, 0, 0, 1};
  const auto moved = act(u, {shift});
  const auto flat_index = moved.reshape(-1).argmax().item<std::int64_t>();
  const double x_peak = (2.0 * double(flat_index % 128) + 1) / 128 - 1;
  const auto flat0 = u.reshape(-1).argmax().item<std::int64_t>();
  const double x0 = (2.0 * double(flat0 % 128) + 1) / 128 - 1;
  CHECK(std::abs(x_peak - x0 - 0.5) < 2.0 / 128);
}

TEST_CASE("random transforms are keyed, inside their ranges, and homographies have det 1") {
  const AffineTransformOptions options;
  double largest_rotation = 0;
  for (std::uint64_t i = 0; i < 200; ++i) {
    const Element t = random_affine(9, i, options);
    CHECK(t == random_affine(9, i, options));
    CHECK(t != random_affine(10, i, options));
    CHECK(t[6] == 0);
    CHECK(t[7] == 0);
    CHECK(t[8] == 1);
    CHECK(std::abs(t[2]) <= options.translation);
    CHECK(std::abs(t[5]) <= options.translation);
    // T = R S K: |det| = sx sy, and the first column is R (sx, 0).
    const double det = t[0] * t[4] - t[1] * t[3];
    CHECK(det >= 0.8 * 0.8 - 1e-12);
    CHECK(det <= 1.2 * 1.2 + 1e-12);
    const double angle = std::atan2(t[3], t[0]) * 180 / std::numbers::pi;
    CHECK(std::abs(angle) <= 20 + 1e-9);
    largest_rotation = std::max(largest_rotation, std::abs(angle));
    const Element hmg = random_homography(9, i);
    CHECK(std::abs(torch::det(as_tensor(hmg)).item<double>() - 1) < 1e-12);
    CHECK(hmg == random_homography(9, i));
  }
  CHECK(largest_rotation > 18);  // the range is used
}
