// The `lielac.pde` model (a 1-D Fourier neural operator, u0 -> u(., T)),
// its storage under /models/<variant>, and the data splits as tensors.
#pragma once

#include <torch/torch.h>

#include <string>

#include "core/h5.hpp"
#include "experiments/lielac_pde/settings.hpp"
#include "neural_operators/fno.hpp"

namespace structura::pipeline::lielac_pde {

// Initialised from `seed` (torch's generator), in `dtype`.
neural_operators::Fno1d make_model(const Settings& s, std::uint64_t seed, torch::Dtype dtype);
void save_model(h5::Group& models, const std::string& variant, const Settings& s, neural_operators::Fno1d& model);
neural_operators::Fno1d load_model(const h5::Group& models, const std::string& variant, const Settings& s,
                                   torch::Dtype dtype);

struct Pairs {
  torch::Tensor u0, uT;  // (n, P), float64, CPU
};
// /data/<split>/{u0, uT}, checked against (count, P): InputError naming the
// file and the dataset when missing or of another shape.
Pairs read_pairs(const h5::File& file, const std::string& split, std::int64_t count, std::int64_t points);
// /data/<split>/transform (count, 3).
torch::Tensor read_transforms(const h5::File& file, const std::string& split, std::int64_t count);

// Rows of a float64 (n, P) tensor as vectors and back.
std::vector<double> row(const torch::Tensor& t, std::int64_t i);
torch::Tensor rows_to_tensor(const std::vector<std::vector<double>>& rows);

}  // namespace structura::pipeline::lielac_pde
