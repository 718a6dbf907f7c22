#include "experiments/pullback/rows.hpp"

#include "experiments/shared/checked_dataset.hpp"

namespace structura::pipeline::pullback {

torch::Tensor read_rows(const h5::File& file, const DataSettings& d, const std::string& split, torch::Dtype dtype) {
  const Range rows = split == "train" ? d.split.train : split == "validation" ? d.split.validation : d.split.test;
  const h5::Dims dims{static_cast<hsize_t>(rows.count), static_cast<hsize_t>(d.ambient)};
  std::vector<double> values = open_checked(file, "/data/" + split, dims).read_all<double>();
  return torch::tensor(values, torch::kFloat64).reshape({rows.count, d.ambient}).to(dtype);
}

}  // namespace structura::pipeline::pullback
