// PSNR and SSIM of a stack of reconstructions against their truths, as the
// CT kinds' metrics stages compute them: data range max - min of each truth
// (the CT literature's; tomography/metrics.hpp follows scikit-image). A NaN
// or Inf pixel, or a NaN score (a constant truth), is a NumericalError
// naming the method and the image: it is never a result.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace structura::pipeline {

struct CtScores {
  std::vector<double> psnr, ssim;  // per image
};

// truth, images: (count, n, n) row-major. `method` and `item` ("phantom",
// "test image") name what failed.
CtScores score_images(const std::vector<double>& truth, const std::vector<double>& images, int n, std::int64_t count,
                      const std::string& method, const std::string& item);

}  // namespace structura::pipeline
