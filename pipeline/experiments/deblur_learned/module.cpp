// The stage plugin of `deblur.learned` (see stage_module.hpp).
#include "experiments/deblur_learned/stages.hpp"

namespace structura::pipeline::deblur_learned {
namespace {
void data_body(StageContext& c, const std::string&) { data(c); }
void metrics_body(StageContext& c, const std::string&) { metrics(c); }
}  // namespace
}  // namespace structura::pipeline::deblur_learned

namespace kind = structura::pipeline::deblur_learned;
STRUCTURA_STAGE_MODULE(deblur_learned, {"data", kind::data_body}, {"train", kind::train},
                       {"reconstruct", kind::reconstruct}, {"metrics", kind::metrics_body})
