// Stage bodies of the `lielac.pde` kind (see kind.cpp).
#pragma once

#include <string>

#include "config/config.hpp"
#include "experiments/stage_module.hpp"
#include "run/stage_context.hpp"

namespace structura::pipeline::lielac_pde {

void data(StageContext& ctx);
void train(StageContext& ctx, const std::string& variant);
void evaluate(StageContext& ctx);
void canonicalise(StageContext& ctx);
void metrics(StageContext& ctx);
std::string summary(const Config& c, const std::string& result_file);

}  // namespace structura::pipeline::lielac_pde
