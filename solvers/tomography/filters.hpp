// Filtered backprojection (FBP) filters, as scikit-image's iradon defines
// them, applied to sinogram rows with FFTW, and the constants and fan-beam
// weights that turn a backprojection of the filtered rows into the image.
//
// Filter (skimage.transform.radon_transform._get_fourier_filter): a row of
// n detectors is zero-padded to P = max(64, 2^ceil(log2(2 n))) samples. The
// ramp is built in the spatial domain from the band-limited kernel of Kak &
// Slaney (ch. 3, eq. 61) at unit sample spacing, h[0] = 1/4,
// h[k] = -1/(pi k)^2 for odd k, 0 for even k (k the circular distance), and
// its response is H[k] = 2 Re(DFT(h))[k], i.e. about 2|nu| with nu = k/P in
// cycles per sample (|nu| <= 1/2): H runs from ~0 at DC to ~1 at Nyquist.
// Windows, multiplied in frequency:
//   ramp         1
//   shepp-logan  sin(pi nu) / (pi nu)
//   cosine       cos(pi nu)
//   hamming      numpy.hamming(P), fftshifted (~0.54 + 0.46 cos(2 pi nu))
//   hann         numpy.hanning(P), fftshifted (~0.5 + 0.5 cos(2 pi nu))
// numpy's windows use a P - 1 denominator, so the shifted window is not
// exactly even in k; iradon keeps Re(ifft(...)) of a real input, which is
// the same as filtering with the even part (H[k] + H[P - k]) / 2. That even
// part is what response() returns and apply() uses (r2c/c2r transforms).
// The filtered row is the first n samples of the circular result.
//
// Scaling (parallel beam). With the filtered rows q_theta as above,
//   image(x, y) = c * sum_theta q_theta(x cos theta + y sin theta),
//   c = (pi / n_angles) / (2 * detector_spacing)          [fbp_scale()]
// for n_angles uniform angles over [0, pi) or over [0, 2 pi) (each line is
// then measured twice and counted half), q interpolated linearly in s and
// zero outside the detector. Why: FBP is f = int_0^pi (p * k)(s) dtheta with
// k the ramp of response |nu| in cycles per unit length; sampled at spacing
// tau, (p * k) = (1/tau) (h (*) p) = q / (2 tau) (skimage's 2), and
// dtheta = pi / n_angles. For tau = 1 this is iradon's pi / (2 n_angles).
// For a limited range R < pi the Riemann sum uses dtheta = R / n_angles
// (the missing wedge stays missing): c = (R / n_angles) / (2 tau).
//
// Fan beam, flat detector (Kak & Slaney ch. 3.4.2, "equally spaced
// collinear detectors"). With D = source_origin, the detector rescaled to
// the isocentre has coordinates s' = s_u * D / (source_origin +
// origin_detector) and spacing tau' = tau * D / (source_origin +
// origin_detector). Then
//   1. pre-weight: R'(theta, u) = R(theta, u) * D / sqrt(D^2 + s'_u^2)
//      (= D_sd / sqrt(D_sd^2 + s_u^2), D_sd = source_origin + origin_detector);
//   2. filter the rows as above (Kak & Slaney's g = h/2 over 2 pi is the
//      halving that the redundancy of a 2 pi scan needs);
//   3. backproject with the distance weight 1/U^2,
//      U(x, y, theta) = (D - (x cos theta + y sin theta)) / D,
//      at the detector coordinate where the ray through (x, y) lands,
//      s_u = D_sd (-x sin theta + y cos theta) / (D - (x cos theta + y sin theta));
//   image = c * sum_theta q_theta(s_u) / U^2 with c = fbp_scale() for the
//   full 2 pi scan, i.e. (pi / n_angles) / (2 tau'). A short scan of range
//   R, pi + 2 gamma_max <= R < 2 pi, also multiplies the pre-weights by
//   Parker's weights and uses c = fbp_scale(beam, 2 pi) * R / pi
//   (parker.hpp; Fbp in fbp.hpp applies both).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tomography/geometry.hpp"

namespace structura::tomography {

enum class FilterKind { Ramp, SheppLogan, Cosine, Hamming, Hann };

// "ramp" (alias "ram-lak"), "shepp-logan", "cosine", "hamming", "hann";
// anything else throws InputError naming `parameter`.
FilterKind parse_filter(const std::string& name, const std::string& parameter = "filter");
std::string filter_name(FilterKind kind);

// iradon's padded length for `detectors` samples: max(64, 2^ceil(log2(2 n))).
int filter_padded_size(int detectors);

// The real, even response at the P/2 + 1 non-negative r2c frequencies k
// (nu = k / P), as described above.
std::vector<double> filter_response(FilterKind kind, int padded_size);

// Filters rows of `detectors` samples in place. The FFTW plans are made
// once per (padded size, precision) for the whole process (under a lock)
// and executed for every row; each RowFilter owns its work buffers, so one
// object must not be used by two threads at once (use one per thread).
template <class T>
class RowFilter {
public:
  RowFilter(FilterKind kind, int detectors);
  ~RowFilter();
  RowFilter(const RowFilter&) = delete;
  RowFilter& operator=(const RowFilter&) = delete;

  // rows: n_rows x detectors, row-major; each output is multiplied by scale.
  void apply(T* rows, long n_rows, double scale = 1.0);

  int detectors() const { return detectors_; }
  int padded_size() const { return padded_; }
  const std::vector<double>& response() const { return response_; }

private:
  struct Buffers;
  int detectors_, padded_;
  std::vector<double> response_;
  std::unique_ptr<Buffers> buffers_;
};

extern template class RowFilter<float>;
extern template class RowFilter<double>;

// Convenience: filter a whole (angles, detectors) sinogram in place.
template <class T>
void filter_sinogram(T* sinogram, const BeamGeometry& beam, FilterKind kind, double scale = 1.0);

// The constant c above. angle_range: the span the (uniform) angles cover,
// e.g. pi or 2 pi; for parallel beam R >= pi counts each line once
// (c = (pi / n) / (2 tau)), R < pi gives (R / n) / (2 tau). For fan beam
// tau is replaced by tau' and angle_range must be 2 pi: this is the full
// scan's constant, from which a short scan's follows (c * R / pi, with the
// Parker weights of parker.hpp). InputError otherwise.
double fbp_scale(const BeamGeometry& beam, double angle_range);

// Fan beam: the detector pre-weights D_sd / sqrt(D_sd^2 + s_u^2), one per
// detector (same for every angle), and applying them to a sinogram.
std::vector<double> fan_preweights(const BeamGeometry& beam);
template <class T>
void fan_preweight(T* sinogram, const BeamGeometry& beam);

// Fan beam: where the ray from the source at angle theta through (x, y)
// hits the detector (s_u, physical detector units) and the backprojection
// weight 1 / U^2.
struct FanSample {
  double s;
  double weight;
};
FanSample fan_backprojection_sample(double x, double y, double theta, const BeamGeometry& beam);

}  // namespace structura::tomography
