// Natural images and the Gaussian blur (solvers/imaging). Truths:
//   PNG: scikit-image's imread + rgb2gray (reference.py), grey and colour;
//   blur: scipy.ndimage.gaussian_filter with zero boundary (reference.py),
//   the analytic normalised Gaussian for the blur of a delta, and the
//   adjoint identity <Ax, y> = <x, Aᵀy>;
//   patches: the same patch whatever block of indices draws it, and equal
//   to the sub-block of its source image;
//   TV: the total variation of a step image is its jump times its length.
#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "imaging/gaussian_blur.hpp"
#include "imaging/natural_images.hpp"
#include "regularisers/convexity.hpp"
#include "regularisers/total_variation.hpp"
#include "python_reference.hpp"
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::imaging;

namespace {

std::filesystem::path scratch(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("structura-imaging-" + std::to_string(::getpid()) + "-" + name);
}

// Runs reference.py with `args`; its stdout.
std::string reference(const std::string& args) {
  const testing::PythonRun run =
      testing::run_python(std::filesystem::path(STRUCTURA_IMAGING_TESTS) / "reference.py", args);
  REQUIRE_MESSAGE(run.code == 0, "reference.py " << args << " failed: " << run.out);
  return run.out;
}

std::vector<double> read_raw(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::vector<double> v(std::filesystem::file_size(file) / sizeof(double));
  in.read(reinterpret_cast<char*>(v.data()), std::streamsize(v.size() * sizeof(double)));
  std::filesystem::remove(file);
  return v;
}

double max_difference(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

}  // namespace

TEST_CASE("sample images read as scikit-image reads them") {
  for (const char* name : {"camera", "astronaut", "coins"}) {
    const GrayImage im = sample_image(name, default_sample_directory(), "data.images");
    const auto out = scratch(std::string(name) + ".raw");
    const std::string shape = reference(fmt::format("gray {} {} {}", name, default_sample_directory().string(), out.string()));
    CAPTURE(name);
    CHECK(shape == fmt::format("{} {}\n", im.height, im.width));
    CHECK(max_difference(im.values, read_raw(out)) < 1e-15);
  }
  CHECK_THROWS_WITH_AS(sample_image("lena", default_sample_directory(), "data.images"),
                       doctest::Contains("data.images"), InputError);
  CHECK_THROWS_WITH_AS(sample_image("camera", "/nonexistent", "data.images"), doctest::Contains("python3-skimage"),
                       InputError);
  CHECK_THROWS_WITH_AS(read_png_gray(default_sample_directory() / "README.txt"), doctest::Contains("not a PNG"),
                       InputError);
  CHECK_THROWS_WITH_AS(read_png_gray(default_sample_directory() / "logo.png"), doctest::Contains("alpha"), InputError);
}

TEST_CASE("the Gaussian blur equals scipy's, its adjoint is its transpose, a delta gives the kernel") {
  torch::manual_seed(4);
  const std::int64_t h = 37, w = 23;
  for (double sigma : {0.7, 1.3, 2.0, 3.5}) {
    CAPTURE(sigma);
    const GaussianBlur blur(h, w, sigma);
    const torch::Tensor x = torch::rand({1, 1, h, w}, torch::kFloat64);
    std::vector<double> xv(x.data_ptr<double>(), x.data_ptr<double>() + h * w);
    const auto in = scratch("in.raw"), out = scratch("out.raw");
    {
      std::ofstream f(in, std::ios::binary);
      f.write(reinterpret_cast<const char*>(xv.data()), std::streamsize(xv.size() * sizeof(double)));
    }
    reference(fmt::format("blur {} {} {} {:.17g} {}", in.string(), h, w, sigma, out.string()));
    std::filesystem::remove(in);
    const torch::Tensor ours = blur.forward(x).contiguous();
    const double worst = max_difference(std::vector<double>(ours.data_ptr<double>(), ours.data_ptr<double>() + h * w),
                                        read_raw(out));
    CHECK(worst < 1e-15);

    const torch::Tensor y = torch::rand({3, 1, h, w}, torch::kFloat64), u = torch::rand({3, 1, h, w}, torch::kFloat64);
    const double lhs = (blur.forward(u) * y).sum().item<double>(), rhs = (u * blur.adjoint(y)).sum().item<double>();
    CHECK(std::abs(lhs - rhs) < 1e-13 * std::abs(lhs));
  }
  const GaussianBlur blur(31, 31, 2.0);
  torch::Tensor delta = torch::zeros({1, 1, 31, 31}, torch::kFloat64);
  delta[0][0][15][15] = 1.0;
  const torch::Tensor k = blur.forward(delta);
  double norm = 0;
  for (int i = -8; i <= 8; ++i) norm += std::exp(-i * i / 8.0);
  double worst = 0;
  for (int i = 0; i < 31; ++i)
    for (int j = 0; j < 31; ++j) {
      const int di = i - 15, dj = j - 15;
      const double expected =
          std::abs(di) <= 8 && std::abs(dj) <= 8 ? std::exp(-(di * di + dj * dj) / 8.0) / (norm * norm) : 0.0;
      worst = std::max(worst, std::abs(k[0][0][i][j].item<double>() - expected));
    }
  CHECK(worst < 1e-16);  // the peak is 0.04: rounding
  CHECK_THROWS_AS(GaussianBlur(31, 31, 0.0), InputError);
  CHECK_THROWS_AS(GaussianBlur(31, 31, 1.0).require_compatible(torch::zeros({1}, torch::kFloat32), "x"), InputError);
}

TEST_CASE("random patches do not depend on the block that draws them") {
  const std::vector<GrayImage> images = {sample_image("camera", default_sample_directory(), "k"),
                                         sample_image("coins", default_sample_directory(), "k")};
  const std::vector<double> all = random_patches(images, 16, 9, 1, 100, 40);
  const std::vector<double> part = random_patches(images, 16, 9, 1, 110, 5);
  CHECK(std::equal(part.begin(), part.end(), all.begin() + 10 * 256));
  CHECK(all != random_patches(images, 16, 10, 1, 100, 40));
  CHECK_THROWS_AS(random_patches(images, 400, 9, 1, 0, 1), InputError);  // coins is 303 x 384
}

TEST_CASE("smoothed total variation: a step's jump times its length, convex") {
  regularisers::SmoothedTotalVariation tv(1e-12);
  torch::Tensor step = torch::zeros({1, 1, 8, 10}, torch::kFloat64);
  step.narrow(3, 4, 6).fill_(0.5);  // a vertical edge of height 0.5 across 8 rows
  CHECK(regularisers::per_image(tv.forward(step)).item<double>() == doctest::Approx(8 * 0.5).epsilon(1e-10));
  regularisers::SmoothedTotalVariation smooth(0.05);
  const auto [x, y] = regularisers::random_pairs(200, {1, 8, 8}, 1.0, 3);
  CHECK(regularisers::check_convexity([&](const torch::Tensor& t) { return smooth.forward(t); }, x, y).passed());
  CHECK_THROWS_AS(regularisers::SmoothedTotalVariation(-1.0), InputError);
}
