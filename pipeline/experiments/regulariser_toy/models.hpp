// The critics of `regulariser.toy` by name, and their place in result.h5
// (/models/<name>: parameters and the architecture as attributes).
#pragma once

#include <memory>
#include <string>

#include "core/h5.hpp"
#include "experiments/regulariser_toy/settings.hpp"
#include "regularisers/point_models.hpp"

namespace structura::pipeline::regulariser_toy {

// A fresh critic, initialised from `seed`, in `dtype`.
std::shared_ptr<regularisers::Regulariser> make_critic(const Settings& s, const std::string& name, std::uint64_t seed,
                                                       torch::Dtype dtype);
void save_critic(h5::Group& models, const Settings& s, const std::string& name, regularisers::Regulariser& critic);
// InputError naming the tensor when /models/<name> holds another architecture.
std::shared_ptr<regularisers::Regulariser> load_critic(const h5::Group& models, const Settings& s,
                                                       const std::string& name, torch::Dtype dtype);

}  // namespace structura::pipeline::regulariser_toy
