// Block partition of N global items over P ranks: rank r owns the contiguous
// range [begin, begin + count). The first N % P ranks own one item more.
#pragma once

#include <cstdint>

namespace structura {

struct Range {
  std::int64_t begin = 0;
  std::int64_t count = 0;
  std::int64_t end() const { return begin + count; }
};

inline Range block_range(std::int64_t n, int parts, int part) {
  const std::int64_t base = n / parts;
  const std::int64_t extra = n % parts;
  const std::int64_t count = base + (part < extra ? 1 : 0);
  const std::int64_t begin = part * base + (part < extra ? part : extra);
  return {begin, count};
}

}  // namespace structura
