// The `lielac.allen_cahn` model (a 2-D Fourier neural operator, u0 -> u(., T)
// on the M x M model grid), its storage under /model, and the data splits
// as tensors (sample, y, x).
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "core/h5.hpp"
#include "experiments/lielac_allen_cahn/settings.hpp"
#include "neural_operators/fno.hpp"

namespace structura::pipeline::lielac_allen_cahn {

// Initialised from `seed` (torch's generator), in `dtype`.
neural_operators::Fno2d make_model(const Settings& s, std::uint64_t seed, torch::Dtype dtype);
void save_model(h5::File& file, const Settings& s, neural_operators::Fno2d& model);
neural_operators::Fno2d load_model(const h5::File& file, const Settings& s, torch::Dtype dtype);

struct Pairs {
  torch::Tensor u0, uT;  // (n, M, M), float64, CPU
};
// /data/<split>/{u0, uT}, checked against (count, M, M): InputError naming
// the file and the dataset when missing or of another shape.
Pairs read_pairs(const h5::File& file, const std::string& split, std::int64_t count, std::int64_t points);
// /data/<split>/<name> (count, columns).
torch::Tensor read_table(const h5::File& file, const std::string& path, std::int64_t count, std::int64_t columns);

// A field of a float64 (n, M, M) tensor as a row-major vector and back.
std::vector<double> field(const torch::Tensor& t, std::int64_t i);
torch::Tensor fields_to_tensor(const std::vector<std::vector<double>>& fields, std::int64_t points);

}  // namespace structura::pipeline::lielac_allen_cahn
