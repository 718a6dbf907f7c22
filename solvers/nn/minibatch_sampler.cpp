#include "nn/minibatch_sampler.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace structura::nn {

MinibatchSampler::MinibatchSampler(std::uint64_t seed, std::uint64_t stream, std::int64_t items, std::int64_t batch)
    : seed_(seed), stream_(stream), items_(items), batch_(batch) {
  if (items < 1 || batch < 1)
    throw InputError(fmt::format("minibatch sampler: needs at least one item and a batch of at least one (got {} "
                                 "items, batch {})",
                                 items, batch));
}

std::int64_t MinibatchSampler::batch_size(std::int64_t step) const {
  const std::int64_t begin = (step % batches_per_pass()) * batch_;
  return std::min(batch_, items_ - begin);
}

std::vector<std::int64_t> MinibatchSampler::indices(std::int64_t step, int parts, int part) {
  const std::int64_t pass = step / batches_per_pass();
  if (pass != pass_) {  // one shuffle per pass, not per minibatch
    order_ = order(seed_, stream_, pass, items_);
    pass_ = pass;
  }
  const std::int64_t begin = (step % batches_per_pass()) * batch_;
  const Range mine = block_range(batch_size(step), parts, part);
  const auto first = order_.begin() + begin + mine.begin;
  return {first, first + mine.count};
}

std::vector<std::int64_t> MinibatchSampler::order(std::uint64_t seed, std::uint64_t stream, std::int64_t pass,
                                                  std::int64_t items) {
  const CounterRng rng(seed, stream);
  const auto n = static_cast<std::size_t>(items);
  std::vector<std::uint64_t> key(n);
  for (std::size_t i = 0; i < n; ++i) key[i] = rng.bits(i, static_cast<std::uint64_t>(pass)).v[0];
  std::vector<std::int64_t> out(n);
  std::iota(out.begin(), out.end(), 0);
  std::sort(out.begin(), out.end(), [&](std::int64_t a, std::int64_t b) {
    const auto ka = key[static_cast<std::size_t>(a)], kb = key[static_cast<std::size_t>(b)];
    return ka != kb ? ka < kb : a < b;
  });
  return out;
}

}  // namespace structura::nn
