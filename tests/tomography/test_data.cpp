// CT data tools against independent truths: scikit-image's PSNR, SSIM and
// FBP filtering (via Python), the filters' closed-form responses, analytic
// ellipse sinograms reconstructed with the documented FBP constants, the
// Shepp-Logan table's known values, and the noise models' moments.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include "beams.hpp"
#include "core/error.hpp"
#include "skimage_python.hpp"
#include "tomography/filters.hpp"
#include "tomography/metrics.hpp"
#include "tomography/noise.hpp"
#include "tomography/phantoms.hpp"

using namespace structura;
using namespace structura::tomography;
using namespace structura::tomography::testing;
namespace fs = std::filesystem;

namespace {

constexpr double kPi = std::numbers::pi;

std::vector<double> slice(const std::vector<double>& v, long first, long count) {
  return {v.begin() + first, v.begin() + first + count};
}

// --- FBP helpers -------------------------------------------------------------

// count angles uniform in [0, range) (geometry.cpp's uniform_angles, kept
// local so this test does not depend on the projector's half of the library).
std::vector<double> angles(int count, double range) {
  std::vector<double> a(count);
  for (int i = 0; i < count; ++i) a[i] = range * i / count;
  return a;
}

// Linear interpolation of row at physical detector coordinate s, zero outside.
double interpolate(const double* row, const BeamGeometry& beam, double s) {
  const double t = (s - beam.detector_offset) / beam.detector_spacing + 0.5 * (beam.detectors - 1);
  const int i = static_cast<int>(std::floor(t));
  if (i < 0 || i + 1 >= beam.detectors) return 0.0;
  const double f = t - i;
  return (1.0 - f) * row[i] + f * row[i + 1];
}

// FBP at one point (x, y) from an unfiltered analytic sinogram.
double fbp_at(std::vector<double> sino, const BeamGeometry& beam, double range, FilterKind kind, double x, double y) {
  if (beam.kind == BeamKind::Fan) fan_preweight(sino.data(), beam);
  filter_sinogram(sino.data(), beam, kind, fbp_scale(beam, range));
  double sum = 0.0;
  for (std::size_t a = 0; a < beam.angles.size(); ++a) {
    const double* row = sino.data() + a * beam.detectors;
    const double th = beam.angles[a];
    if (beam.kind == BeamKind::Parallel) {
      sum += interpolate(row, beam, x * std::cos(th) + y * std::sin(th));
    } else {
      const auto p = fan_backprojection_sample(x, y, th, beam);
      sum += p.weight * interpolate(row, beam, p.s);
    }
  }
  return sum;
}

// Closed forms of the responses at nu = k / P (cycles per sample).
double closed_form(FilterKind kind, double nu) {
  const double ramp = 2.0 * std::abs(nu);
  switch (kind) {
    case FilterKind::Ramp: return ramp;
    case FilterKind::SheppLogan: return nu == 0 ? 0.0 : ramp * std::sin(kPi * nu) / (kPi * nu);
    case FilterKind::Cosine: return ramp * std::cos(kPi * nu);
    case FilterKind::Hamming: return ramp * (0.54 + 0.46 * std::cos(2 * kPi * nu));
    case FilterKind::Hann: return ramp * (0.5 + 0.5 * std::cos(2 * kPi * nu));
  }
  return 0.0;
}

const FilterKind kAllFilters[] = {FilterKind::Ramp, FilterKind::SheppLogan, FilterKind::Cosine, FilterKind::Hamming,
                                  FilterKind::Hann};

}  // namespace

