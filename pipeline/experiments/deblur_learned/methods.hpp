// The reconstruction methods of `deblur.learned` as a table: each entry
// makes its set-up once per stage (its blur operator K in its dtype, ||K||, a
// trained regulariser), then reconstructs one test observation at a time.
// Adding a method is one entry here, its keys in kind.cpp and settings.*,
// and its name in method_names().
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/h5.hpp"
#include "experiments/deblur_learned/settings.hpp"

namespace structura::pipeline::deblur_learned {

struct MethodInput {
  const Settings& settings;
  const h5::File& file;  // /data, /models
};

// One reconstruction: the image and, for an iterative method, its energy and
// gradient norm at x_0 .. x_K (history_length() values each, NaN after the stop).
struct Reconstruction {
  torch::Tensor x;  // (1, 1, n, n), any floating dtype
  std::vector<double> energy, gradient_norm;
};

class Method {
public:
  virtual ~Method() = default;
  // y: one observation (1, 1, n, n), float64.
  virtual Reconstruction reconstruct(const torch::Tensor& y) = 0;
  virtual int history_length() const { return 0; }
  // Attributes of /reconstructions/<method> beyond the images and timings.
  virtual void describe(h5::Group&) const {}
};

struct MethodEntry {
  const char* name;
  std::function<std::unique_ptr<Method>(const MethodInput&)> make;
};

// The entry named `name` (InputError naming reconstruction.methods otherwise).
const MethodEntry& find_method(const std::string& name);

}  // namespace structura::pipeline::deblur_learned
