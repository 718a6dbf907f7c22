// The stage plugin of `hamiltonian.ensemble` (see stage_module.hpp).
#include "experiments/hamiltonian_ensemble/stages.hpp"

namespace structura::pipeline::hamiltonian_ensemble {
namespace {
void initial_body(StageContext& c, const std::string&) { initial(c); }
void reference_body(StageContext& c, const std::string&) { reference(c); }
void metrics_body(StageContext& c, const std::string&) { metrics(c); }
}  // namespace
}  // namespace structura::pipeline::hamiltonian_ensemble

namespace kind = structura::pipeline::hamiltonian_ensemble;
STRUCTURA_STAGE_MODULE(hamiltonian_ensemble, {"initial", kind::initial_body}, {"reference", kind::reference_body},
                       {"integrate", kind::integrate}, {"metrics", kind::metrics_body})
