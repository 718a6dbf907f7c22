// Rows are keyed by (seed, index) for all five sets (and the MALA option):
//  - any block first .. first + count - 1 equals those rows cut out of a
//    larger block, bit for bit;
//  - each rank generating its share of 1001 rows and gathering gives the
//    rows of one generation of all 1001, bit for bit (on 2 ranks the halves
//    come from different processes; on 1 rank this is the block check again);
//  - negative control: another seed changes the rows, so the comparison can fail.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstring>
#include <string>
#include <vector>

#include "datasets/manifold_data.hpp"
#include "moments.hpp"

using namespace structura;
using namespace structura::datasets;

namespace {

constexpr std::uint64_t seed = 555;

struct Case {
  std::string label;
  ManifoldSettings settings;
};

std::vector<Case> all_sets() {
  std::vector<Case> cases{{"banana", make_manifold_settings(ManifoldKind::banana)},
                          {"squeezed-banana", make_manifold_settings(ManifoldKind::squeezed_banana)},
                          {"river", make_manifold_settings(ManifoldKind::river)},
                          {"sinusoid (3, 10)", make_manifold_settings(ManifoldKind::sinusoid, 3, 10)},
                          {"hemisphere (3, 10)", make_manifold_settings(ManifoldKind::hemisphere, 3, 10)}};
  // The MALA option: chain i is keyed like an exact row (few steps suffice here).
  Case mala{"banana (MALA, 30 steps)", make_manifold_settings(ManifoldKind::banana)};
  mala.settings.planar.sampler = PlanarSampler::mala;
  mala.settings.planar.mala = {0.1, 30};
  cases.push_back(mala);
  return cases;
}

bool same_bits(const double* a, const double* b, std::size_t n) { return std::memcmp(a, b, n * sizeof(double)) == 0; }

}  // namespace

TEST_CASE("manifold sets: any block of rows equals the same rows of a larger block") {
  const std::int64_t total = 64;
  const std::pair<std::int64_t, std::int64_t> blocks[] = {{0, 64}, {0, 1}, {13, 20}, {40, 24}, {63, 1}, {5, 0}};
  for (const Case& c : all_sets()) {
    CAPTURE(c.label);
    const ManifoldRows whole = generate(c.settings, seed, 0, total);
    const std::int64_t d = ambient_dimension(c.settings);
    REQUIRE(whole.dimension == d);
    REQUIRE(whole.values.size() == std::size_t(total * d));
    for (const auto& [first, count] : blocks) {
      CAPTURE(first);
      CAPTURE(count);
      const ManifoldRows part = generate(c.settings, seed, first, count);
      REQUIRE(part.first == first);
      REQUIRE(part.count == count);
      REQUIRE(part.values.size() == std::size_t(count * d));
      CHECK(same_bits(part.values.data(), whole.row(first), std::size_t(count * d)));
    }
    // Rows beyond the block are new rows, not a repetition of it.
    const ManifoldRows beyond = generate(c.settings, seed, total, total);
    CHECK_FALSE(same_bits(beyond.values.data(), whole.values.data(), whole.values.size()));
  }
}

TEST_CASE("manifold sets: each rank's share, gathered, equals a 1-rank generation bit for bit") {
  const mpi::Comm world;
  const std::int64_t n = 1001;  // odd: the two ranks' blocks differ in size
  const Range mine = world.block(n);
  for (const Case& c : all_sets()) {
    CAPTURE(c.label);
    const ManifoldRows local = generate(c.settings, seed, mine.begin, mine.count);
    const std::vector<double> gathered = manifold_test::all_gather(local.values, world);
    const ManifoldRows single = generate(c.settings, seed, 0, n);
    REQUIRE(gathered.size() == single.values.size());
    const bool equal = same_bits(gathered.data(), single.values.data(), gathered.size());
    const ManifoldRows other = generate(c.settings, seed + 1, 0, n);
    const bool other_equal = same_bits(other.values.data(), single.values.data(), gathered.size());
    MESSAGE(fmt::format("{} on {} rank(s): gathered == one generation: {}; seed + 1 gives the same rows: {}", c.label,
                        world.size(), equal, other_equal));
    CHECK(world.min(std::int64_t(equal)) == 1);
    CHECK_FALSE(other_equal);
  }
}
