// Stage bodies of the `collapse.gmm` kind (see kind.cpp).
#pragma once

#include <string>

#include "config/config.hpp"
#include "experiments/stage_module.hpp"
#include "run/stage_context.hpp"

namespace structura::pipeline::collapse_gmm {

void generation(StageContext& ctx, const std::string& argument);
void metrics(StageContext& ctx);
std::string summary(const Config& c, const std::string& result_file);

}  // namespace structura::pipeline::collapse_gmm
