// The small parallel- and fan-beam problems the torch operator tests run on.
#pragma once

#include <string>
#include <vector>

#include "beams.hpp"

namespace structura::tomography::testing {

struct Problem {
  std::string name;
  ImageGeometry image;
  BeamGeometry beam;
};

// Rectangular images (ny != nx) so that a transposed index cannot pass.
inline std::vector<Problem> small_problems(int nx = 9, int ny = 7, int angles = 6, int detectors = 11) {
  ImageGeometry im;
  im.nx = nx;
  im.ny = ny;
  im.width = 2.0;
  im.height = 2.0 * ny / nx;
  return {{"parallel", im, parallel_beam(angles, detectors, 2.4 / detectors, 0.03)},
          {"fan", im, fan_beam(angles, detectors, 4.0 / detectors, 3.0, 1.0, 0.2)}};
}

}  // namespace structura::tomography::testing
