#include "experiments/shared/checked_dataset.hpp"

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

}  // namespace structura::pipeline
