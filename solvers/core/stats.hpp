// Small statistics used by metrics and tests.
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

namespace structura {

struct LineFit {
  double slope = 0;
  double intercept = 0;
};

// Ordinary least squares y = slope * x + intercept.
inline LineFit fit_line(std::span<const double> x, std::span<const double> y) {
  const std::size_t n = x.size();
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  LineFit f;
  f.slope = sxx > 0 ? sxy / sxx : 0.0;
  f.intercept = my - f.slope * mx;
  return f;
}

// Slope of log(y) against log(x) over the points where both are positive:
// the exponent of a power law y ~ x^k.
inline double log_log_slope(std::span<const double> x, std::span<const double> y) {
  std::vector<double> lx, ly;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i] > 0 && y[i] > 0) {
      lx.push_back(std::log(x[i]));
      ly.push_back(std::log(y[i]));
    }
  }
  if (lx.size() < 2) return 0.0;
  return fit_line(lx, ly).slope;
}

}  // namespace structura
