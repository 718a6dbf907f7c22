// The Joseph projector pair against independent truths: the dot-product test
// for the adjoint, analytic line integrals of a disk and a Gaussian, the
// single-rank result for the distributed operator, a dense SVD-free
// eigenvalue computation for ‖A‖, and the input checks.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "beams.hpp"
#include "core/error.hpp"
#include "core/mpi.hpp"
#include "core/rng.hpp"
#include "input_error.hpp"
#include "symmetric_eigenvalues.hpp"
#include "tomography/geometry.hpp"
#include "tomography/projector.hpp"

using namespace structura;
using namespace structura::tomography;
using namespace structura::tomography::testing;

namespace {

constexpr double pi = 3.141592653589793238462643383279502884;

template <class T>
using HostImage = Kokkos::View<T**, Kokkos::LayoutRight, Kokkos::HostSpace>;

template <class V>
auto to_host(const V& v) {
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, v);
}

// Fills v(i, j) with uniforms in (0, 1) keyed by the global row first_row + i,
// so that every rank count sees the same global data. Positive entries keep
// the inner products free of cancellation.
template <class T>
void fill_random(const Kokkos::View<T**, Kokkos::LayoutRight, MemSpace>& v, std::uint64_t seed,
                 std::int64_t first_row = 0) {
  auto h = Kokkos::create_mirror_view(v);
  const CounterRng rng(seed, 0);
  for (std::size_t i = 0; i < h.extent(0); ++i)
    for (std::size_t j = 0; j < h.extent(1); ++j)
      h(i, j) = static_cast<T>(rng.uniform4((first_row + i) * h.extent(1) + j, 0).u[0]);
  Kokkos::deep_copy(v, h);
}

template <class A, class B>
double dot(const A& a, const B& b) {
  auto ha = to_host(a);
  auto hb = to_host(b);
  double s = 0;
  for (std::size_t i = 0; i < ha.extent(0); ++i)
    for (std::size_t j = 0; j < ha.extent(1); ++j) s += double(ha(i, j)) * double(hb(i, j));
  return s;
}

// max |a - b| / max |b| over all entries.
template <class A, class B>
double max_relative_difference(const A& a, const B& b) {
  auto ha = to_host(a);
  auto hb = to_host(b);
  double scale = 0, diff = 0;
  for (std::size_t i = 0; i < hb.extent(0); ++i)
    for (std::size_t j = 0; j < hb.extent(1); ++j) {
      scale = std::max(scale, std::fabs(double(hb(i, j))));
      diff = std::max(diff, std::fabs(double(ha(i, j)) - double(hb(i, j))));
    }
  REQUIRE(scale > 0);
  return diff / scale;
}

ImageGeometry image_geometry(int nx, int ny, double width, double height) {
  ImageGeometry g;
  g.nx = nx;
  g.ny = ny;
  g.width = width;
  g.height = height;
  return g;
}

double detector_s(const BeamGeometry& b, int u) {
  return (u - 0.5 * (b.detectors - 1)) * b.detector_spacing + b.detector_offset;
}

// Distance from point (cx, cy) to ray (angle index a, detector u), written
// from geometry.hpp independently of the projector's Joseph set-up.
double ray_distance(const BeamGeometry& b, int a, int u, double cx, double cy) {
  const double c = std::cos(b.angles[a]), s = std::sin(b.angles[a]), su = detector_s(b, u);
  if (b.kind == BeamKind::Parallel) return std::fabs(cx * c + cy * s - su);
  const double sx = b.source_origin * c, sy = b.source_origin * s;
  const double dx = -b.origin_detector * c - su * s, dy = -b.origin_detector * s + su * c;
  const double ex = dx - sx, ey = dy - sy;
  return std::fabs(ex * (cy - sy) - ey * (cx - sx)) / std::hypot(ex, ey);
}

// Pixel centres per geometry.hpp.
double pixel_x(const ImageGeometry& g, double c) { return -0.5 * g.width + (c + 0.5) * g.dx(); }
double pixel_y(const ImageGeometry& g, double r) { return 0.5 * g.height - (r + 0.5) * g.dy(); }

