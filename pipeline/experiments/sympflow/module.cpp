// The stage plugin of `sympflow` (see stage_module.hpp): the only one that
// maps libtorch.
#include "experiments/sympflow/stages.hpp"

namespace structura::pipeline::sympflow {
namespace {
void data_body(StageContext& c, const std::string&) { data(c); }
void evaluate_body(StageContext& c, const std::string&) { evaluate(c); }
}  // namespace
}  // namespace structura::pipeline::sympflow

namespace kind = structura::pipeline::sympflow;
STRUCTURA_STAGE_MODULE(sympflow, {"data", kind::data_body}, {"train", kind::train}, {"evaluate", kind::evaluate_body})
