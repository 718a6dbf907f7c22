// The stage plugin of `lielac.allen_cahn` (see stage_module.hpp): the only
// part of the kind that maps libtorch and PETSc.
#include "experiments/lielac_allen_cahn/stages.hpp"

namespace structura::pipeline::lielac_allen_cahn {
namespace {
void data_body(StageContext& c, const std::string&) { data(c); }
void train_body(StageContext& c, const std::string&) { train(c); }
void evaluate_body(StageContext& c, const std::string&) { evaluate(c); }
void canonicalise_body(StageContext& c, const std::string&) { canonicalise(c); }
void metrics_body(StageContext& c, const std::string&) { metrics(c); }
}  // namespace
}  // namespace structura::pipeline::lielac_allen_cahn

namespace kind = structura::pipeline::lielac_allen_cahn;
STRUCTURA_STAGE_MODULE(lielac_allen_cahn, {"data", kind::data_body}, {"train", kind::train_body},
                       {"evaluate", kind::evaluate_body}, {"canonicalise", kind::canonicalise_body},
                       {"metrics", kind::metrics_body})
