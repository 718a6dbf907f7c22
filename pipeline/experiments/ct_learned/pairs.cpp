#include "experiments/ct_learned/pairs.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"

namespace structura::pipeline::ct_learned {

namespace {

hsize_t H(std::int64_t x) { return static_cast<hsize_t>(x); }

torch::Tensor read_tensor(const h5::File& file, const std::string& path, const h5::Dims& dims) {
  const std::vector<double> v = open_checked(file, path, dims).read_all<double>();
  std::vector<std::int64_t> shape{static_cast<std::int64_t>(dims[0]), 1};
  for (std::size_t i = 1; i < dims.size(); ++i) shape.push_back(static_cast<std::int64_t>(dims[i]));
  return torch::from_blob(const_cast<double*>(v.data()), shape, torch::kFloat64).clone();
}

}  // namespace

std::int64_t split_count(const DataSettings& d, const std::string& split) {
  for (const SplitIndex& s : splits(d))
    if (s.name == split) return s.count;
  throw Error(fmt::format("ct.learned: no data split '{}'", split));
}

h5::Dataset open_checked(const h5::File& file, const std::string& path, const h5::Dims& dims) {
  if (!file.exists(path))
    throw InputError(
        fmt::format("{}: the data set {} is missing (rerun the data stage: structura run --force)", file.path(), path));
  h5::Dataset d = file.open_dataset(path);
  if (d.dims() != dims)
    throw InputError(fmt::format("{}: {} has shape ({}), the settings need ({})", file.path(), path,
                                 fmt::join(d.dims(), ", "), fmt::join(dims, ", ")));
  return d;
}

Pairs read_pairs(const h5::File& file, const DataSettings& d, const std::string& split) {
  const std::int64_t count = split_count(d, split);
  const int n = d.image.nx;
  const auto angles = static_cast<std::int64_t>(d.beam.angles.size());
  const std::string g = "/data/" + split + "/";
  return {read_tensor(file, g + "truth", {H(count), H(n), H(n)}),
          read_tensor(file, g + "sinogram", {H(count), H(angles), H(d.beam.detectors)}),
          read_tensor(file, g + "fbp", {H(count), H(n), H(n)})};
}

}  // namespace structura::pipeline::ct_learned
