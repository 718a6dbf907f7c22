#include "experiments/shared/ct_noise.hpp"

namespace structura::pipeline {

void add_ct_noise_params(Schema& s, double level) {
  s.add({"noise.kind",
         Type::String,
         std::string("gaussian"),
         "measurement noise",
         {},
         {},
         std::vector<std::string>{"none", "gaussian", "poisson"}});
  s.add({"noise.level", Type::Float, level, "gaussian: standard deviation relative to the mean |sinogram|", 0.0});
  s.add({"noise.photons", Type::Float, 1e4, "poisson: incident photons I0 per ray", above(0.0)});
}

CtNoise read_ct_noise(const Config& c) {
  return {c.get_string("noise.kind"), c.get_float("noise.level"), c.get_float("noise.photons")};
}

}  // namespace structura::pipeline
