// The MALA option of the 2-D sets against the exact sampler's law. Truths:
// after enough steps phi(x) of the chains' final states has mean 0 and
// variances a (5 standard errors, chains pooled over the ranks); the
// acceptance rate of the reference's h = 0.1 is high but below 1 (MALA's
// rejection rate is O(h^3): > 0.99 on the banana).
// Negative controls: the reference's own 1000 steps leave the banana's x2
// short of its variance (Langevin time 10 against a relaxation time of 4
// or more, see mala.hpp), and a flipped score (a wrong gradient sign) drops
// the banana's acceptance below 0.9. Chain c is a pure function of (seed, c).
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cmath>

#include "datasets/planar_sets.hpp"
#include "moments.hpp"

using namespace structura;
using namespace structura::datasets;
using manifold_test::pooled_moments;

namespace {

struct Check {
  manifold_test::Moments z0, z1;
  double acceptance = 0;
  // How many standard errors the worst of the four moments is off.
  double worst_sigma(Vec2 a) const {
    return std::max({std::abs(z0.mean) / std::sqrt(a[0] / z0.n), std::abs(z1.mean) / std::sqrt(a[1] / z1.n),
                     std::abs(z0.variance - a[0]) / (std::sqrt(2.0 / z0.n) * a[0]),
                     std::abs(z1.variance - a[1]) / (std::sqrt(2.0 / z1.n) * a[1])});
  }
};

Check moments_of(const PlanarSet& set, const ManifoldRows& rows, const MalaCounts& counts, const mpi::Comm& world) {
  std::vector<double> z0, z1;
  for (std::int64_t r = 0; r < rows.count; ++r) {
    const Vec2 z = set.phi({rows.row(r)[0], rows.row(r)[1]});
    z0.push_back(z[0]);
    z1.push_back(z[1]);
  }
  Check c{pooled_moments(z0, world), pooled_moments(z1, world), 0};
  c.acceptance = double(world.sum(counts.accepted)) / double(world.sum(counts.proposed));
  return c;
}

// The banana's density with the score's sign flipped: run_mala uses it
// both to propose and in the ratio, so this is still a valid MH sampler
// (the moments barely move at h = 0.1), but its proposals fight the
// density and the acceptance rate drops.
struct FlippedScore {
  const PlanarSet& set;
  int dimension() const { return 2; }
  double log_density(const double* x) const { return set.log_density({x[0], x[1]}); }
  void score(const double* x, double* g) const {
    const Vec2 s = set.score({x[0], x[1]});
    g[0] = -s[0];
    g[1] = -s[1];
  }
};

}  // namespace

TEST_CASE("MALA: long chains match the exact law for all three sets; the reference's 1000 steps do not") {
  const mpi::Comm world;
  const std::int64_t chains = 8000;
  const Range mine = world.block(chains);
  for (PlanarKind kind : {PlanarKind::banana, PlanarKind::squeezed_banana, PlanarKind::river}) {
    const PlanarSet set(kind);
    PlanarSettings settings{kind, PlanarSampler::mala, {0.1, 4000}};
    MalaCounts counts;
    const ManifoldRows rows = generate_planar_mala(settings, 99, mine.begin, mine.count, &counts);
    const Check c = moments_of(set, rows, counts, world);
    MESSAGE(fmt::format("MALA h 0.1, 4000 steps, {}: variances {:.5f} {:.4f} (a {:.5f} {:.4f}), worst {:.2f} "
                        "sigma, acceptance {:.4f}",
                        kind == PlanarKind::banana ? "banana" : kind == PlanarKind::river ? "river" : "squeezed", c.z0.variance, c.z1.variance, set.variances()[0], set.variances()[1],
                        c.worst_sigma(set.variances()), c.acceptance));
    CHECK(c.worst_sigma(set.variances()) < 5);
    CHECK(c.acceptance > (kind == PlanarKind::banana ? 0.99 : 0.9));
    CHECK(c.acceptance < 1.0);
  }
  // The reference's banana setting: 1000 steps of h = 0.1.
  const PlanarSet banana(PlanarKind::banana);
  PlanarSettings reference{PlanarKind::banana, PlanarSampler::mala, reference_mala(PlanarKind::banana)};
  MalaCounts counts;
  const ManifoldRows rows = generate_planar_mala(reference, 99, mine.begin, mine.count, &counts);
  const Check c = moments_of(banana, rows, counts, world);
  MESSAGE(fmt::format("MALA at the reference's 1000 steps: x2 variance {:.4f} against 4, {:.1f} sigma off",
                      c.z1.variance, c.worst_sigma(banana.variances())));
  CHECK(c.worst_sigma(banana.variances()) > 5);
}

TEST_CASE("MALA negative control: a wrong gradient sign is seen in the acceptance rate") {
  const mpi::Comm world;
  const Range mine = world.block(1000);
  const PlanarSet set(PlanarKind::banana);
  const CounterRng rng(99, manifold_streams::planar_mala);
  std::vector<double> out(std::size_t(mine.count) * 2);
  const MalaCounts flipped = run_mala(FlippedScore{set}, {0.1, 4000}, rng, mine.begin, mine.count, out.data());
  const double rate = double(world.sum(flipped.accepted)) / double(world.sum(flipped.proposed));
  MESSAGE(fmt::format("MALA with a flipped score: acceptance {:.4f}", rate));
  CHECK(rate < 0.9);
}

TEST_CASE("MALA: bad settings are InputErrors naming the key") {
  PlanarSettings s{PlanarKind::river, PlanarSampler::mala, {0.0, 10}};
  CHECK_THROWS_WITH_AS(generate_planar(s, 1, 0, 4), doctest::Contains("data.mala.step"), InputError);
  s.mala = {0.1, 0};
  CHECK_THROWS_WITH_AS(generate_planar(s, 1, 0, 4), doctest::Contains("data.mala.steps"), InputError);
  CHECK_THROWS_WITH_AS(parse_planar_sampler("langevin"), doctest::Contains("data.sampler"), InputError);
}
