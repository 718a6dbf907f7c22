#include "canonicalisation/pde_frame.hpp"

#include <fmt/format.h>

#include <cmath>
#include <complex>
#include <numbers>

#include "core/error.hpp"

namespace structura::canonicalisation {

namespace {
constexpr double kTolerance = 1e-9;
}

pde::GroupElement frame_element(const pde::SymmetryGroup& group, const pde::GroupElement& h) {
  if (std::abs(h.gamma) > kTolerance || std::abs(h.delta - 1) > kTolerance)
    throw NumericalError(fmt::format(
        "canonicalisation: the element (gamma = {:.3g}, delta = {:.3g}) changes the period or the time scale, so a "
        "periodic model at a fixed time cannot predict in its frame; canonicalise over generators that keep both "
        "(canonicalisation.generators within [0, 1, 2])",
        h.gamma, h.delta));
  if (group.equation() == pde::SymmetricEquation::Heat && std::abs(h.lambda1) > kTolerance)
    throw NumericalError(fmt::format(
        "canonicalisation: the heat element has a Galilean boost (lambda1 = {:.3g}), whose factor "
        "exp(-lambda1 x / 2 nu) is not periodic; canonicalise over generators [0, 1, 2]",
        h.lambda1));
  // t^ at t = 0 is beta / delta; a time translation by its negative after h.
  return group.compose(group.one_parameter(1, -h.beta / h.delta), h);
}

std::vector<double> periodic_shift(std::span<const double> u, double shift, double length) {
  const auto n = static_cast<std::int64_t>(u.size());
  if (shift == 0) return {u.begin(), u.end()};  // the identity, exactly (a boost at t = 0 does not move x)
  std::vector<double> out(u.size(), 0.0);
  if (n == 0) return out;
  // The DFT c_k = sum_j u_j e^{-2 pi i k j / n}, then u(x_j - shift) =
  // (1/n) sum_k c_k e^{-2 pi i k s} e^{2 pi i k j / n} over k = -n/2 .. n/2,
  // s = shift / length (O(n^2) with the roots of unity tabulated once: n is
  // a sensor grid of a few hundred points, and the descent calls this for
  // every candidate).
  const double two_pi = 2 * std::numbers::pi;
  const std::int64_t half = n / 2;
  std::vector<std::complex<double>> root(static_cast<std::size_t>(n));  // e^{2 pi i m / n}
  for (std::int64_t m = 0; m < n; ++m) root[static_cast<std::size_t>(m)] = std::polar(1.0, two_pi * m / n);
  std::vector<std::complex<double>> c(static_cast<std::size_t>(half + 1));
  for (std::int64_t k = 0; k <= half; ++k) {
    std::complex<double> sum = 0;
    for (std::int64_t j = 0; j < n; ++j) sum += u[static_cast<std::size_t>(j)] * std::conj(root[static_cast<std::size_t>((k * j) % n)]);
    // The shift's phase, applied once per mode.
    c[static_cast<std::size_t>(k)] = sum * std::polar(1.0, -two_pi * k * shift / length);
  }
  for (std::int64_t j = 0; j < n; ++j) {
    double v = c[0].real();
    for (std::int64_t k = 1; k <= half; ++k) {
      const double term = (c[static_cast<std::size_t>(k)] * root[static_cast<std::size_t>((k * j) % n)]).real();
      // Modes k and -k are conjugate: 2 Re; the Nyquist mode of an even n
      // is shared by +-n/2, so it counts once (its real part, cos).
      v += (2 * k == n) ? term : 2 * term;
    }
    out[static_cast<std::size_t>(j)] = v / static_cast<double>(n);
  }
  return out;
}

std::vector<double> act_on_snapshot(const pde::SymmetryGroup& group, const pde::GroupElement& k,
                                    std::span<const double> u, double length, double t) {
  // Checks that k is framed (beta = 0 as well).
  const pde::GroupElement framed = frame_element(group, k);
  if (std::abs(framed.beta - k.beta) > kTolerance)
    throw Error("act_on_snapshot: the element is not framed (it moves t = 0); use frame_element first");
  std::vector<double> mapped(u.begin(), u.end());
  if (group.equation() == pde::SymmetricEquation::Heat) {
    const double factor = std::exp(k.log_sigma);
    for (double& v : mapped) v *= factor;
  } else {
    for (double& v : mapped) v += k.lambda1;
  }
  return periodic_shift(mapped, k.lambda1 * t + k.lambda0, length);
}

std::vector<double> to_frame(const pde::SymmetryGroup& group, const pde::GroupElement& k,
                             std::span<const double> u0, double length) {
  return act_on_snapshot(group, k, u0, length, 0.0);
}

std::vector<double> from_frame(const pde::SymmetryGroup& group, const pde::GroupElement& k,
                               std::span<const double> prediction, double length, double t) {
  return act_on_snapshot(group, group.inverse(k), prediction, length, t);
}

}  // namespace structura::canonicalisation
