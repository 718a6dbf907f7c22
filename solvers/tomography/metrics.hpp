// Image quality metrics exactly as scikit-image computes them (0.19), so
// numbers are comparable with the literature's Python pipelines. Images are
// rows x cols, row-major, in double precision.
//
// PSNR = 10 log10(data_range^2 / MSE), MSE the mean of (truth - test)^2
//   (skimage.metrics.peak_signal_noise_ratio(truth, test, data_range=...));
//   +inf when the images are equal.
// SSIM = skimage.metrics.structural_similarity(truth, test,
//   data_range=..., gaussian_weights=True, sigma=1.5,
//   use_sample_covariance=False, K1=0.01, K2=0.03):
//   local means, variances and covariance from scipy.ndimage.gaussian_filter
//   (sigma, truncate 3.5 -> radius int(3.5 sigma + 0.5) = 5, an 11-tap
//   normalised kernel; separable, 'reflect' boundary = half-sample
//   symmetric, d c b a | a b c d | d c b a), population covariances,
//   C1 = (K1 R)^2, C2 = (K2 R)^2, and the mean of the SSIM map after
//   cropping (win_size - 1) / 2 = 5 pixels at every border.
// The data range convention of the CT literature is max - min of the
// ground truth (the default overloads).
#pragma once

#include <vector>

namespace structura::tomography {

struct SsimOptions {
  double sigma = 1.5;
  double k1 = 0.01;
  double k2 = 0.03;
  double truncate = 3.5;
};

// max - min of the image; InputError if empty or not finite.
double data_range_of(const double* image, long size);

double psnr(const double* truth, const double* test, long size, double data_range);
double psnr(const std::vector<double>& truth, const std::vector<double>& test);

// InputError unless rows and cols are >= the window (2 radius + 1) and
// data_range > 0.
double ssim(const double* truth, const double* test, int rows, int cols, double data_range,
            const SsimOptions& options = {});
double ssim(const std::vector<double>& truth, const std::vector<double>& test, int rows, int cols);

}  // namespace structura::tomography
