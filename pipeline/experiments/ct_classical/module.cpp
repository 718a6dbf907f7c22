// The stage plugin of `ct.classical` (see stage_module.hpp).
#include "experiments/ct_classical/stages.hpp"

namespace structura::pipeline::ct_classical {
namespace {
void phantoms_body(StageContext& c, const std::string&) { phantoms(c); }
void sinograms_body(StageContext& c, const std::string&) { sinograms(c); }
void metrics_body(StageContext& c, const std::string&) { metrics(c); }
}  // namespace
}  // namespace structura::pipeline::ct_classical

namespace kind = structura::pipeline::ct_classical;
STRUCTURA_STAGE_MODULE(ct_classical, {"phantoms", kind::phantoms_body}, {"sinograms", kind::sinograms_body},
                       {"reconstruct", kind::reconstruct}, {"metrics", kind::metrics_body})
