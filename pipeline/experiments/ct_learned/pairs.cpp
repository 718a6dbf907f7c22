#include "experiments/ct_learned/pairs.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace structura::pipeline::ct_learned {

namespace {

hsize_t H(std::int64_t x) { return static_cast<hsize_t>(x); }

}  // namespace

std::int64_t split_count(const DataSettings& d, const std::string& split) {
  for (const SplitIndex& s : splits(d))
    if (s.name == split) return s.count;
  throw Error(fmt::format("ct.learned: no data split '{}'", split));
}

Pairs read_pairs(const h5::File& file, const DataSettings& d, const std::string& split) {
  const std::int64_t count = split_count(d, split);
  const int n = d.image.nx;
  const auto angles = static_cast<std::int64_t>(d.beam.angles.size());
  const std::string g = "/data/" + split + "/";
  return {read_checked_tensor(file, g + "truth", {H(count), H(n), H(n)}),
          read_checked_tensor(file, g + "sinogram", {H(count), H(angles), H(d.beam.detectors)}),
          read_checked_tensor(file, g + "fbp", {H(count), H(n), H(n)})};
}

}  // namespace structura::pipeline::ct_learned