template <class T>
double dot_product_mismatch(const ImageGeometry& im, const BeamGeometry& beam) {
  const DistributedProjector<T> A(im, beam);
  auto x = A.make_image();
  auto y = A.make_sinogram_slice();
  fill_random(x, 11);
  fill_random(y, 12, A.angles().begin);
  auto ax = A.make_sinogram_slice();
  auto aty = A.make_image();
  A.forward(x, ax);
  A.adjoint(y, aty);
  const double lhs = A.comm().sum(dot(ax, y));
  const double rhs = dot(x, aty);
  REQUIRE(lhs > 0);
  return std::fabs(lhs - rhs) / std::fabs(lhs);
}

}  // namespace

TEST_CASE_TEMPLATE("dot-product test: <A x, y> = <x, Aᵀ y>", T, float, double) {
  const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-12;
  SUBCASE("parallel beam, non-square image, rectangular pixels, offset detector") {
    const double err = dot_product_mismatch<T>(image_geometry(53, 37, 2.0, 1.0), parallel_beam(41, 61, 0.04, 0.013));
    MESSAGE("parallel relative mismatch " << err);
    CHECK(err < tol);
  }
  SUBCASE("parallel beam, irregular angles, detector wider than the image") {
    auto beam = parallel_beam(5, 90, 0.05);
    beam.angles = {0.0, 0.3, pi / 4, 2.2, -1.0, 7.5, pi / 2};
    const double err = dot_product_mismatch<T>(image_geometry(40, 64, 1.0, 1.6), beam);
    CHECK(err < tol);
  }
  SUBCASE("fan beam, non-square image") {
    const double err =
        dot_product_mismatch<T>(image_geometry(48, 29, 1.6, 1.2), fan_beam(47, 75, 0.047, 2.5, 1.5, 0.1));
    MESSAGE("fan relative mismatch " << err);
    CHECK(err < tol);
  }
  SUBCASE("fan beam, detector through the origin") {
    const double err = dot_product_mismatch<T>(image_geometry(31, 31, 2.0, 2.0), fan_beam(23, 40, 0.06, 1.5, 0.0, 0.1));
    CHECK(err < tol);
  }
}