TEST_CASE("PSNR and SSIM agree with scikit-image to 1e-6") {
  tomography::testing::SkimagePython py("tomography_data");
  // Non-square images so that a rows/cols mix-up shows.
  struct Pair {
    int rows, cols;
    std::vector<double> truth, test;
  };
  std::vector<Pair> pairs;
  {
    ImageGeometry g{48, 64, 2.0, 2.0};  // nx = 48 columns, ny = 64 rows
    auto truth = shepp_logan(g, 2);
    auto test = truth;
    for (std::size_t i = 0; i < test.size(); ++i) test[i] += 0.05 * standard_normal(7, 0, i) + 0.01;
    pairs.push_back({g.ny, g.nx, truth, test});
  }
  {
    ImageGeometry g{40, 33, 1.0, 1.0};
    auto truth = random_ellipse_phantom(g, 11, 4);
    auto test = random_ellipse_phantom(g, 11, 5);  // a different image: low SSIM
    for (auto& v : test) v = 0.7 * v + 0.1;
    pairs.push_back({g.ny, g.nx, truth, test});
  }
  {
    const int rows = 11, cols = 13;  // the smallest the 11-tap window allows: reflect at both sides
    std::vector<double> truth(rows * cols), test(rows * cols);
    for (int i = 0; i < rows * cols; ++i) {
      truth[i] = 3.0 * standard_normal(1, 1, i) - 1.0;
      test[i] = truth[i] + standard_normal(1, 2, i);
    }
    pairs.push_back({rows, cols, truth, test});
  }
  for (const auto& p : pairs) {
    const double ours_psnr = psnr(p.truth, p.test), ours_ssim = ssim(p.truth, p.test, p.rows, p.cols);
    const auto a = py.write("truth.bin", p.truth), b = py.write("test.bin", p.test);
    std::string out;
    if (!py.run(
            "metrics " + std::to_string(p.rows) + " " + std::to_string(p.cols) + " " + a.string() + " " + b.string(),
            out))
      return;
    std::istringstream in(out);
    double ref_psnr = 0, ref_ssim = 0;
    in >> ref_psnr >> ref_ssim;
    REQUIRE_MESSAGE(!in.fail(), "unexpected output: " << out);
    MESSAGE(p.rows << "x" << p.cols << ": PSNR " << ours_psnr << " (|diff| " << std::abs(ours_psnr - ref_psnr)
                   << "), SSIM " << ours_ssim << " (|diff| " << std::abs(ours_ssim - ref_ssim) << ")");
    CHECK(std::abs(ours_psnr - ref_psnr) < 1e-6);
    CHECK(std::abs(ours_ssim - ref_ssim) < 1e-6);
  }
  // Identical images: SSIM 1, PSNR infinite (numpy gives inf too).
  CHECK(ssim(pairs[0].truth, pairs[0].truth, pairs[0].rows, pairs[0].cols) == doctest::Approx(1.0).epsilon(1e-12));
  CHECK(std::isinf(psnr(pairs[0].truth, pairs[0].truth)));
}

TEST_CASE("FBP filtering agrees with scikit-image's iradon filtering") {
  tomography::testing::SkimagePython py("tomography_data");
  const int n = 50, rows = 3;  // padded to 128
  std::vector<double> sino(n * rows);
  for (int i = 0; i < n * rows; ++i) sino[i] = 1.0 + standard_normal(3, 0, i);
  const auto in = py.write("sino.bin", sino);
  for (auto kind : kAllFilters) {
    std::string out;
    if (!py.run("filter " + filter_name(kind) + " " + std::to_string(n) + " " + std::to_string(rows) + " " +
                    in.string() + " " + (py.dir() / "rows.bin").string() + " " + (py.dir() / "filter.bin").string(),
                out))
      return;
    const auto ref_rows = py.read("rows.bin"), ref_filter = py.read("filter.bin");
    RowFilter<double> filter(kind, n);
    REQUIRE(ref_filter.size() == static_cast<std::size_t>(filter.padded_size()));
    const int p = filter.padded_size();
    double filter_err = 0, row_err = 0, row_max = 0, float_err = 0;
    for (int k = 0; k <= p / 2; ++k)
      filter_err =
          std::max(filter_err, std::abs(filter.response()[k] - 0.5 * (ref_filter[k] + ref_filter[(p - k) % p])));
    auto ours = sino;
    filter.apply(ours.data(), rows);
    std::vector<float> single(sino.begin(), sino.end());
    RowFilter<float>(kind, n).apply(single.data(), rows);
    for (int i = 0; i < n * rows; ++i) {
      row_err = std::max(row_err, std::abs(ours[i] - ref_rows[i]));
      row_max = std::max(row_max, std::abs(ref_rows[i]));
      float_err = std::max(float_err, std::abs(single[i] - ours[i]));
    }
    MESSAGE(filter_name(kind) << ": response |diff| " << filter_err << ", rows |diff| " << row_err << " of " << row_max
                              << ", float vs double " << float_err);
    CHECK(filter_err < 1e-13);
    CHECK(row_err < 1e-12 * row_max);
    CHECK(float_err < 1e-5 * row_max);
  }
}

