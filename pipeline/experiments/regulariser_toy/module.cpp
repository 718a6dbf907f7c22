// The stage plugin of `regulariser.toy` (see stage_module.hpp): the only
// part of the kind that maps libtorch.
#include "experiments/regulariser_toy/stages.hpp"

namespace structura::pipeline::regulariser_toy {
namespace {
void evaluate_body(StageContext& c, const std::string&) { evaluate(c); }
}  // namespace
}  // namespace structura::pipeline::regulariser_toy

namespace kind = structura::pipeline::regulariser_toy;
STRUCTURA_STAGE_MODULE(regulariser_toy, {"train", kind::train}, {"evaluate", kind::evaluate_body})