// forward() and adjoint() run the vectorised CPU kernels (forward_band.hpp,
// adjoint_band.hpp) where the build targets AVX-512, else the portable
// ones; both must give the same result up to the order of the additions.
// The geometries steer the vectorised kernels through each of their paths:
// bands handled as two vectors, bands too wide for them (coarse detectors:
// gathers, scalar adds), lanes sharing a pixel (fine detectors: scalar
// adds), blocks whose rays step in different directions (fan beam near 45
// degrees: scalar walk), detector counts that are not a multiple of the
// vector width, and rays that miss the image. The adjoint's band gather
// (adjoint_band.hpp) meets gaps of at most one pixel between lanes (fine
// detectors), of two (coarse ones), wider (scalar adds), and blocks whose
// pixels fall from lane to lane, full and partial (counted by hand once:
// every case occurs here).
TEST_CASE_TEMPLATE("vectorised projector pair equals the portable kernels", T, float, double) {
  // A pixel of Aᵀ y sums about 2 x angles terms, in another order in each
  // path: a few hundred ulps of T relative to the largest entry at most.
  const double tol = std::is_same_v<T, float> ? 5e-6 : 1e-14;
  auto compare = [&](const ImageGeometry& im, const BeamGeometry& beam) {
    const Projector<T> A(im, beam);
    auto x = A.make_image();
    fill_random(x, 21);
    auto fast = A.make_sinogram();
    auto portable = A.make_sinogram();
    A.forward(x, fast);
    A.forward_portable(x, portable);
    const double forward_difference = max_relative_difference(fast, portable);
    MESSAGE("forward: max difference relative to max |A x|: " << forward_difference);
    CHECK(forward_difference < tol);
    auto y = A.make_sinogram();
    fill_random(y, 22);
    auto fast_adjoint = A.make_image();
    auto portable_adjoint = A.make_image();
    A.adjoint(y, fast_adjoint);
    A.adjoint_portable(y, portable_adjoint);
    const double adjoint_difference = max_relative_difference(fast_adjoint, portable_adjoint);
    MESSAGE("adjoint: max difference relative to max |Aᵀ y|: " << adjoint_difference);
    CHECK(adjoint_difference < tol);
  };
  SUBCASE("parallel beam, detector as fine as the pixels") {
    compare(image_geometry(64, 64, 2.0, 2.0), parallel_beam(64, 64, 2.0 / 64));
  }
  SUBCASE("parallel beam, coarse detectors, offset, width not a multiple of 16") {
    compare(image_geometry(53, 37, 2.0, 1.0), parallel_beam(41, 23, 0.11, 0.013));
  }
  SUBCASE("parallel beam, fine detectors wider than the image, irregular angles") {
    auto beam = parallel_beam(5, 150, 0.017);
    beam.angles = {0.0, 0.3, pi / 4, 2.2, -1.0, 7.5, pi / 2, 3 * pi / 4};
    compare(image_geometry(40, 64, 1.0, 1.6), beam);
  }
  SUBCASE("fan beam, strongly diverging rays") {
    compare(image_geometry(48, 29, 1.6, 1.2), fan_beam(47, 75, 0.047, 1.2, 1.5, 0.1));
  }
  SUBCASE("fan beam, detector through the origin") {
    compare(image_geometry(31, 31, 2.0, 2.0), fan_beam(23, 40, 0.06, 1.5, 0.0, 0.1));
  }
  SUBCASE("images one pixel wide or tall (no ray has interior steps)") {
    auto beam = parallel_beam(4, 5, 1.0 / 64);
    beam.angles = {0.3, 0.5, 1.0, 2.0};
    compare(image_geometry(1, 64, 1.0 / 64, 1.0), beam);
    beam.angles = {1.3, 1.4, 1.8};
    compare(image_geometry(64, 1, 1.0, 1.0 / 64), beam);
    compare(image_geometry(1, 40, 1.0 / 40, 1.0), fan_beam(9, 7, 0.03, 2.0, 1.0, 0.2));
  }
  SUBCASE("wide image: the vectorised kernels sweep it in several tiles each way") {
    auto beam = parallel_beam(12, 700, 8.0 / 700);
    compare(image_geometry(1900, 150, 8.0, 0.63), beam);
    compare(image_geometry(1900, 150, 8.0, 0.63), fan_beam(12, 700, 8.0 / 700 * 1.6, 6.0, 3.0, 0.2));
  }
}

