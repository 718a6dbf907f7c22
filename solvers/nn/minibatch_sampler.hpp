// The keyed shuffle: which items a training step's minibatch holds, as a
// pure function of (seed, stream, step). Pass p orders the items by a 64-bit
// key drawn from CounterRng(seed, stream) at (item, p), ties by index, and
// cuts that order into minibatches of `batch` items (the last of a pass may
// be shorter). No state survives a step, so a resumed training draws the
// same minibatches, and a rank's share is a block of the global minibatch,
// so the union over ranks does not depend on the number of ranks.
#pragma once

#include <cstdint>
#include <vector>

#include "core/partition.hpp"

namespace structura::nn {

class MinibatchSampler {
public:
  // InputError for items < 1 or batch < 1.
  MinibatchSampler(std::uint64_t seed, std::uint64_t stream, std::int64_t items, std::int64_t batch);

  std::int64_t items() const { return items_; }
  // Optimizer steps per pass over the items: ceil(items / batch).
  std::int64_t batches_per_pass() const { return (items_ + batch_ - 1) / batch_; }
  // Items in step's global minibatch (the divisor of a mean over it).
  std::int64_t batch_size(std::int64_t step) const;
  // The global indices of step's minibatch that part `part` of `parts`
  // owns (a block_range of it; all of it for parts = 1), in shuffled order.
  // Keeps the current pass's order, so consecutive steps shuffle once.
  std::vector<std::int64_t> indices(std::int64_t step, int parts = 1, int part = 0);

  // The order of pass `pass`: a permutation of 0 .. items - 1.
  static std::vector<std::int64_t> order(std::uint64_t seed, std::uint64_t stream, std::int64_t pass,
                                         std::int64_t items);

private:
  std::uint64_t seed_, stream_;
  std::int64_t items_, batch_;
  std::int64_t pass_ = -1;  // the pass whose order_ is held
  std::vector<std::int64_t> order_;
};

}  // namespace structura::nn
