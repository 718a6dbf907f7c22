// The stage plugin of `collapse.gmm` (see stage_module.hpp).
#include "experiments/collapse_gmm/stages.hpp"

namespace structura::pipeline::collapse_gmm {
namespace {
void metrics_body(StageContext& c, const std::string&) { metrics(c); }
}  // namespace
}  // namespace structura::pipeline::collapse_gmm

namespace kind = structura::pipeline::collapse_gmm;
STRUCTURA_STAGE_MODULE(collapse_gmm, {"generation", kind::generation}, {"metrics", kind::metrics_body})