TEST_CASE_TEMPLATE("uniform disk: parallel projections are chord lengths", T, float, double) {
  // 512² on [-1, 1]² (dx = 1/256), pixel values = area fractions (8 x 8
  // subsamples). Joseph's sum along a ray is a midpoint rule with step
  // L <= √2 dx; away from tangent rays the chord varies smoothly and the
  // interpolation across it errs only to O(dx²), but at the two edge
  // crossings the integrand ramps from 0 to 1 within about one step, where the
  // midpoint rule is only first-order accurate: each crossing errs by a
  // fraction of a step that depends on the sampling phase. So the error is
  // O(dx), not O(dx²): measured up to 0.34 dx (for rays at distance
  // <= 0.9 R, chord >= 0.87 R, away from the tangential crossings); we allow
  // dx/2. In relative terms, rays within 0.7 R (chord >= 1.4 R) must be
  // within 2e-3 (measured 1.5e-3; dx/2 / 1.4 R = 2.5e-3 for R = 0.4). Rays
  // that miss the disk by more than two pixels touch no nonzero pixel and
  // must give exactly 0.
  const ImageGeometry im = image_geometry(512, 512, 2.0, 2.0);
  const double dx = im.dx();
  struct Disk {
    double cx, cy, r;
  };
  for (const Disk disk : {Disk{0, 0, 0.5}, Disk{0.23, -0.31, 0.4}}) {
    CAPTURE(disk.cx);
    auto img = Image<T>("disk", im.ny, im.nx);
    auto h = Kokkos::create_mirror_view(img);
    constexpr int sub = 8;
    for (int r = 0; r < im.ny; ++r)
      for (int c = 0; c < im.nx; ++c) {
        int inside = 0;
        for (int i = 0; i < sub; ++i)
          for (int j = 0; j < sub; ++j) {
            const double x = pixel_x(im, c - 0.5 + (j + 0.5) / sub) - disk.cx;
            const double y = pixel_y(im, r - 0.5 + (i + 0.5) / sub) - disk.cy;
            inside += x * x + y * y < disk.r * disk.r;
          }
        h(r, c) = static_cast<T>(double(inside) / (sub * sub));
      }
    Kokkos::deep_copy(img, h);
    BeamGeometry beam = parallel_beam(1, 101, 0.02, 0.004);
    beam.angles = {0.0, 0.3, pi / 4, 1.1, pi / 2, 2.0, 2.9};
    const DistributedProjector<T> A(im, beam);
    auto sino = A.make_sinogram_slice();
    A.forward(img, sino);
    auto hs = to_host(sino);
    double max_abs = 0, max_rel = 0, max_outside = 0;
    int inside_rays = 0;
    for (int a = 0; a < A.angles().count; ++a)
      for (int u = 0; u < beam.detectors; ++u) {
        const double d = ray_distance(beam, A.angles().begin + a, u, disk.cx, disk.cy);
        if (d <= 0.9 * disk.r) {
          const double chord = 2 * std::sqrt(disk.r * disk.r - d * d);
          const double err = std::fabs(hs(a, u) - chord);
          max_abs = std::max(max_abs, err / dx);
          if (d <= 0.7 * disk.r) max_rel = std::max(max_rel, err / chord);
          ++inside_rays;
        } else if (d > disk.r + 2 * std::sqrt(2.0) * dx) {
          max_outside = std::max(max_outside, std::fabs(double(hs(a, u))));
        }
      }
    MESSAGE("disk (" << disk.cx << ", " << disk.cy << ") R " << disk.r << ": max |error| / dx " << max_abs
                     << " (d <= 0.9 R, " << inside_rays << " rays), max relative error " << max_rel << " (d <= 0.7 R)");
    CHECK(inside_rays > 0);
    CHECK(max_abs <= 0.5);
    CHECK(max_rel < 2e-3);
    CHECK(max_outside == 0);
  }
}

TEST_CASE_TEMPLATE("Gaussian blob: projections are the analytic line integrals", T, float, double) {
  // f = exp(-|p - c|² / (2σ²)) sampled at pixel centres, σ = 0.1 = 12.8 dx on
  // 256² over [-1, 1]². Along the ray the Joseph sum is a midpoint rule for a
  // Gaussian of width >= σ / step: its aliasing error ~ exp(-2π²(σ/dx)²) is
  // nil. Across, linear interpolation errs by w(1-w)/2 dx² f'' <= dx²/8 |f''|;
  // integrated along a line |∫f''| <= peak / σ², so the error is bounded by
  // (dx/σ)²/8 × peak = 7.6e-4 × peak. We allow 1e-3 × peak (measured
  // 5.1e-4). The blob lies 8σ inside the image: truncation is negligible.
  const ImageGeometry im = image_geometry(256, 256, 2.0, 2.0);
  const double sigma = 0.1, cx = 0.15, cy = -0.2;
  const double peak = std::sqrt(2 * pi) * sigma;
  auto img = Image<T>("blob", im.ny, im.nx);
  auto h = Kokkos::create_mirror_view(img);
  for (int r = 0; r < im.ny; ++r)
    for (int c = 0; c < im.nx; ++c) {
      const double x = pixel_x(im, c) - cx, y = pixel_y(im, r) - cy;
      h(r, c) = static_cast<T>(std::exp(-(x * x + y * y) / (2 * sigma * sigma)));
    }
  Kokkos::deep_copy(img, h);
  const double tol = 1e-3 * peak;
  for (const BeamGeometry& beam : {parallel_beam(13, 64, 0.03, 0.01), fan_beam(19, 96, 0.04, 3.0, 2.0, 0.1)}) {
    const DistributedProjector<T> A(im, beam);
    auto sino = A.make_sinogram_slice();
    A.forward(img, sino);
    auto hs = to_host(sino);
    double max_err = 0;
    for (int a = 0; a < A.angles().count; ++a)
      for (int u = 0; u < beam.detectors; ++u) {
        const double d = ray_distance(beam, A.angles().begin + a, u, cx, cy);
        const double exact = peak * std::exp(-d * d / (2 * sigma * sigma));
        max_err = std::max(max_err, std::fabs(hs(a, u) - exact));
      }
    MESSAGE(std::string(beam.kind == BeamKind::Fan ? "fan" : "parallel") << ": max error / peak " << max_err / peak);
    CHECK(max_err < tol);
  }
}

