// The data-ordering attacks' permutations (issue 14 §4): each policy emits
// the order its definition says, checked against a brute-force reading of
// the definition (a deque popped from the ends, as the reference's
// AdversarialBatcher does) on small inputs; every attack feeds each point
// exactly once; the "random" policy is the honest baseline bit for bit.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <numeric>
#include <vector>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "input_error.hpp"
#include "nn/minibatch_sampler.hpp"
#include "ordering/epoch_plan.hpp"
#include "ordering/policy.hpp"
#include "ordering/reorder.hpp"
#include "ordering/replacement.hpp"

using namespace structura;
using namespace structura::ordering;

namespace {

using structura::testing::input_error;

constexpr Policy all_policies[] = {Policy::random, Policy::low_high, Policy::high_low, Policy::oscillating_in,
                                   Policy::oscillating_out};

// The definition, executed: pop ranks off a deque. Oscillating-in
// alternates back (high) and front (low); oscillating-out first lays the
// ranks out as the lower half reversed, then the upper half reversed, and
// alternates back and front of that.
std::vector<std::int64_t> brute_force_order(std::int64_t m, Policy policy) {
  std::deque<std::int64_t> d;
  const std::int64_t h = m / 2;
  if (policy == Policy::oscillating_out) {
    for (std::int64_t r = h - 1; r >= 0; --r) d.push_back(r);
    for (std::int64_t r = m - 1; r >= h; --r) d.push_back(r);
  } else {
    for (std::int64_t r = 0; r < m; ++r) d.push_back(r);
  }
  std::vector<std::int64_t> out;
  bool from_back = policy == Policy::high_low || policy == Policy::oscillating_in || policy == Policy::oscillating_out;
  while (!d.empty()) {
    if (from_back) {
      out.push_back(d.back());
      d.pop_back();
    } else {
      out.push_back(d.front());
      d.pop_front();
    }
    if (policy == Policy::oscillating_in || policy == Policy::oscillating_out) from_back = !from_back;
  }
  return out;
}

std::vector<double> keyed_losses(std::int64_t n, std::uint64_t seed, bool with_ties) {
  const CounterRng rng(seed, 7);
  std::vector<double> loss(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const double u = rng.uniform4(static_cast<std::uint64_t>(i), 0).u[0];
    loss[static_cast<std::size_t>(i)] = with_ties ? std::floor(4 * u) : u;
  }
  return loss;
}

double mean_loss(const std::vector<std::int64_t>& batch, const std::vector<double>& loss) {
  double s = 0;
  for (const auto i : batch) s += loss[static_cast<std::size_t>(i)];
  return s / static_cast<double>(batch.size());
}

}  // namespace

TEST_CASE("each policy's emission order is its definition's, for every number of units") {
  for (std::int64_t m = 1; m <= 41; ++m)
    for (const auto p : all_policies) {
      CAPTURE(m);
      CAPTURE(policy_name(p));
      const auto order = emission_order(m, p);
      if (p == Policy::random) {
        std::vector<std::int64_t> identity(static_cast<std::size_t>(m));
        std::iota(identity.begin(), identity.end(), 0);
        CHECK(order == identity);
      } else {
        CHECK(order == brute_force_order(m, p));
      }
    }
  // Spelled out once, from the paper's words, for a reader.
  CHECK(emission_order(5, Policy::oscillating_in) == std::vector<std::int64_t>{4, 0, 3, 1, 2});
  CHECK(emission_order(5, Policy::oscillating_out) == std::vector<std::int64_t>{2, 1, 3, 0, 4});
  CHECK(emission_order(4, Policy::oscillating_out) == std::vector<std::int64_t>{2, 1, 3, 0});
}

TEST_CASE("the honest plan is nn::MinibatchSampler's pass, batch by batch") {
  const std::int64_t items = 103, batch = 10;
  nn::MinibatchSampler sampler(42, 9, items, batch);
  for (std::int64_t epoch = 0; epoch < 3; ++epoch) {
    const auto plan = honest_plan(42, 9, epoch, items, batch);
    REQUIRE(plan.steps() == sampler.batches_per_pass());
    CHECK(is_permutation_of(plan, items));
    for (std::int64_t s = 0; s < plan.steps(); ++s)
      CHECK(plan.batches[static_cast<std::size_t>(s)] == sampler.indices(epoch * plan.steps() + s));
  }
  // Shares over ranks are blocks whose union is the batch, in order.
  const auto plan = honest_plan(1, 2, 0, items, batch);
  for (std::int64_t s = 0; s < plan.steps(); ++s) {
    auto joined = plan.share(s, 3, 0);
    for (int part = 1; part < 3; ++part) {
      const auto more = plan.share(s, 3, part);
      joined.insert(joined.end(), more.begin(), more.end());
    }
    CHECK(joined == plan.batches[static_cast<std::size_t>(s)]);
  }
}

