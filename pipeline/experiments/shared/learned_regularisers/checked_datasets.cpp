#include "experiments/shared/learned_regularisers/checked_datasets.hpp"

namespace structura::pipeline {

torch::Tensor read_checked_tensor(const h5::File& file, const std::string& path, const h5::Dims& dims) {
  const std::vector<double> v = open_checked(file, path, dims).read_all<double>();
  std::vector<std::int64_t> shape{static_cast<std::int64_t>(dims[0]), 1};
  for (std::size_t i = 1; i < dims.size(); ++i) shape.push_back(static_cast<std::int64_t>(dims[i]));
  return torch::from_blob(const_cast<double*>(v.data()), shape, torch::kFloat64).clone();
}

}  // namespace structura::pipeline
