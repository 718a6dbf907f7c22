// The stage plugin of `pullback` (see stage_module.hpp): the only part of
// the kind that maps libtorch.
#include "experiments/pullback/stages.hpp"

namespace structura::pipeline::pullback {
namespace {
void data_body(StageContext& c, const std::string&) { data(c); }
void evaluate_body(StageContext& c, const std::string&) { evaluate(c); }
}  // namespace
}  // namespace structura::pipeline::pullback

namespace kind = structura::pipeline::pullback;
STRUCTURA_STAGE_MODULE(pullback, {"data", kind::data_body}, {"train", kind::train}, {"evaluate", kind::evaluate_body})
