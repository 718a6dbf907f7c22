#include "experiments/deblur_learned/pairs.hpp"

#include "experiments/shared/learned_regularisers/checked_datasets.hpp"

namespace structura::pipeline::deblur_learned {

Pairs read_pairs(const h5::File& file, const DataSettings& d, const std::string& split) {
  const auto count = static_cast<hsize_t>(split_count(d, split)), n = static_cast<hsize_t>(d.size);
  const std::string g = "/data/" + split + "/";
  return {read_checked_tensor(file, g + "truth", {count, n, n}),
          read_checked_tensor(file, g + "observation", {count, n, n})};
}

}  // namespace structura::pipeline::deblur_learned
