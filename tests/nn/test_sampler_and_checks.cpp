// The torch-free training pieces of solvers/nn, each against an independent
// truth: the keyed minibatch sampler (a pass is a permutation; the order is
// the items sorted by their Philox keys, recomputed here; the union of the
// ranks' shards equals the whole minibatch one rank draws, so the samples do
// not depend on the rank count; resumable: a fresh sampler at step s draws
// what a running one draws) and the finite/divergence checks (a known good
// and a known bad value each, and the message a stopped stage shows).
// Run on 1 and 2 ranks.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.hpp"
#include "core/mpi.hpp"
#include "core/rng.hpp"
#include "nn/checks.hpp"
#include "nn/minibatch_sampler.hpp"
#include "nn/settings.hpp"

using namespace structura;

TEST_CASE("a pass of the sampler is the permutation that sorts the items by their keys") {
  constexpr std::uint64_t seed = 42, stream = 5;
  constexpr std::int64_t items = 1000;
  const std::vector<std::int64_t> order = nn::MinibatchSampler::order(seed, stream, 3, items);
  std::vector<std::int64_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::int64_t> identity(items);
  std::iota(identity.begin(), identity.end(), 0);
  CHECK(sorted == identity);  // every item exactly once
  // Independent truth: the keys, drawn directly from Philox, are increasing along the order.
  const CounterRng rng(seed, stream);
  for (std::size_t j = 1; j < order.size(); ++j)
    CHECK(rng.bits(static_cast<std::uint64_t>(order[j - 1]), 3).v[0] <
          rng.bits(static_cast<std::uint64_t>(order[j]), 3).v[0]);
  // Another pass, another seed: another order; the same arguments: the same order.
  CHECK(nn::MinibatchSampler::order(seed, stream, 4, items) != order);
  CHECK(nn::MinibatchSampler::order(seed + 1, stream, 3, items) != order);
  CHECK(nn::MinibatchSampler::order(seed, stream, 3, items) == order);
}

TEST_CASE("the minibatches of a pass cover the items once, the last one shorter") {
  nn::MinibatchSampler sampler(7, 1, 10, 4);
  CHECK(sampler.batches_per_pass() == 3);
  std::vector<std::int64_t> seen;
  for (std::int64_t step = 3; step < 6; ++step) {  // pass 1
    const auto batch = sampler.indices(step);
    CHECK(static_cast<std::int64_t>(batch.size()) == sampler.batch_size(step));
    seen.insert(seen.end(), batch.begin(), batch.end());
  }
  CHECK(sampler.batch_size(5) == 2);
  CHECK(seen == nn::MinibatchSampler::order(7, 1, 1, 10));
  CHECK_THROWS_AS(nn::MinibatchSampler(7, 1, 0, 4), InputError);
}

TEST_CASE("the ranks' shards of a minibatch are the minibatch one rank draws") {
  mpi::Comm world;
  constexpr std::int64_t items = 97, batch = 20;  // 5 minibatches a pass, the last of 17
  nn::MinibatchSampler sharded(11, 5, items, batch), whole(11, 5, items, batch);
  for (std::int64_t step = 0; step < 12; ++step) {  // across passes 0, 1 and 2
    // Gather the shards by position: rank r's items land at its block of the batch.
    const std::vector<std::int64_t> mine = sharded.indices(step, world.size(), world.rank());
    const Range r = block_range(sharded.batch_size(step), world.size(), world.rank());
    std::vector<double> gathered(static_cast<std::size_t>(sharded.batch_size(step)), 0.0);
    for (std::int64_t j = 0; j < r.count; ++j) gathered[static_cast<std::size_t>(r.begin + j)] = double(mine[j]);
    world.sum_in_place(gathered);
    const std::vector<std::int64_t> expected = whole.indices(step);
    REQUIRE(gathered.size() == expected.size());
    for (std::size_t j = 0; j < expected.size(); ++j) CHECK(gathered[j] == double(expected[j]));
  }
  // A fresh sampler (a resumed run) at step 8 draws what the running one drew.
  nn::MinibatchSampler resumed(11, 5, items, batch);
  CHECK(resumed.indices(8) == whole.indices(8));
}

TEST_CASE("the finite checks pass finite values and stop on NaN and Inf with the step") {
  CHECK_NOTHROW(nn::check_finite_loss("train/x", 3, 1.5));
  CHECK_NOTHROW(nn::check_finite_gradient_norm("train/x", 3, 0.0, 1.5));
  CHECK_THROWS_WITH_AS(nn::check_finite_loss("train/x", 6, std::numeric_limits<double>::quiet_NaN()),
                       doctest::Contains("train/x: the loss is nan at step 6"), NumericalError);
  CHECK_THROWS_WITH_AS(nn::check_finite_loss("train/x", 2, -std::numeric_limits<double>::infinity()),
                       doctest::Contains("the loss is -inf at step 2"), NumericalError);
  CHECK_THROWS_WITH_AS(nn::check_finite_gradient_norm("train/x", 9, std::numeric_limits<double>::infinity(), 0.5),
                       doctest::Contains("train/x: the gradient norm is inf at step 9 (loss 0.5)"), NumericalError);
}

TEST_CASE("the divergence check compares with the smallest positive loss so far") {
  nn::DivergenceCheck check(10);
  check.check("t", 0, 4.0);
  check.check("t", 1, 2.0);
  check.check("t", 2, 19.9);  // below 10 x 2
  CHECK(check.smallest() == 2.0);
  CHECK_THROWS_WITH_AS(check.check("t", 3, 20.5), doctest::Contains("t: diverged at step 3: the loss 20.5 exceeds 10"),
                       NumericalError);
  // A non-positive reference (a critic's loss) switches the ratio test off.
  nn::DivergenceCheck critic(10);
  critic.check("t", 0, -1.0);
  CHECK_NOTHROW(critic.check("t", 1, 1e6));
  nn::DivergenceCheck off(0);
  off.check("t", 0, 1e-9);
  CHECK_NOTHROW(off.check("t", 1, 1e9));
}

TEST_CASE("optimizer options name the key of a value the optimizer cannot use") {
  nn::OptimizerOptions o;
  CHECK_NOTHROW(o.validate("training"));
  CHECK(nn::parse_optimizer_kind("rmsprop", "training.optimizer") == nn::OptimizerKind::RMSprop);
  CHECK_THROWS_WITH_AS(nn::parse_optimizer_kind("lamb", "training.optimizer"),
                       doctest::Contains("training.optimizer: unknown optimizer 'lamb'; expected one of adam, adamw"),
                       InputError);
  o.beta2 = 1.0;
  CHECK_THROWS_WITH_AS(o.validate("training"), doctest::Contains("training.betas"), InputError);
  o = {};
  o.kind = nn::OptimizerKind::Sgd;
  o.nesterov = true;  // without momentum
  CHECK_THROWS_WITH_AS(o.validate("critic"), doctest::Contains("critic.nesterov: needs critic.momentum > 0"),
                       InputError);
  o.momentum = 0.9;
  CHECK_NOTHROW(o.validate("critic"));
  o.learning_rate = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH_AS(o.validate("critic"), doctest::Contains("critic.learning_rate"), InputError);
}
