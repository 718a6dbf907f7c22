// PSNR and SSIM of a stack of reconstructions against their truths, as the
// CT kinds' metrics stages compute them: data range max - min of each truth
// (the CT literature's; tomography/metrics.hpp follows scikit-image). A NaN
// or Inf pixel, or a NaN score (a constant truth), is a NumericalError
// naming the method and the image: it is never a result.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/h5.hpp"

namespace structura::pipeline {

struct CtScores {
  std::vector<double> psnr, ssim;  // per image
};

// truth, images: (count, n, n) row-major. `method` and `item` ("phantom",
// "test image") name what failed. data_range > 0: that range for every
// image (natural images in [0, 1]: 1) instead of each truth's max - min.
CtScores score_images(const std::vector<double>& truth, const std::vector<double>& images, int n, std::int64_t count,
                      const std::string& method, const std::string& item, double data_range = 0);

// The scores as /metrics/<method>/ figures in `g`: psnr and ssim per image,
// their means and sample standard deviations (psnr_mean, psnr_std,
// ssim_mean, ssim_std: what the report's comparison tables show). `items`
// names the images in the meanings ("phantoms", "test images").
void write_scores(h5::Group& g, const CtScores& scores, const std::string& items);

}  // namespace structura::pipeline
