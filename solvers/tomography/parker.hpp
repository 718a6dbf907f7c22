// Short fan-beam scans: which angle sets the fan-beam FBP accepts, and the
// Parker weights (D. L. Parker, "Optimal short scan convolution
// reconstruction for fan beam CT", Med. Phys. 9(2), 1982) that make a scan
// of less than 2 pi usable.
//
// Fan angle. In geometry.hpp's flat-detector fan beam the ray from the
// source at angle beta to the detector point s has the direction angle
// beta + pi + gamma with
//   gamma(s) = -atan(s / D_sd),   D_sd = source_origin + origin_detector,
// i.e. gamma is the angle from the central ray (source -> origin) to the
// ray, positive in the sense in which beta increases (s runs along
// (-sin beta, cos beta), clockwise as seen from the source, hence the minus).
// The same line is measured again, in the opposite direction, by the
// conjugate ray (beta + pi + 2 gamma, -gamma) (mod 2 pi). gamma_max is the
// largest |gamma| over the detector centres (the rows are interpolated only
// between them): it includes detector_offset, so an offset detector needs
// the longer scan of its wider side.
//
// A scan of range R covers every line once when R >= pi + 2 gamma_max
// (Parker's short scan). With delta = (R - pi) / 2 >= gamma_max and beta in
// [0, pi + 2 delta) measured from the start of the scan, Parker's weights,
// with his gamma_m replaced by delta for an over-scan (the classical form
// generalised as in Silver 2000 / Wesarg et al. 2002 with q = 1), are
//   sin^2(pi/4 beta / (delta - gamma))                 0 <= beta <= 2 delta - 2 gamma
//   1                                     2 delta - 2 gamma <= beta <= pi - 2 gamma
//   sin^2(pi/4 (pi + 2 delta - beta) / (delta + gamma))  pi - 2 gamma <= beta <= pi + 2 delta
// and 0 outside [0, pi + 2 delta) (half open, so that the edge rays
// gamma = +-delta, whose first region is empty, count once at the ends of
// the scan). They are continuous, smooth where
// |gamma| < delta, and w(beta, gamma) + w(beta + pi + 2 gamma, -gamma) = 1
// wherever both rays lie in the scan (a ray whose conjugate lies outside
// has weight 1), so every line is counted once in total.
//
// Discretisation: n angles uniformly spaced by step cover R = n step, each
// angle the centre of a cell of width step, as uniform_angles(n, R) (the
// endpoint excluded; the full turn is uniform_angles(n, 2 pi)); angle i of
// the scan sits at beta_i = (i + 1/2) step. The FBP constant is then the
// Riemann sum's step (the weights already count each line once), where the
// full scan halves its two measurements of every line:
//   short: c = (R / n) / (2 tau')  =  fbp_scale(beam, 2 pi) * R / pi
//   full:  c = (2 pi / n) / 2 / (2 tau')  =  fbp_scale(beam, 2 pi)
// (filters.hpp for tau'), so that a short scan's image has the same scale as
// the full scan's: with all weights 1/2 the two agree.
#pragma once

#include <cstdint>
#include <vector>

#include "core/partition.hpp"
#include "tomography/geometry.hpp"

namespace structura::tomography {

// gamma_max above (fan beam; InputError otherwise).
double fan_half_angle(const BeamGeometry& beam);

// The shortest usable fan-beam scan, pi + 2 fan_half_angle(beam).
double short_scan_minimum(const BeamGeometry& beam);

// Parker's weight at scan angle beta (from the start of the scan) and fan
// angle gamma for the half over-scan delta = (R - pi) / 2, in the convention
// above; needs |gamma| <= delta (outside it, it stays in [0, 1] but the
// conjugate identity no longer holds).
double parker_weight(double beta, double gamma, double delta);

// What a fan-beam angle set is to FBP. The angles are taken mod 2 pi and
// sorted; the largest circular gap between neighbours marks where the scan
// starts and ends.
//   full:  uniform with the wrap-around gap equal to the others (to 0.1 % of
//          a step), e.g. uniform_angles(n, 2 pi, any first angle); or not
//          uniform (jittered, repeated turns, the endpoint 2 pi included)
//          with no gap above twice the mean spacing 2 pi / n. FBP uses the
//          full-scan weights, as before short scans were supported.
//   short: uniformly spaced (to 0.1 % of a step) over R = n step < 2 pi,
//          R >= short_scan_minimum(beam): Parker weights.
// Anything else (a range below the minimum; a non-uniform set with a
// larger gap) throws InputError naming beam.angles, the range the angles
// cover and the minimum.
struct FanScan {
  bool full = true;
  double range = 0;       // R: 2 pi when full
  double step = 0;        // short: the spacing; full: 2 pi / n
  double start = 0;       // short: the first angle of the scan (mod 2 pi); beta = angle - start (mod 2 pi) + step / 2
  double half_angle = 0;  // gamma_max
  double minimum = 0;     // pi + 2 gamma_max
};
FanScan fan_scan(const BeamGeometry& beam);

// Parker weights of rows [rows.begin, rows.end()) of a short scan, row-major
// (rows.count, detectors); all 1/2 for a full scan (which FBP does not use:
// its constant carries the 1/2). rows.count = -1: all angles.
std::vector<double> parker_weights(const BeamGeometry& beam, const FanScan& scan, Range rows = {0, -1});

}  // namespace structura::tomography
