// Stage bodies of the `regulariser.toy` kind (see kind.cpp).
#pragma once

#include <string>

#include "config/config.hpp"
#include "experiments/stage_module.hpp"
#include "run/stage_context.hpp"

namespace structura::pipeline::regulariser_toy {

void train(StageContext& ctx, const std::string& regulariser);
void evaluate(StageContext& ctx);
std::string summary(const Config& c, const std::string& result_file);

}  // namespace structura::pipeline::regulariser_toy
