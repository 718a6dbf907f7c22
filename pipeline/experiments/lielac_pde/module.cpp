// The stage plugin of `lielac.pde` (see stage_module.hpp): the only part of
// the kind that maps libtorch and PETSc.
#include "experiments/lielac_pde/stages.hpp"

namespace structura::pipeline::lielac_pde {
namespace {
void data_body(StageContext& c, const std::string&) { data(c); }
void evaluate_body(StageContext& c, const std::string&) { evaluate(c); }
void canonicalise_body(StageContext& c, const std::string&) { canonicalise(c); }
void metrics_body(StageContext& c, const std::string&) { metrics(c); }
}  // namespace
}  // namespace structura::pipeline::lielac_pde

namespace kind = structura::pipeline::lielac_pde;
STRUCTURA_STAGE_MODULE(lielac_pde, {"data", kind::data_body}, {"train", kind::train},
                       {"evaluate", kind::evaluate_body}, {"canonicalise", kind::canonicalise_body},
                       {"metrics", kind::metrics_body})
