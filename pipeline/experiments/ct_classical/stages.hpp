// Stage bodies of the `ct.classical` kind (see ct_classical.cpp).
#pragma once

#include <string>

#include "config/config.hpp"
#include "experiments/stage_module.hpp"
#include "run/stage_context.hpp"

namespace structura::pipeline::ct_classical {

void phantoms(StageContext& ctx);
void sinograms(StageContext& ctx);
void reconstruct(StageContext& ctx, const std::string& method);
void metrics(StageContext& ctx);
std::string summary(const Config& c, const std::string& result_file);

// The ParaView sidecar: XDMF text describing /fields/truth of `h5_name`
// (P, n, n) as a series of 2D uniform grids on [-extent/2, extent/2]^2.
std::string truth_xdmf(const std::string& h5_name, long phantoms, int n, double extent);

}  // namespace structura::pipeline::ct_classical
