// The [noise] table the CT kinds share (ct.classical, ct.learned): which
// measurement noise the simulated sinograms get, declared once and read
// once. No tomography here: `structura validate` reads it without the
// CT library; ct_simulation.hpp applies it.
#pragma once

#include <string>

#include "config/config.hpp"
#include "config/schema.hpp"

namespace structura::pipeline {

struct CtNoise {
  std::string kind = "gaussian";  // none, gaussian, poisson
  double level = 0.01;            // gaussian: sigma relative to the mean |sinogram|
  double photons = 1e4;           // poisson: incident photons per ray
};

// noise.kind, noise.level (default `level`), noise.photons.
void add_ct_noise_params(Schema& schema, double level);
CtNoise read_ct_noise(const Config& config);

}  // namespace structura::pipeline
