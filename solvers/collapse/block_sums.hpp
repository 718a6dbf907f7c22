// Sums over many items (chains) that do not depend on the number of ranks,
// bit for bit. Items are grouped in fixed blocks of kChainBlock consecutive
// global indices; whole blocks are owned by ranks (block_range over the
// blocks), each block is summed in item order by its owner, the per-block
// partial sums are combined with one MPI_Allreduce in which every entry is
// non-zero on exactly one rank (x + 0 = x exactly), and every rank then adds
// the blocks in block order. Neither the grouping nor the order of any
// addition depends on the rank count.
#pragma once

#include <cstdint>
#include <vector>

#include "core/mpi.hpp"
#include "core/partition.hpp"

namespace structura::collapse {

inline constexpr std::int64_t kChainBlock = 256;

// The blocks of `items` items owned by this rank, and the items they hold.
struct BlockOwnership {
  std::int64_t blocks = 0;  // total blocks
  Range mine;               // this rank's blocks
  std::int64_t first_item(std::int64_t block) const { return block * kChainBlock; }
  std::int64_t end_item(std::int64_t block, std::int64_t items) const {
    return std::min(items, (block + 1) * kChainBlock);
  }
};

inline BlockOwnership own_blocks(std::int64_t items, const mpi::Comm& comm) {
  BlockOwnership b;
  b.blocks = (items + kChainBlock - 1) / kChainBlock;
  b.mine = comm.block(b.blocks);
  return b;
}

// `partial` holds `width` sums per block (blocks × width, zero outside this
// rank's blocks); returns the `width` totals, identical on every rank count.
inline std::vector<double> reduce_blocks(std::vector<double>& partial, std::int64_t width, const mpi::Comm& comm) {
  comm.sum_in_place(partial);
  std::vector<double> total(static_cast<std::size_t>(width), 0.0);
  const std::int64_t blocks = static_cast<std::int64_t>(partial.size()) / width;
  for (std::int64_t b = 0; b < blocks; ++b)
    for (std::int64_t k = 0; k < width; ++k) total[k] += partial[b * width + k];
  return total;
}

}  // namespace structura::collapse
