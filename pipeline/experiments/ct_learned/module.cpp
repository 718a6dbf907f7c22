// The stage plugin of `ct.learned` (see stage_module.hpp).
#include "experiments/ct_learned/stages.hpp"

namespace structura::pipeline::ct_learned {
namespace {
void data_body(StageContext& c, const std::string&) { data(c); }
void metrics_body(StageContext& c, const std::string&) { metrics(c); }
}  // namespace
}  // namespace structura::pipeline::ct_learned

namespace kind = structura::pipeline::ct_learned;
STRUCTURA_STAGE_MODULE(ct_learned, {"data", kind::data_body}, {"train", kind::train},
                       {"reconstruct", kind::reconstruct}, {"metrics", kind::metrics_body})