TEST_CASE("filter responses match their closed forms and apply() implements them") {
  for (int p : {128, 512}) {
    for (auto kind : kAllFilters) {
      const auto h = filter_response(kind, p);
      REQUIRE(h.size() == static_cast<std::size_t>(p / 2 + 1));
      // Truncating the spatial ramp kernel at |k| = P/2 changes its DTFT by
      // at most 4 sum_{odd n > P/2} 1/(pi n)^2 <= 2 / (pi^2 (P/2 - 1))
      // (times the window, <= 1). numpy's Hamming/Hann use a P - 1
      // denominator: |cos(2 pi j/(P-1)) - cos(2 pi j/P)| <= 2 pi / P, times
      // 0.46 or 0.5.
      double tol = 2.0 / (kPi * kPi * (p / 2 - 1));
      if (kind == FilterKind::Hamming || kind == FilterKind::Hann) tol += 0.5 * 2 * kPi / p;
      double err = 0;
      for (int k = 0; k <= p / 2; ++k) err = std::max(err, std::abs(h[k] - closed_form(kind, double(k) / p)));
      MESSAGE("P " << p << " " << filter_name(kind) << ": max |H - closed form| " << err << " (bound " << tol << ")");
      CHECK(err <= tol);
    }
  }
  // apply() against a direct O(P^2) evaluation of the circular filtering with
  // response(): the delta row gives the impulse response, a random row the rest.
  for (auto kind : kAllFilters) {
    const int n = 40;
    RowFilter<double> filter(kind, n);
    const int p = filter.padded_size();
    const auto& h = filter.response();
    std::vector<double> rows(2 * n, 0.0);
    rows[0] = 1.0;
    for (int i = 0; i < n; ++i) rows[n + i] = standard_normal(5, 0, i);
    const auto input = rows;
    filter.apply(rows.data(), 2, 2.5);
    double err = 0;
    for (int r = 0; r < 2; ++r) {
      // Spectrum of the zero-padded row, times H, back: real arithmetic.
      for (int j = 0; j < n; ++j) {
        double v = 0;
        for (int k = 0; k <= p / 2; ++k) {
          double re = 0, im = 0;
          for (int m = 0; m < n; ++m) {
            re += input[r * n + m] * std::cos(2 * kPi * double((long(k) * m) % p) / p);
            im -= input[r * n + m] * std::sin(2 * kPi * double((long(k) * m) % p) / p);
          }
          const double w = (k == 0 || k == p / 2) ? 1.0 : 2.0;  // Hermitian pairs
          const double ang = 2 * kPi * double((long(k) * j) % p) / p;
          v += w * h[k] * (re * std::cos(ang) - im * std::sin(ang));
        }
        err = std::max(err, std::abs(rows[r * n + j] - 2.5 * v / p));
      }
    }
    CHECK_MESSAGE(err < 1e-12, filter_name(kind) << " max |apply - direct| " << err);
  }
}

