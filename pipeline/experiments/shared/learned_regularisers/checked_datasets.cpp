#include "experiments/shared/learned_regularisers/checked_datasets.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"

namespace structura::pipeline {

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

torch::Tensor read_checked_tensor(const h5::File& file, const std::string& path, const h5::Dims& dims) {
  const std::vector<double> v = open_checked(file, path, dims).read_all<double>();
  std::vector<std::int64_t> shape{static_cast<std::int64_t>(dims[0]), 1};
  for (std::size_t i = 1; i < dims.size(); ++i) shape.push_back(static_cast<std::int64_t>(dims[i]));
  return torch::from_blob(const_cast<double*>(v.data()), shape, torch::kFloat64).clone();
}

}  // namespace structura::pipeline