TEST_CASE("batch reshuffling: ranked points cut into batches, the batches in the policy's order") {
  for (const bool ties : {false, true})
    for (const std::int64_t items : {1, 7, 10, 64}) {
      for (const std::int64_t batch : {1, 3, 8}) {
        if (batch > items) continue;
        const auto loss = keyed_losses(items, 11 + static_cast<std::uint64_t>(items), ties);
        const auto honest = honest_plan(5, 1, 0, items, batch);
        // Brute force: sort by (loss, index) with a plain comparison sort.
        std::vector<std::int64_t> ranked(static_cast<std::size_t>(items));
        std::iota(ranked.begin(), ranked.end(), 0);
        std::sort(ranked.begin(), ranked.end(), [&](std::int64_t a, std::int64_t b) {
          const double la = loss[static_cast<std::size_t>(a)], lb = loss[static_cast<std::size_t>(b)];
          return la != lb ? la < lb : a < b;
        });
        const std::int64_t chunks = (items + batch - 1) / batch;
        for (const auto p : all_policies) {
          CAPTURE(items);
          CAPTURE(batch);
          CAPTURE(ties);
          CAPTURE(policy_name(p));
          const auto plan = reshuffle_points(honest, loss, batch, p);
          CHECK(is_permutation_of(plan, items));
          if (p == Policy::random) {
            CHECK(plan.batches == honest.batches);
            continue;
          }
          std::vector<std::vector<std::int64_t>> expected;
          for (const auto c : brute_force_order(chunks, p)) {
            const auto begin = ranked.begin() + c * batch;
            expected.emplace_back(begin, ranked.begin() + std::min(items, (c + 1) * batch));
          }
          CHECK(plan.batches == expected);
        }
      }
    }
  // low-high feeds the batches in increasing mean loss; high-low decreasing.
  const auto loss = keyed_losses(200, 3, false);
  const auto honest = honest_plan(5, 1, 0, 200, 16);
  const auto up = reshuffle_points(honest, loss, 16, Policy::low_high);
  const auto down = reshuffle_points(honest, loss, 16, Policy::high_low);
  for (std::int64_t s = 1; s < up.steps(); ++s) {
    CHECK(mean_loss(up.batches[s], loss) > mean_loss(up.batches[s - 1], loss));
    CHECK(mean_loss(down.batches[s], loss) < mean_loss(down.batches[s - 1], loss));
  }
}

TEST_CASE("batch reordering keeps the honest batches and feeds them in the policy's order of mean loss") {
  const std::int64_t items = 90, batch = 8;  // 12 batches, the last of 2
  const auto loss = keyed_losses(items, 17, false);
  const auto honest = honest_plan(3, 4, 2, items, batch);
  std::vector<double> batch_mean;
  for (const auto& b : honest.batches) batch_mean.push_back(mean_loss(b, loss));
  std::vector<std::int64_t> by_rank(batch_mean.size());
  std::iota(by_rank.begin(), by_rank.end(), 0);
  std::sort(by_rank.begin(), by_rank.end(), [&](std::int64_t a, std::int64_t b) {
    return batch_mean[a] != batch_mean[b] ? batch_mean[a] < batch_mean[b] : a < b;
  });
  for (const auto p : all_policies) {
    CAPTURE(policy_name(p));
    const auto plan = reorder_batches(honest, loss, p);
    CHECK(is_permutation_of(plan, items));
    if (p == Policy::random) {
      CHECK(plan.batches == honest.batches);
      continue;
    }
    std::vector<std::vector<std::int64_t>> expected;
    for (const auto r : brute_force_order(honest.steps(), p)) expected.push_back(honest.batches[by_rank[r]]);
    CHECK(plan.batches == expected);
  }
}

TEST_CASE("attacked_plan dispatches, and no attack or the random policy is the baseline") {
  const auto loss = keyed_losses(50, 2, false);
  const auto honest = honest_plan(8, 1, 1, 50, 7);
  CHECK(attacked_plan(Attack::none, Policy::high_low, honest, loss, 7).batches == honest.batches);
  CHECK(attacked_plan(Attack::reshuffling, Policy::random, honest, loss, 7).batches == honest.batches);
  CHECK(attacked_plan(Attack::reordering, Policy::random, honest, loss, 7).batches == honest.batches);
  CHECK(attacked_plan(Attack::reshuffling, Policy::high_low, honest, loss, 7).batches !=
        honest.batches);  // the check above can fail
}

