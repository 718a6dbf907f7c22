// Whether an acquisition geometry sees the image at all: a detector spacing
// too large for the image (e.g. 128 detectors 10 apart around a 2 x 2 image)
// leaves every ray outside it, A = 0, and every reconstruction of the data
// meaningless (LSQR divides by ‖Aᵀ u‖ = 0). Validation refuses such a
// geometry instead of running it.
#pragma once

#include "tomography/geometry.hpp"

namespace structura::tomography {

// True when at least one ray (angle, detector centre; the line as in
// geometry.hpp) passes through the interior of the image rectangle. Cost:
// per angle only the detectors within the image's bounding circle are
// looked at, and it returns at the first ray found (the first angle's
// central detector for any sensible geometry).
bool some_ray_crosses_image(const ImageGeometry& image, const BeamGeometry& beam);

}  // namespace structura::tomography
