#include "tomography/metrics.hpp"

#include <algorithm>
#include <array>
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

// The five local moments (means of x, y, x², y², xy under the window) of one
// output row, filtered along axis 0 then axis 1 as scipy.ndimage's separable
// gaussian_filter does (same order of summation). Only rows and columns at
// least `radius` from the border are ever needed (the mean is cropped there),
// so the window never leaves the image and scipy's 'reflect' padding never
// applies. Working one row at a time keeps SSIM's memory at a few rows
// instead of ten whole images (80 MiB at 1024²).
class SsimRow {
public:
  SsimRow(const double* x, const double* y, int cols, const std::vector<double>& w)
      : x_(x), y_(y), cols_(cols), w_(w), column_(5 * static_cast<std::size_t>(cols)) {}

  // Axis 0 for every column of output row i (radius <= i < rows - radius).
  void filter_columns(int i) {
    const int r = static_cast<int>(w_.size()) / 2;
    double* ux = column_.data();
    double *uy = ux + cols_, *uxx = uy + cols_, *uyy = uxx + cols_, *uxy = uyy + cols_;
    std::fill(column_.begin(), column_.end(), 0.0);
    for (int k = -r; k <= r; ++k) {
      const double wk = w_[k + r];
      const double* xr = x_ + static_cast<long>(i + k) * cols_;
      const double* yr = y_ + static_cast<long>(i + k) * cols_;
      for (int j = 0; j < cols_; ++j) {
        ux[j] += wk * xr[j];
        uy[j] += wk * yr[j];
        uxx[j] += wk * (xr[j] * xr[j]);
        uyy[j] += wk * (yr[j] * yr[j]);
        uxy[j] += wk * (xr[j] * yr[j]);
      }
    }
  }

  // Axis 1 at column j (radius <= j < cols - radius): the five moments.
  std::array<double, 5> moments(int j) const {
    const int r = static_cast<int>(w_.size()) / 2;
    std::array<double, 5> m{};
    for (int q = 0; q < 5; ++q) {
      const double* row = column_.data() + static_cast<std::size_t>(q) * cols_;
      double s = 0.0;
      for (int k = -r; k <= r; ++k) s += w_[k + r] * row[j + k];
      m[q] = s;
    }
    return m;
  }

private:
  const double* x_;
  const double* y_;
  int cols_;
  const std::vector<double>& w_;
  std::vector<double> column_;  // ux, uy, uxx, uyy, uxy of the row, each `cols` long
};

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

  const double c1 = (options.k1 * data_range) * (options.k1 * data_range);
  const double c2 = (options.k2 * data_range) * (options.k2 * data_range);
  // Mean over the map with `radius` pixels cropped at every border.
  SsimRow row(truth, test, cols, w);
  double sum = 0.0;
  for (int i = radius; i < rows - radius; ++i) {
    row.filter_columns(i);
    for (int j = radius; j < cols - radius; ++j) {
      const auto [ux, uy, uxx, uyy, uxy] = row.moments(j);
      const double vx = uxx - ux * ux, vy = uyy - uy * uy, vxy = uxy - ux * uy;
      const double a1 = 2.0 * ux * uy + c1, a2 = 2.0 * vxy + c2;
      const double b1 = ux * ux + uy * uy + c1, b2 = vx + vy + c2;
      sum += a1 * a2 / (b1 * b2);
    }
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
