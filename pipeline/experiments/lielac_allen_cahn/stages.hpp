// Stage bodies of the `lielac.allen_cahn` kind (see kind.cpp).
#pragma once

#include <string>

#include "config/config.hpp"
#include "experiments/stage_module.hpp"
#include "run/stage_context.hpp"

namespace structura::pipeline::lielac_allen_cahn {

void data(StageContext& ctx);
void train(StageContext& ctx);
void evaluate(StageContext& ctx);
void canonicalise(StageContext& ctx);
void metrics(StageContext& ctx);
std::string summary(const Config& c, const std::string& result_file);

}  // namespace structura::pipeline::lielac_allen_cahn
