// The train / validation / test split and bad input of the manifold sets.
// Truths: the reference's save_data rule train = int(0.8 n), validation =
// int(0.1 n), test = the rest, computed here in integers (8 n / 10 and
// n / 10: the doubles 0.8 and 0.1 lie slightly above 4/5 and 1/10, so for
// any n below 2^49 Python's int() of the products is exactly these);
// fractions that are exact in binary split exactly; bad fractions, dimensions and names are
// InputErrors whose message starts with the key at fault.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

#include "datasets/manifold_data.hpp"
#include "input_error.hpp"

using namespace structura;
using namespace structura::datasets;
using structura::testing::input_error;

namespace {

bool starts_with(const std::string& text, const std::string& key) { return text.rfind(key, 0) == 0; }

void check_split(const SplitRanges& s, std::int64_t train, std::int64_t validation, std::int64_t n) {
  CHECK(s.train.begin == 0);
  CHECK(s.train.count == train);
  CHECK(s.validation.begin == train);
  CHECK(s.validation.count == validation);
  CHECK(s.test.begin == train + validation);
  CHECK(s.test.count == n - train - validation);
  CHECK(s.test.end() == n);
}

}  // namespace

TEST_CASE("splits: the reference's int(0.8 n) / int(0.1 n) / rest, and exact binary fractions") {
  for (std::int64_t n : {2500, 5000, 10, 7, 1, 100000, 9999}) {
    CAPTURE(n);
    check_split(split_ranges(n), 8 * n / 10, n / 10, n);
  }
  // Python: int(0.8 * 2500) = 2000, int(0.1 * 2500) = 250; 4000, 500; 8, 1; 5, 0.
  check_split(split_ranges(2500), 2000, 250, 2500);
  check_split(split_ranges(7), 5, 0, 7);
  const SplitFractions halves{0.5, 0.25, 0.25};
  check_split(split_ranges(7, halves), 3, 1, 7);
  check_split(split_ranges(4096, halves), 2048, 1024, 4096);
  const SplitFractions all_train{1.0, 0.0, 0.0};
  check_split(split_ranges(9, all_train), 9, 0, 9);
}

TEST_CASE("splits: bad fractions and sizes name the key") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(starts_with(input_error([] { split_ranges(10, {0.0, 0.5, 0.5}); }), "data.train_fraction"));
  CHECK(starts_with(input_error([] { split_ranges(10, {1.5, 0.0, 0.0}); }), "data.train_fraction"));
  CHECK(starts_with(input_error([] { split_ranges(10, {0.8, -0.1, 0.3}); }), "data.validation_fraction"));
  CHECK(starts_with(input_error([&] { split_ranges(10, {0.8, 0.1, nan}); }), "data.test_fraction"));
  const std::string sum = input_error([] { split_ranges(10, {0.8, 0.1, 0.2}); });
  CHECK(sum.find("data.train_fraction, data.validation_fraction, data.test_fraction") != std::string::npos);
  CHECK(sum.find("sum to 1") != std::string::npos);
  CHECK(starts_with(input_error([] { split_ranges(0); }), "data.samples"));
}

TEST_CASE("manifold settings: bad dimensions and names are InputErrors naming the key") {
  for (ManifoldKind kind : {ManifoldKind::sinusoid, ManifoldKind::hemisphere}) {
    CAPTURE(std::string(manifold_name(kind)));
    // K >= N, K < 1: the intrinsic dimension; N above the maximum: the ambient one.
    const std::string k_equal = input_error([&] { make_manifold_settings(kind, 3, 3); });
    CHECK(starts_with(k_equal, "data.intrinsic_dimension"));
    CHECK(k_equal.find("data.ambient_dimension") != std::string::npos);  // says which N it was held to
    CHECK(starts_with(input_error([&] { make_manifold_settings(kind, 7, 5); }), "data.intrinsic_dimension"));
    CHECK(starts_with(input_error([&] { make_manifold_settings(kind, 0, 5); }), "data.intrinsic_dimension"));
    CHECK(starts_with(input_error([&] { make_manifold_settings(kind, -2, 5); }), "data.intrinsic_dimension"));
    CHECK(starts_with(input_error([&] { make_manifold_settings(kind, 5, max_ambient_dimension + 1); }),
                      "data.ambient_dimension"));
    // The edges are accepted.
    CHECK(ambient_dimension(make_manifold_settings(kind, 1, 2)) == 2);
    CHECK(intrinsic_dimension(make_manifold_settings(kind, max_ambient_dimension - 1, max_ambient_dimension)) ==
          max_ambient_dimension - 1);
    // Settings changed after construction are checked where rows are made.
    ManifoldSettings s = make_manifold_settings(kind, 2, 3);
    (kind == ManifoldKind::sinusoid ? s.sinusoid.intrinsic_dimension : s.hemisphere.intrinsic_dimension) = 3;
    CHECK(starts_with(input_error([&] { generate(s, 1, 0, 4); }), "data.intrinsic_dimension"));
  }
  const std::string unknown = input_error([] { parse_manifold_kind("spiral"); });
  CHECK(starts_with(unknown, "data.set"));
  CHECK(unknown.find("spiral") != std::string::npos);
  CHECK(unknown.find("hemisphere") != std::string::npos);  // lists what it accepts
  CHECK(starts_with(input_error([] { parse_manifold_kind(""); }), "data.set"));
  CHECK(starts_with(input_error([] { planar_kind(ManifoldKind::sinusoid); }), "data.set"));
  for (const char* name : {"banana", "squeezed-banana", "river", "sinusoid", "hemisphere"})
    CHECK(manifold_name(parse_manifold_kind(name)) == name);
  // Row requests.
  const ManifoldSettings banana = make_manifold_settings(ManifoldKind::banana);
  CHECK(starts_with(input_error([&] { generate(banana, 1, -1, 4); }), "first"));
  CHECK(starts_with(input_error([&] { generate(banana, 1, 0, -4); }), "count"));
}