TEST_CASE("FBP constants reconstruct analytic ellipse sinograms (parallel and fan)") {
  // A phantom on a 4 x 4 physical square, so that spacing and extent are not 1.
  const ImageGeometry image{128, 128, 4.0, 4.0};
  const std::vector<Ellipse> disc = {{1.0, 0.5, 0.35, 0.2, -0.1, 0.3}};
  const auto sl = modified_shepp_logan_ellipses();
  struct Point {
    double x, y;  // unit-square coordinates
  };
  const Point points[] = {{0.2, -0.1}, {0.0, 0.0}, {0.0, 0.45}, {-0.5, 0.5}, {0.0, 0.85}};
  auto truth = [&](const std::vector<Ellipse>& e, const Point& q) { return ellipses_value(e, q.x, q.y); };

  BeamGeometry parallel;
  parallel.angles = angles(720, kPi);  // enough views that the streaks stay below 1 % everywhere
  parallel.detectors = 600;
  parallel.detector_spacing = 4.8 / 600;  // covers the 4 x 4 square's inscribed disc and more
  parallel.detector_offset = 0.0;

  BeamGeometry fan;
  fan.kind = BeamKind::Fan;
  fan.angles = angles(720, 2 * kPi);
  fan.source_origin = 8.0;
  fan.origin_detector = 4.0;
  fan.detectors = 800;
  fan.detector_spacing = 12.0 / 800;  // magnification 1.5: the isocentre sees +-4

  for (const auto* phantom : {&disc, &sl}) {
    for (const auto* beam : {&parallel, &fan}) {
      const double range = beam->kind == BeamKind::Parallel ? kPi : 2 * kPi;
      const auto sino = ellipses_sinogram(*phantom, image, *beam);
      for (const auto& q : points) {
        // Skip points within a pixel of an edge, where FBP smooths the jump.
        const double h = 0.03;
        const double t = truth(*phantom, q);
        if (truth(*phantom, {q.x + h, q.y}) != t || truth(*phantom, {q.x - h, q.y}) != t ||
            truth(*phantom, {q.x, q.y + h}) != t || truth(*phantom, {q.x, q.y - h}) != t)
          continue;
        const double v = fbp_at(sino, *beam, range, FilterKind::Ramp, q.x * 2.0, q.y * 2.0);
        const std::string name = beam->kind == BeamKind::Fan ? "fan" : "parallel";
        MESSAGE(name << " at (" << q.x << ", " << q.y << "): FBP " << v << ", truth " << t);
        CHECK(std::abs(v - t) < 0.02);
      }
    }
  }
  // Half the angles over a doubled range gives the same parallel-beam constant.
  BeamGeometry full = parallel;
  full.angles = angles(720, 2 * kPi);
  CHECK(fbp_scale(full, 2 * kPi) == doctest::Approx(fbp_scale(parallel, kPi)));
  CHECK(fbp_scale(parallel, kPi) == doctest::Approx(kPi / 720 / (2 * parallel.detector_spacing)));
}

TEST_CASE("Shepp-Logan values, orientation and random-ellipse reproducibility") {
  const auto sl = modified_shepp_logan_ellipses();
  REQUIRE(sl.size() == 10);
  CHECK(ellipses_value(sl, 0.0, 0.0) == doctest::Approx(0.2));   // brain
  CHECK(ellipses_value(sl, 0.0, 0.12) == doctest::Approx(0.4));  // two small features overlap
  CHECK(ellipses_value(sl, 0.0, 0.45) == doctest::Approx(0.3));
  CHECK(ellipses_value(sl, 0.0, 0.9) == doctest::Approx(1.0));   // skull
  CHECK(ellipses_value(sl, 0.22, 0.0) == doctest::Approx(0.0));  // dark ventricle
  CHECK(ellipses_value(sl, 0.0, -0.605) == doctest::Approx(0.3));
  CHECK(ellipses_value(sl, 0.95, 0.95) == 0.0);

  // Odd grid: the centre pixel sits on the origin. Row 0 is the top (y > 0).
  const ImageGeometry odd{257, 257, 2.0, 2.0};
  const auto img = shepp_logan(odd);
  CHECK(img[128 * 257 + 128] == doctest::Approx(0.2));
  const ImageGeometry even{256, 256, 5.0, 5.0};  // extent does not change the picture
  const auto a = shepp_logan(even);
  CHECK(a == shepp_logan(ImageGeometry{256, 256, 2.0, 2.0}));
  CHECK(a[70 * 256 + 128] == doctest::Approx(0.3));   // y = +0.449
  CHECK(a[185 * 256 + 128] == doctest::Approx(0.2));  // y = -0.449

  // Supersampling converges to the area average: sum I pi a b / 4 over the square.
  double mean_exact = 0;
  for (const auto& e : sl) mean_exact += e.intensity * kPi * e.a * e.b / 4.0;
  const ImageGeometry small{128, 128, 2.0, 2.0};
  auto mean = [](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s / v.size();
  };
  const double e1 = std::abs(mean(shepp_logan(small, 1)) - mean_exact);
  const double e4 = std::abs(mean(shepp_logan(small, 4)) - mean_exact);
  MESSAGE("Shepp-Logan mean error: point sampling " << e1 << ", 4x4 supersampling " << e4);
  CHECK(e4 < 1e-3);

  // Random ellipses: image i is a function of (seed, i) only.
  const ImageGeometry g{64, 48, 1.0, 1.0};
  const auto batch = random_ellipse_phantoms(g, 42, 3, 4);
  for (int i = 0; i < 4; ++i) CHECK(random_ellipse_phantom(g, 42, 3 + i) == slice(batch, i * g.pixels(), g.pixels()));
  CHECK(random_ellipse_phantom(g, 42, 3) != random_ellipse_phantom(g, 42, 4));
  CHECK(random_ellipse_phantom(g, 42, 3) != random_ellipse_phantom(g, 43, 3));
  int nonzero_images = 0;
  for (std::uint64_t i = 0; i < 50; ++i) {
    const auto e = random_ellipses(42, i);
    CHECK(e.size() >= 5);
    CHECK(e.size() <= 15);
    for (const auto& el : e) CHECK(std::hypot(el.x0, el.y0) + std::max(el.a, el.b) <= 0.9 + 1e-12);
    const auto img_i = random_ellipse_phantom(g, 42, i);
    double mx = 0;
    for (double v : img_i) {
      CHECK(v >= 0.0);
      CHECK(v <= 1.0);
      mx = std::max(mx, v);
    }
    nonzero_images += mx > 0;
  }
  CHECK(nonzero_images >= 45);
}

