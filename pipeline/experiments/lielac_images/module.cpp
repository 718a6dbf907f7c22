// The stage plugin of `lielac.images` (see stage_module.hpp): the only part of
// the kind that maps libtorch.
#include "experiments/lielac_images/stages.hpp"

namespace structura::pipeline::lielac_images {
namespace {
void data_body(StageContext& c, const std::string&) { data(c); }
void evaluate_body(StageContext& c, const std::string&) { evaluate(c); }
void canonicalise_body(StageContext& c, const std::string&) { canonicalise(c); }
void metrics_body(StageContext& c, const std::string&) { metrics(c); }
}  // namespace
}  // namespace structura::pipeline::lielac_images

namespace kind = structura::pipeline::lielac_images;
STRUCTURA_STAGE_MODULE(lielac_images, {"data", kind::data_body}, {"train", kind::train},
                       {"evaluate", kind::evaluate_body}, {"canonicalise", kind::canonicalise_body},
                       {"metrics", kind::metrics_body})
