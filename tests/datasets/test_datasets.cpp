// The packaged data sets (solvers/datasets). Truths:
//   Fashion-MNIST: 60000 / 10000 images of 28 x 28, 6000 / 1000 of each of
//   the 10 classes, and the published training-set pixel statistics
//   mean 0.2860, std 0.3530 (Xiao et al.; the normalisation constants of
//   the torchvision examples);
//   digits: exactly what sklearn.datasets.load_digits returns (run here);
//   damaged copies (missing, not gzip, truncated, corrupt, wrong idx magic,
//   a short row) are refused naming the file.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "datasets/digits.hpp"
#include "datasets/fashion_mnist.hpp"
#include "datasets/gzip_file.hpp"
#include "input_error.hpp"
#include "python_reference.hpp"

using namespace structura;
using namespace structura::datasets;
namespace fs = std::filesystem;

namespace {

using structura::testing::input_error;

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("structura-datasets-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

std::string bytes_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

}  // namespace

TEST_CASE("Fashion-MNIST: counts, classes and the published pixel statistics") {
  const ImageSet train = load_fashion_mnist(Split::Train);
  CHECK(train.count == 60000);
  CHECK(train.height == 28);
  CHECK(train.width == 28);
  CHECK(train.pixels.size() == std::size_t(60000 * 28 * 28));
  for (std::int64_t n : label_histogram(train, 10)) CHECK(n == 6000);
  double sum = 0, sum2 = 0;
  float lo = 1, hi = 0;
  for (float p : train.pixels) {
    sum += p;
    sum2 += double(p) * p;
    lo = std::min(lo, p);
    hi = std::max(hi, p);
  }
  const double n = double(train.pixels.size());
  const double mean = sum / n, std = std::sqrt(sum2 / n - mean * mean);
  MESSAGE(fmt::format("Fashion-MNIST train: mean {:.5f}, std {:.5f}", mean, std));
  CHECK(std::abs(mean - 0.2860) < 5e-5);
  CHECK(std::abs(std - 0.3530) < 5e-5);
  CHECK(lo == 0.0f);
  CHECK(hi == 1.0f);

  const ImageSet test = load_fashion_mnist(Split::Test);
  CHECK(test.count == 10000);
  for (std::int64_t k : label_histogram(test, 10)) CHECK(k == 1000);
}

TEST_CASE("digits equal sklearn.datasets.load_digits") {
  const ImageSet digits = load_digits();
  CHECK(digits.count == 1797);
  CHECK(digits.height == 8);
  CHECK(digits.width == 8);
  const fs::path out = scratch("digits.f64");
  const testing::PythonRun run =
      testing::run_python(fs::path(STRUCTURA_DATASETS_TESTS) / "reference.py", "digits " + out.string());
  REQUIRE_MESSAGE(run.code == 0, "reference.py failed: " << run.out);
  std::ifstream in(out, std::ios::binary);
  std::vector<double> ref(1797 * 65);
  in.read(reinterpret_cast<char*>(ref.data()), std::streamsize(ref.size() * sizeof(double)));
  REQUIRE(in.gcount() == std::streamsize(ref.size() * sizeof(double)));
  fs::remove(out);
  std::size_t pixel_mismatches = 0, label_mismatches = 0;
  for (std::size_t i = 0; i < digits.pixels.size(); ++i)
    if (double(digits.pixels[i]) != ref[i]) ++pixel_mismatches;  // k / 16 is exact in float
  for (std::size_t i = 0; i < 1797; ++i)
    if (digits.labels[i] != int(ref[digits.pixels.size() + i])) ++label_mismatches;
  CHECK(pixel_mismatches == 0);
  CHECK(label_mismatches == 0);
  // The class sizes of the UCI set (also in scikit-learn's documentation).
  const std::vector<std::int64_t> expected = {178, 182, 177, 183, 181, 182, 181, 179, 174, 180};
  CHECK(label_histogram(digits, 10) == expected);
}

TEST_CASE("damaged files are refused naming the file") {
  const fs::path digits_copy = scratch("digits.csv.gz");
  const std::string packed = bytes_of(sklearn_digits_file);

  SUBCASE("missing") {
    const auto m = input_error([&] { load_digits(scratch("nothing.csv.gz")); });
    CHECK(m.find("nothing.csv.gz") != std::string::npos);
  }
  SUBCASE("not gzip") {
    write(digits_copy, "0,1,2\n");
    const auto m = input_error([&] { load_digits(digits_copy); });
    CHECK(m.find(digits_copy.string()) != std::string::npos);
    CHECK(m.find("not a gzip file") != std::string::npos);
  }
  SUBCASE("truncated") {
    write(digits_copy, packed.substr(0, packed.size() / 2));
    const auto m = input_error([&] { load_digits(digits_copy); });
    CHECK(m.find(digits_copy.string()) != std::string::npos);
    CHECK(m.find("truncated") != std::string::npos);
  }
  SUBCASE("corrupt stream") {
    std::string bad = packed;
    for (std::size_t i = 100; i < 140; ++i) bad[i] = char(~bad[i]);
    write(digits_copy, bad);
    const auto m = input_error([&] { load_digits(digits_copy); });
    CHECK(m.find(digits_copy.string()) != std::string::npos);
  }
  SUBCASE("a short row") {
    // Decompress, drop the last value of row 7, recompress with gzip(1).
    const std::vector<std::uint8_t> text = read_gzip(sklearn_digits_file);
    std::string csv(text.begin(), text.end());
    std::size_t at = 0;
    for (int r = 0; r < 6; ++r) at = csv.find('\n', at) + 1;
    const std::size_t end = csv.find('\n', at);
    const std::size_t comma = csv.rfind(',', end);
    csv.erase(comma, end - comma);
    const fs::path plain = scratch("digits.csv");
    write(plain, csv);
    REQUIRE(std::system(fmt::format("gzip -f {}", plain.string()).c_str()) == 0);
    const auto m = input_error([&] { load_digits(plain.string() + ".gz"); });
    CHECK(m.find("row 7") != std::string::npos);
    CHECK(m.find("digits.csv.gz") != std::string::npos);
  }
  SUBCASE("Fashion-MNIST: truncated images, labels in place of images") {
    const fs::path dir = scratch("fashion");
    fs::create_directories(dir);
    const std::string labels = bytes_of(fashion_mnist_directory / "t10k-labels-idx1-ubyte.gz");
    write(dir / "t10k-labels-idx1-ubyte.gz", labels);
    write(dir / "t10k-images-idx3-ubyte.gz", labels);  // a valid gzip with the wrong idx magic
    auto m = input_error([&] { load_fashion_mnist(Split::Test, dir); });
    CHECK(m.find("t10k-images-idx3-ubyte.gz") != std::string::npos);
    CHECK(m.find("magic") != std::string::npos);
    const std::string images = bytes_of(fashion_mnist_directory / "t10k-images-idx3-ubyte.gz");
    write(dir / "t10k-images-idx3-ubyte.gz", images.substr(0, images.size() - 1000));
    m = input_error([&] { load_fashion_mnist(Split::Test, dir); });
    CHECK(m.find("t10k-images-idx3-ubyte.gz") != std::string::npos);
    CHECK(m.find("truncated") != std::string::npos);
    m = input_error([&] { load_fashion_mnist(Split::Train, dir); });  // no training files there
    CHECK(m.find("train-images-idx3-ubyte.gz") != std::string::npos);
  }
  fs::remove_all(digits_copy.parent_path());
}