TEST_CASE("Gaussian noise: level x mean|y|, zero mean, reproducible by element") {
  const long n = 200000;
  std::vector<double> clean(n);
  for (long i = 0; i < n; ++i) clean[i] = (i % 7 == 0 ? -1.0 : 1.0) * (1.0 + std::sin(0.001 * i));
  double mean_abs = 0;
  for (double v : clean) mean_abs += std::abs(v);
  mean_abs /= n;
  auto noisy = clean;
  const double level = 0.05;
  const double sigma = add_gaussian_noise(noisy.data(), n, level, 9, 2);
  CHECK(sigma == doctest::Approx(level * mean_abs).epsilon(1e-12));
  double m = 0, s2 = 0;
  for (long i = 0; i < n; ++i) m += noisy[i] - clean[i];
  m /= n;
  for (long i = 0; i < n; ++i) s2 += (noisy[i] - clean[i] - m) * (noisy[i] - clean[i] - m);
  const double sd = std::sqrt(s2 / (n - 1));
  // 5 standard errors: sigma / sqrt(n) for the mean, sigma / sqrt(2n) for the sd.
  MESSAGE("Gaussian: mean " << m << " (se " << sigma / std::sqrt(n) << "), sd/sigma " << sd / sigma);
  CHECK(std::abs(m) < 5 * sigma / std::sqrt(double(n)));
  CHECK(std::abs(sd - sigma) < 5 * sigma / std::sqrt(2.0 * n));
  // A part of the sinogram, given its first element, gets the same noise.
  std::vector<double> part(clean.begin() + 1000, clean.begin() + 1100);
  add_gaussian_noise_sigma(part.data(), 100, sigma, 9, 2, 1000);
  for (int i = 0; i < 100; ++i) CHECK(part[i] == noisy[1000 + i]);
  // Another sinogram index gets other noise; float follows the same draws.
  auto other = clean;
  add_gaussian_noise(other.data(), n, level, 9, 3);
  CHECK(other != noisy);
  std::vector<float> single(clean.begin(), clean.begin() + 1000);
  std::vector<double> head(clean.begin(), clean.begin() + 1000);
  add_gaussian_noise_sigma(single.data(), 1000, 0.1, 9, 2);
  add_gaussian_noise_sigma(head.data(), 1000, 0.1, 9, 2);
  for (int i = 0; i < 1000; ++i) CHECK(single[i] == doctest::Approx(head[i]).epsilon(1e-6));
}

