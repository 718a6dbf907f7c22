// Stage bodies of the `sympflow` kind (see sympflow.cpp).
#pragma once

#include <string>

#include "config/config.hpp"
#include "experiments/stage_module.hpp"
#include "run/stage_context.hpp"

namespace structura::pipeline::sympflow {

void data(StageContext& ctx);
void train(StageContext& ctx, const std::string& variant);
void evaluate(StageContext& ctx);
std::string summary(const Config& c, const std::string& result_file);

}  // namespace structura::pipeline::sympflow
