#include "tomography/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.hpp"

namespace structura::tomography {

double data_range_of(const double* image, long size) {
  require(size > 0, "image: empty");
  const auto [lo, hi] = std::minmax_element(image, image + size);
  require(std::isfinite(*lo) && std::isfinite(*hi), "image: not finite");
  return *hi - *lo;
}

double psnr(const double* truth, const double* test, long size, double data_range) {
  require(size > 0, "image: empty");
  require(data_range > 0.0, "data_range: must be positive, got " + std::to_string(data_range));
  double sum = 0.0;
  for (long i = 0; i < size; ++i) {
    const double d = truth[i] - test[i];
    sum += d * d;
  }
  const double mse = sum / static_cast<double>(size);
  if (mse == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(data_range * data_range / mse);
}

double psnr(const std::vector<double>& truth, const std::vector<double>& test) {
  require(truth.size() == test.size(), "test image: size differs from the truth");
  const long n = static_cast<long>(truth.size());
  return psnr(truth.data(), test.data(), n, data_range_of(truth.data(), n));
}

namespace {

// scipy.ndimage's 'reflect' mode: the edge sample is repeated, period 2n.
int reflect(int i, int n) {
  const int period = 2 * n;
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - 1 - i;
}

// Separable correlation with `w` (odd length, symmetric), axis 0 then axis 1
// as scipy.ndimage.gaussian_filter does.
std::vector<double> gaussian_filter(const std::vector<double>& in, int rows, int cols, const std::vector<double>& w) {
  const int r = static_cast<int>(w.size()) / 2;
  std::vector<double> tmp(in.size()), out(in.size());
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) {
      double s = 0.0;
      for (int k = -r; k <= r; ++k) s += w[k + r] * in[static_cast<long>(reflect(i + k, rows)) * cols + j];
      tmp[static_cast<long>(i) * cols + j] = s;
    }
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) {
      double s = 0.0;
      for (int k = -r; k <= r; ++k) s += w[k + r] * tmp[static_cast<long>(i) * cols + reflect(j + k, cols)];
      out[static_cast<long>(i) * cols + j] = s;
    }
  return out;
}

}  // namespace

double ssim(const double* truth, const double* test, int rows, int cols, double data_range,
            const SsimOptions& options) {
  require(options.sigma > 0.0, "ssim sigma: must be positive");
  require(options.k1 >= 0.0 && options.k2 >= 0.0, "ssim K1/K2: must be >= 0");
  require(data_range > 0.0, "data_range: must be positive, got " + std::to_string(data_range));
  // scipy: radius = int(truncate * sigma + 0.5); weights exp(-x^2 / (2 sigma^2)), normalised.
  const int radius = static_cast<int>(options.truncate * options.sigma + 0.5);
  const int win = 2 * radius + 1;
  require(rows >= win && cols >= win,
          "image: SSIM needs at least " + std::to_string(win) + " x " + std::to_string(win) + " pixels");
  std::vector<double> w(win);
  double wsum = 0.0;
  for (int k = -radius; k <= radius; ++k)
    wsum += (w[k + radius] = std::exp(-0.5 * k * k / (options.sigma * options.sigma)));
  for (auto& v : w) v /= wsum;

  const long n = static_cast<long>(rows) * cols;
  std::vector<double> x(truth, truth + n), y(test, test + n), xx(n), yy(n), xy(n);
  for (long i = 0; i < n; ++i) {
    xx[i] = x[i] * x[i];
    yy[i] = y[i] * y[i];
    xy[i] = x[i] * y[i];
  }
  const auto ux = gaussian_filter(x, rows, cols, w), uy = gaussian_filter(y, rows, cols, w);
  const auto uxx = gaussian_filter(xx, rows, cols, w), uyy = gaussian_filter(yy, rows, cols, w);
  const auto uxy = gaussian_filter(xy, rows, cols, w);
  const double c1 = (options.k1 * data_range) * (options.k1 * data_range);
  const double c2 = (options.k2 * data_range) * (options.k2 * data_range);
  // Mean over the map with `radius` pixels cropped at every border.
  double sum = 0.0;
  for (int i = radius; i < rows - radius; ++i)
    for (int j = radius; j < cols - radius; ++j) {
      const long p = static_cast<long>(i) * cols + j;
      const double vx = uxx[p] - ux[p] * ux[p], vy = uyy[p] - uy[p] * uy[p], vxy = uxy[p] - ux[p] * uy[p];
      const double a1 = 2.0 * ux[p] * uy[p] + c1, a2 = 2.0 * vxy + c2;
      const double b1 = ux[p] * ux[p] + uy[p] * uy[p] + c1, b2 = vx + vy + c2;
      sum += a1 * a2 / (b1 * b2);
    }
  return sum / (static_cast<double>(rows - 2 * radius) * (cols - 2 * radius));
}

double ssim(const std::vector<double>& truth, const std::vector<double>& test, int rows, int cols) {
  const long n = static_cast<long>(rows) * cols;
  require(static_cast<long>(truth.size()) == n, "truth image: size is not rows x cols");
  require(static_cast<long>(test.size()) == n, "test image: size is not rows x cols");
  return ssim(truth.data(), test.data(), rows, cols, data_range_of(truth.data(), n));
}

}  // namespace structura::tomography