TEST_CASE("bad input names the key; a non-finite surrogate loss stops with the point's index") {
  CHECK(input_error([] { parse_policy("sideways", "attack.policy"); }).find("attack.policy") != std::string::npos);
  CHECK(input_error([] { parse_attack("replace-all", "attack.kind"); }).find("attack.kind") != std::string::npos);
  CHECK(input_error([] { honest_plan(1, 1, 0, 10, 11); }).find("training.batch") != std::string::npos);
  CHECK(input_error([] { honest_plan(1, 1, 0, 10, 0); }).find("training.batch") != std::string::npos);
  const auto honest = honest_plan(1, 1, 0, 10, 3);
  auto loss = keyed_losses(10, 1, false);
  CHECK(input_error([&] { reshuffle_points(honest, std::vector<double>(9, 0.0), 3, Policy::low_high); })
            .find("9 surrogate losses") != std::string::npos);
  CHECK(input_error([&] { reshuffle_points(honest, loss, 11, Policy::low_high); }).find("training.batch") !=
        std::string::npos);
  loss[6] = std::numeric_limits<double>::quiet_NaN();
  try {
    reorder_batches(honest, loss, Policy::high_low);
    FAIL("no NumericalError");
  } catch (const NumericalError& e) {
    CHECK(std::string(e.what()).find("point 6") != std::string::npos);
  }
}

TEST_CASE("batch replacement swaps the least aligned points of each batch for the most aligned ones") {
  const std::int64_t items = 40, batch = 8;
  const auto alignment = keyed_losses(items, 23, false);
  const auto honest = honest_plan(2, 3, 0, items, batch);
  ReplacementCounts counts;
  const auto plan = replace_points(honest, alignment, 0.25, &counts);
  CHECK(counts.replaced == 5 * 2);
  // Most aligned first, as a plain sort.
  std::vector<std::int64_t> best(items);
  std::iota(best.begin(), best.end(), 0);
  std::sort(best.begin(), best.end(), [&](std::int64_t a, std::int64_t b) {
    return alignment[a] != alignment[b] ? alignment[a] > alignment[b] : a < b;
  });
  std::int64_t next = 0, passed_over = 0;
  REQUIRE(plan.steps() == honest.steps());
  for (std::int64_t s = 0; s < plan.steps(); ++s) {
    const auto& before = honest.batches[s];
    const auto& after = plan.batches[s];
    REQUIRE(after.size() == before.size());
    // The two least aligned positions changed, to the next two of the ranking; the rest stayed.
    std::vector<double> sorted_alignment;
    for (const auto i : before) sorted_alignment.push_back(alignment[i]);
    std::sort(sorted_alignment.begin(), sorted_alignment.end());
    // The least aligned position takes the next point of the ranking first.
    std::vector<std::size_t> swapped;
    for (std::size_t k = 0; k < before.size(); ++k) {
      if (alignment[before[k]] <= sorted_alignment[1]) {
        swapped.push_back(k);
      } else {
        CHECK(after[k] == before[k]);
      }
    }
    std::sort(swapped.begin(), swapped.end(),
              [&](std::size_t a, std::size_t b) { return alignment[before[a]] < alignment[before[b]]; });
    REQUIRE(swapped.size() == 2);
    // The next points of the ranking that the batch does not hold already.
    auto held = [&](std::int64_t i) { return std::find(before.begin(), before.end(), i) != before.end(); };
    for (const auto k : swapped) {
      while (held(best[next])) {
        ++next;
        ++passed_over;
      }
      CHECK(after[k] == best[next++]);
    }
    for (const auto i : after) CHECK((i >= 0 && i < items));  // only existing points
    std::vector<std::int64_t> distinct(after);
    std::sort(distinct.begin(), distinct.end());
    CHECK(std::adjacent_find(distinct.begin(), distinct.end()) == distinct.end());  // no point twice in a batch
  }
  MESSAGE("candidates passed over because their batch held them: " << passed_over);
  CHECK(passed_over > 0);  // the case is exercised
  CHECK(replace_points(honest, alignment, 0.0).batches == honest.batches);
  // A batch of the whole data set holds every candidate: nothing can come in.
  const auto whole = honest_plan(2, 3, 0, items, items);
  ReplacementCounts none;
  CHECK(replace_points(whole, alignment, 1.0, &none).batches == whole.batches);
  CHECK(none.replaced == 0);
  CHECK(input_error([&] { replace_points(honest, alignment, 1.5); }).find("attack.replace_fraction") !=
        std::string::npos);
}