TEST_CASE_TEMPLATE("distributed operator equals the single-process one", T, float, double) {
  // The per-ray work is identical whichever rank does it, so the gathered
  // forward projection is bitwise equal; the backprojection sums the ranks'
  // partial images in another order, equal to rounding.
  const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-13;
  const ImageGeometry im = image_geometry(45, 38, 1.5, 1.2);
  for (const BeamGeometry& beam : {parallel_beam(33, 50, 0.04), fan_beam(29, 64, 0.05, 2.0, 1.0, 0.1)}) {
    const DistributedProjector<T> D(im, beam);
    const Projector<T> L(im, beam);
    auto x = L.make_image();
    fill_random(x, 21);
    auto full = L.make_sinogram();
    L.forward(x, full);
    auto slice = D.make_sinogram_slice();
    D.forward(x, slice);
    auto gathered = to_host(D.gather(slice));
    auto hfull = to_host(full);
    double max_diff = 0;
    for (std::size_t i = 0; i < hfull.extent(0); ++i)
      for (std::size_t j = 0; j < hfull.extent(1); ++j)
        max_diff = std::max(max_diff, std::fabs(double(gathered(i, j)) - double(hfull(i, j))));
    CHECK(max_diff == 0);

    auto y = L.make_sinogram();
    fill_random(y, 22);
    auto y_slice = D.make_sinogram_slice();
    Kokkos::deep_copy(y_slice, Kokkos::subview(y, std::make_pair(D.angles().begin, D.angles().end()), Kokkos::ALL));
    auto bl = L.make_image();
    auto bd = D.make_image();
    L.adjoint(y, bl);
    D.adjoint(y_slice, bd);
    auto hl = to_host(bl);
    auto hd = to_host(bd);
    double scale = 0, diff = 0;
    for (std::size_t i = 0; i < hl.extent(0); ++i)
      for (std::size_t j = 0; j < hl.extent(1); ++j) {
        scale = std::max(scale, std::fabs(double(hl(i, j))));
        diff = std::max(diff, std::fabs(double(hl(i, j)) - double(hd(i, j))));
      }
    CHECK(scale > 0);
    CHECK(diff <= tol * scale);
  }
}

namespace {

void expect_input_error(const std::function<void()>& f, const std::string& key) {
  CAPTURE(key);
  const std::string message = structura::testing::input_error(f);
  CAPTURE(message);
  CHECK(message.find(key) != std::string::npos);
}

}  // namespace

