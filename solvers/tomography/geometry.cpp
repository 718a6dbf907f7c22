#include "tomography/geometry.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"

namespace structura::tomography {

namespace {

// `value` must be finite and > 0 (NaN fails too).
void require_positive(double value, const std::string& key) {
  require(std::isfinite(value) && value > 0, fmt::format("{} must be a finite number > 0, got {}", key, value));
}

}  // namespace

void ImageGeometry::validate(const std::string& where) const {
  require(nx >= 1, fmt::format("{}.nx must be >= 1, got {}", where, nx));
  require(ny >= 1, fmt::format("{}.ny must be >= 1, got {}", where, ny));
  require_positive(width, where + ".width");
  require_positive(height, where + ".height");
}

void BeamGeometry::validate(const ImageGeometry& image, const std::string& where) const {
  require(detectors >= 1, fmt::format("{}.detectors must be >= 1, got {}", where, detectors));
  require_positive(detector_spacing, where + ".detector_spacing");
  require(std::isfinite(detector_offset),
          fmt::format("{}.detector_offset must be finite, got {}", where, detector_offset));
  require(!angles.empty(), fmt::format("{}.angles must not be empty", where));
  for (std::size_t i = 0; i < angles.size(); ++i)
    require(std::isfinite(angles[i]), fmt::format("{}.angles[{}] must be finite, got {}", where, i, angles[i]));
  if (kind == BeamKind::Fan) {
    // A source inside (or on) the image's bounding circle would put pixels
    // behind the source, where the flat-detector fan map is undefined.
    const double half_diagonal = 0.5 * std::hypot(image.width, image.height);
    require(std::isfinite(source_origin) && source_origin > half_diagonal,
            fmt::format("{}.source_origin must exceed the image's half-diagonal {} (fan beam), got {}", where,
                        half_diagonal, source_origin));
    require(std::isfinite(origin_detector) && origin_detector >= 0,
            fmt::format("{}.origin_detector must be finite and >= 0 (fan beam), got {}", where, origin_detector));
  }
}

std::vector<double> uniform_angles(int count, double range, double first) {
  require(count >= 1, fmt::format("uniform_angles: count must be >= 1, got {}", count));
  require(std::isfinite(range) && range > 0,
          fmt::format("uniform_angles: range must be finite and > 0, got {}", range));
  require(std::isfinite(first), fmt::format("uniform_angles: first must be finite, got {}", first));
  std::vector<double> angles(count);
  // first + i * step rather than repeated addition: no accumulated rounding.
  const double step = range / count;
  for (int i = 0; i < count; ++i) angles[i] = first + i * step;
  return angles;
}

}  // namespace structura::tomography
