// Building the libtorch model of a variant, and storing it in / loading it
// from /models/<variant> of the result file (parameters as datasets, the
// architecture as attributes).
#pragma once

#include <memory>
#include <string>

#include "core/h5.hpp"
#include "experiments/sympflow/settings.hpp"
#include "hamiltonian/sympflow/flow_model.hpp"

namespace structura::pipeline::sympflow {

// Initial weights from libtorch's generator seeded with `seed` (identical on
// every rank), in `dtype`.
std::shared_ptr<hamiltonian::sympflow::FlowModel> make_model(const Settings& s, const Variant& v, std::uint64_t seed,
                                                             torch::Dtype dtype);

void save_model(h5::Group& models, const Settings& s, const Variant& v, hamiltonian::sympflow::FlowModel& model);
// A fresh model of the variant with the parameters stored under models/<variant>.
std::shared_ptr<hamiltonian::sympflow::FlowModel> load_model(const h5::Group& models, const Settings& s,
                                                             const Variant& v, torch::Dtype dtype);

}  // namespace structura::pipeline::sympflow
