// The stage `metrics` of the learned kinds (ct.learned, deblur.learned):
// PSNR and SSIM of every method's test reconstructions
// (/reconstructions/<method>/images) against /data/test/truth
// (tomography/metrics.hpp, which follows scikit-image; the data range
// max - min of each truth, or a fixed one), their mean and standard deviation over the test set, the
// reconstruction time per image, and for every trained regulariser its
// training time. Every rank computes the same numbers from the whole
// images; a NaN image or score stops the stage (NumericalError) before
// /metrics is touched.
//
// Writes /metrics/<method>/{psnr, ssim, psnr_mean, psnr_std, ssim_mean,
// ssim_std, seconds_per_image} and /metrics/<regulariser>/training_seconds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "run/stage_context.hpp"

namespace structura::pipeline {

// test: images of the test split, each n x n. data_range > 0: that range
// for every image (/metrics attribute data_range says which). Collective
// (every rank writes).
void write_learned_metrics(StageContext& ctx, const std::vector<std::string>& methods,
                           const std::vector<std::string>& regularisers, std::int64_t n, std::int64_t test,
                           double data_range = 0);

}  // namespace structura::pipeline