TEST_CASE("bad geometry and mismatched views throw InputError naming the key") {
  const ImageGeometry good_image = image_geometry(16, 12, 2.0, 1.5);
  const BeamGeometry good_beam = parallel_beam(8, 20, 0.1);
  auto with_image = [&](auto change) {
    return [=] {
      ImageGeometry g = good_image;
      change(g);
      Projector<double>(g, good_beam);
    };
  };
  auto with_beam = [&](auto change) {
    return [=] {
      BeamGeometry b = good_beam;
      change(b);
      Projector<float>(good_image, b);
    };
  };
  expect_input_error(with_image([](ImageGeometry& g) { g.nx = 0; }), "image.nx");
  expect_input_error(with_image([](ImageGeometry& g) { g.ny = -3; }), "image.ny");
  expect_input_error(with_image([](ImageGeometry& g) { g.width = 0; }), "image.width");
  expect_input_error(with_image([](ImageGeometry& g) { g.height = std::nan(""); }), "image.height");
  expect_input_error(with_beam([](BeamGeometry& b) { b.detector_spacing = -0.1; }), "beam.detector_spacing");
  expect_input_error(with_beam([](BeamGeometry& b) { b.detectors = 0; }), "beam.detectors");
  expect_input_error(with_beam([](BeamGeometry& b) { b.angles.clear(); }), "beam.angles");
  expect_input_error(with_beam([](BeamGeometry& b) { b.angles[3] = INFINITY; }), "beam.angles[3]");
  // Half-diagonal of 2 x 1.5 is 1.25.
  expect_input_error(with_beam([](BeamGeometry& b) {
                       b.kind = BeamKind::Fan;
                       b.source_origin = 1.2;
                     }),
                     "beam.source_origin");
  expect_input_error(with_beam([](BeamGeometry& b) {
                       b.kind = BeamKind::Fan;
                       b.source_origin = 3;
                       b.origin_detector = -1;
                     }),
                     "beam.origin_detector");
  expect_input_error(
      [&] {
        good_image.validate("ct.image");
        ImageGeometry g = good_image;
        g.nx = 0;
        g.validate("ct.image");
      },
      "ct.image.nx");
  expect_input_error([&] { Projector<double>(good_image, good_beam, Range{4, 5}); }, "angle range");
  expect_input_error([] { uniform_angles(0, pi); }, "count");

  const Projector<double> A(good_image, good_beam);
  auto image = A.make_image();
  auto sino = A.make_sinogram();
  Image<double> wrong_image("wrong", good_image.nx, good_image.ny);  // transposed
  Sinogram<double> wrong_sino("wrong", 8, 21);
  expect_input_error([&] { A.forward(wrong_image, sino); }, "forward: image");
  expect_input_error([&] { A.forward(image, wrong_sino); }, "forward: sinogram");
  expect_input_error([&] { A.adjoint(wrong_sino, image); }, "adjoint: sinogram");
  expect_input_error([&] { A.adjoint(sino, wrong_image); }, "adjoint: image");
  const DistributedProjector<double> D(good_image, good_beam);
  expect_input_error([&] { D.gather(wrong_sino); }, "sinogram_slice");
  expect_input_error([&] { operator_norm(D, {0, 1e-6}); }, "max_iterations");
}

TEST_CASE("operator norm by power iteration matches the dense spectrum") {
  const ImageGeometry im = image_geometry(12, 10, 1.2, 1.0);
  for (const BeamGeometry& beam : {parallel_beam(15, 17, 0.1), fan_beam(14, 19, 0.13, 1.5, 0.5, 0.1)}) {
    // Assemble A column by column from unit images, then G = AᵀA.
    const Projector<double> L(im, beam);
    const int n = static_cast<int>(im.pixels());
    const auto m = static_cast<std::size_t>(beam.size());
    std::vector<double> cols(static_cast<std::size_t>(n) * m);
    auto e = L.make_image();
    auto col = L.make_sinogram();
    auto he = Kokkos::create_mirror_view(e);
    for (int j = 0; j < n; ++j) {
      Kokkos::deep_copy(he, 0.0);
      he.data()[j] = 1;
      Kokkos::deep_copy(e, he);
      L.forward(e, col);
      auto hc = to_host(col);
      std::copy(hc.data(), hc.data() + m, cols.begin() + static_cast<std::ptrdiff_t>(j * m));
    }
    std::vector<double> gram(static_cast<std::size_t>(n) * n);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) {
        double s = 0;
        for (std::size_t k = 0; k < m; ++k) s += cols[i * m + k] * cols[j * m + k];
        gram[static_cast<std::size_t>(i) * n + j] = s;
      }
    const auto eig = structura::testing::symmetric_eigenvalues(gram, n);
    const double sigma_max = std::sqrt(eig[0]);
    MESSAGE("dense: sigma_1 " << sigma_max << ", sigma_2 / sigma_1 " << std::sqrt(eig[1] / eig[0]));

    const double norm_d = operator_norm(DistributedProjector<double>(im, beam), {2000, 1e-13});
    const double norm_f = operator_norm(DistributedProjector<float>(im, beam), {500, 1e-7});
    MESSAGE("power iteration: double " << norm_d << ", float " << norm_f);
    CHECK(std::fabs(norm_d - sigma_max) <= 1e-9 * sigma_max);
    CHECK(std::fabs(norm_f - sigma_max) <= 1e-5 * sigma_max);
  }
}