TEST_CASE("Poisson counts have mean and variance lambda") {
  const long n = 200000;
  for (double lambda : {0.5, 5.0, 9.99, 10.0, 30.0, 1e4}) {
    double m = 0, m2 = 0;
    long zeros = 0;
    for (long i = 0; i < n; ++i) {
      const double k = static_cast<double>(poisson_count(lambda, 17, 1, i));
      m += k;
      zeros += k == 0;
    }
    m /= n;
    for (long i = 0; i < n; ++i) {
      const double d = static_cast<double>(poisson_count(lambda, 17, 1, i)) - m;
      m2 += d * d;
    }
    const double var = m2 / (n - 1);
    // Standard errors: sqrt(lambda / n) for the mean; for the sample variance
    // sqrt((mu4 - sigma^4) / n) with mu4 = lambda (1 + 3 lambda): sqrt((lambda + 2 lambda^2) / n).
    const double se_mean = std::sqrt(lambda / n), se_var = std::sqrt((lambda + 2 * lambda * lambda) / n);
    MESSAGE("lambda " << lambda << ": mean " << m << " (se " << se_mean << "), variance " << var << " (se " << se_var
                      << ")");
    CHECK(std::abs(m - lambda) < 5 * se_mean);
    CHECK(std::abs(var - lambda) < 5 * se_var);
    // P(0) = exp(-lambda): checks the inversion's first CDF step.
    const double p0 = std::exp(-lambda);
    CHECK(std::abs(double(zeros) / n - p0) < 5 * std::sqrt(p0 * (1 - p0) / n) + 1e-12);
  }
  CHECK(poisson_count(0.0, 1, 2, 3) == 0);
}

TEST_CASE("Poisson sinogram noise: log transform, zero counts and reproducibility") {
  const long n = 100000;
  const double y = 0.5, i0 = 1e5;
  std::vector<double> sino(n, y);
  add_poisson_noise(sino.data(), n, i0, 4, 0);
  double m = 0, s2 = 0;
  for (double v : sino) m += v;
  m /= n;
  for (double v : sino) s2 += (v - m) * (v - m);
  // Delta method: var(-log(k / I0)) ~ 1 / lambda, lambda = I0 exp(-y); the
  // bias of -log of a Poisson mean is +1 / (2 lambda).
  const double lambda = i0 * std::exp(-y);
  CHECK(std::abs(m - y - 0.5 / lambda) < 5 * std::sqrt(1 / lambda / n));
  CHECK(s2 / (n - 1) == doctest::Approx(1 / lambda).epsilon(0.02));
  // Zero counts read as one photon: y = log(I0).
  std::vector<double> opaque(10, 50.0);
  add_poisson_noise(opaque.data(), 10, 10.0, 4, 0);
  for (double v : opaque) CHECK(v == doctest::Approx(std::log(10.0)));
  // Parts agree with the whole.
  std::vector<double> whole(1000), part(200);
  for (int i = 0; i < 1000; ++i) whole[i] = 0.001 * i;
  for (int i = 0; i < 200; ++i) part[i] = whole[500 + i];
  add_poisson_noise(whole.data(), 1000, 1e3, 8, 5);
  add_poisson_noise(part.data(), 200, 1e3, 8, 5, 500);
  for (int i = 0; i < 200; ++i) CHECK(part[i] == whole[500 + i]);
}

TEST_CASE("bad inputs throw InputError naming the parameter") {
  CHECK(thrown_input_error([] { parse_filter("butterworth"); }).find("filter") != std::string::npos);
  CHECK(thrown_input_error([] { parse_filter("Ramp", "fbp.filter"); }).find("fbp.filter") != std::string::npos);
  CHECK(parse_filter("ram-lak") == FilterKind::Ramp);
  for (auto kind : kAllFilters) CHECK(parse_filter(filter_name(kind)) == kind);
  std::vector<double> y(10, 1.0);
  CHECK(thrown_input_error([&] { add_gaussian_noise(y.data(), 10, -0.1, 1, 0); }).find("noise level") !=
        std::string::npos);
  CHECK(thrown_input_error([&] { add_poisson_noise(y.data(), 10, 0.0, 1, 0); }).find("photon count I0") !=
        std::string::npos);
  CHECK(thrown_input_error([&] { add_poisson_noise(y.data(), 10, -5.0, 1, 0); }).find("photon count I0") !=
        std::string::npos);
  CHECK(thrown_input_error([] {
          shepp_logan(ImageGeometry{16, 16, 2, 2}, 0);
        }).find("supersample") != std::string::npos);
  std::vector<double> tiny(100, 1.0);
  tiny[3] = 2.0;
  CHECK(thrown_input_error([&] { ssim(tiny, tiny, 10, 10); }).find("SSIM") != std::string::npos);
  BeamGeometry parallel;
  parallel.angles = angles(10, kPi);
  CHECK(thrown_input_error([&] { fan_preweights(parallel); }).find("beam.kind") != std::string::npos);
}
