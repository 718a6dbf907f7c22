// Stage bodies of the `pullback` kind (see kind.cpp).
#pragma once

#include <string>

#include "config/config.hpp"
#include "experiments/stage_module.hpp"
#include "run/stage_context.hpp"

namespace structura::pipeline::pullback {

void data(StageContext& ctx);
void train(StageContext& ctx, const std::string& method);
void evaluate(StageContext& ctx);
std::string summary(const Config& c, const std::string& result_file);

}  // namespace structura::pipeline::pullback
