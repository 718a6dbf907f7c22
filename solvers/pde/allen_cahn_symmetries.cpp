#include "pde/allen_cahn_symmetries.hpp"

#include <fmt/format.h>

#include <cmath>
#include <complex>
#include <numbers>

#include "core/error.hpp"

namespace structura::pde {

namespace {

using Complex = std::complex<double>;

// The grid map of g in units of cells when it maps the grid onto itself
// (a quarter turn count and whole-cell shifts), else false.
bool lattice_element(const AcGroupElement& g, double h, int& quarter, std::int64_t& sx, std::int64_t& sy) {
  const double turns = g.theta / (std::numbers::pi / 2);
  const double q = std::round(turns), x = std::round(g.bx / h), y = std::round(g.by / h);
  if (std::abs(turns - q) > 1e-12 || std::abs(g.bx / h - x) > 1e-9 || std::abs(g.by / h - y) > 1e-9) return false;
  quarter = int(((std::int64_t(q) % 4) + 4) % 4);
  sx = std::int64_t(x);
  sy = std::int64_t(y);
  return true;
}

// The 2-D DFT coefficients c[l n + k] = n^-2 sum u[j n + i] e^{-2 pi i (k i + l j) / n}, separably.
std::vector<Complex> dft2(const std::vector<double>& u, std::int64_t n) {
  std::vector<Complex> w(static_cast<std::size_t>(n)), rows(u.size()), c(u.size());
  for (std::int64_t k = 0; k < n; ++k) w[std::size_t(k)] = std::polar(1.0, -2 * std::numbers::pi * double(k) / double(n));
  for (std::int64_t j = 0; j < n; ++j)
    for (std::int64_t k = 0; k < n; ++k) {
      Complex s = 0;
      for (std::int64_t i = 0; i < n; ++i) s += u[std::size_t(j * n + i)] * w[std::size_t((k * i) % n)];
      rows[std::size_t(j * n + k)] = s / double(n);
    }
  for (std::int64_t l = 0; l < n; ++l)
    for (std::int64_t k = 0; k < n; ++k) {
      Complex s = 0;
      for (std::int64_t j = 0; j < n; ++j) s += rows[std::size_t(j * n + k)] * w[std::size_t((l * j) % n)];
      c[std::size_t(l * n + k)] = s / double(n);
    }
  return c;
}

// The interpolant's basis along one axis at x: e^{i q_k x} for the
// frequencies k - n (k > n/2) or k, and cos(q x) for the Nyquist mode.
void basis(double x, std::int64_t n, double length, std::vector<Complex>& e) {
  const double base = 2 * std::numbers::pi * x / length;
  for (std::int64_t k = 0; k < n; ++k) {
    if (2 * k == n) {
      e[std::size_t(k)] = std::cos(base * double(k));
      continue;
    }
    const double f = 2 * k < n ? double(k) : double(k - n);
    e[std::size_t(k)] = std::polar(1.0, base * f);
  }
}

}  // namespace

AllenCahnSymmetries::AllenCahnSymmetries(double length) : length_(length) {
  if (!(std::isfinite(length) && length > 0)) throw InputError(fmt::format("length: {} must be finite and > 0", length));
}

AcPoint AllenCahnSymmetries::act(const AcGroupElement& g, const AcPoint& p) const {
  const double c = length_ / 2, cs = std::cos(g.theta), sn = std::sin(g.theta);
  const double dx = p.x - c, dy = p.y - c;
  return {c + cs * dx - sn * dy + g.bx, c + sn * dx + cs * dy + g.by, p.t + g.tau, g.sign * p.u};
}

AcGroupElement AllenCahnSymmetries::compose(const AcGroupElement& g2, const AcGroupElement& g1) const {
  const double cs = std::cos(g2.theta), sn = std::sin(g2.theta);
  return {g1.theta + g2.theta, cs * g1.bx - sn * g1.by + g2.bx, sn * g1.bx + cs * g1.by + g2.by, g1.tau + g2.tau,
          g1.sign * g2.sign};
}

AcGroupElement AllenCahnSymmetries::inverse(const AcGroupElement& g) const {
  const double cs = std::cos(g.theta), sn = std::sin(g.theta);  // -R(-theta) b
  return {-g.theta, -(cs * g.bx + sn * g.by), -(-sn * g.bx + cs * g.by), -g.tau, g.sign};
}

std::array<double, 4> AllenCahnSymmetries::generator(int i, const AcPoint& p) const {
  const double c = length_ / 2;
  switch (i) {
    case 0: return {1, 0, 0, 0};
    case 1: return {0, 1, 0, 0};
    case 2: return {0, 0, 1, 0};
    case 3: return {-(p.y - c), p.x - c, 0, 0};
    default: throw InputError(fmt::format("generator: index {} outside 0 .. 3", i));
  }
}

AcGroupElement AllenCahnSymmetries::exp(const std::array<double, 4>& a) const {
  const double w = a[3];
  // sin(w)/w and (1 - cos w)/w, by their series near 0 (no cancellation).
  const double s = std::abs(w) < 1e-4 ? 1 - w * w / 6 : std::sin(w) / w;
  const double k = std::abs(w) < 1e-4 ? w / 2 - w * w * w / 24 : (1 - std::cos(w)) / w;
  return {w, s * a[0] - k * a[1], k * a[0] + s * a[1], a[2], 1};
}

std::vector<double> AllenCahnSymmetries::act_on_field(const AcGroupElement& g, const std::vector<double>& u,
                                                      std::int64_t n) const {
  if (n < 2 || static_cast<std::int64_t>(u.size()) != n * n)
    throw InputError(fmt::format("field: {} values for an n x n grid with n = {}", u.size(), n));
  if (!(std::isfinite(g.theta) && std::isfinite(g.bx) && std::isfinite(g.by) && std::isfinite(g.tau)) ||
      (g.sign != 1 && g.sign != -1))
    throw InputError("group element: theta, b and tau must be finite and sign +1 or -1");
  for (double v : u)
    if (!std::isfinite(v)) throw InputError("field: contains NaN or Inf");
  const double h = length_ / double(n);
  std::vector<double> out(u.size());
  const AcGroupElement back = inverse(g);
  int quarter = 0;
  std::int64_t sx = 0, sy = 0;
  if (lattice_element(g, h, quarter, sx, sy)) {
    // A permutation of the grid: the source point of each target, in cells, rounded to the integer it is.
    for (std::int64_t j = 0; j < n; ++j)
      for (std::int64_t i = 0; i < n; ++i) {
        const AcPoint p = act(back, {double(i) * h, double(j) * h, 0, 0});
        const auto wrap = [n](double cells) { return ((std::int64_t(std::llround(cells)) % n) + n) % n; };
        out[std::size_t(j * n + i)] = g.sign * u[std::size_t(wrap(p.y / h) * n + wrap(p.x / h))];
      }
    return out;
  }
  const std::vector<Complex> c = dft2(u, n);
  std::vector<Complex> ex(static_cast<std::size_t>(n)), ey(static_cast<std::size_t>(n));
  for (std::int64_t j = 0; j < n; ++j)
    for (std::int64_t i = 0; i < n; ++i) {
      const AcPoint p = act(back, {double(i) * h, double(j) * h, 0, 0});
      basis(p.x, n, length_, ex);
      basis(p.y, n, length_, ey);
      Complex total = 0;
      for (std::int64_t l = 0; l < n; ++l) {
        Complex row = 0;
        for (std::int64_t k = 0; k < n; ++k) row += c[std::size_t(l * n + k)] * ex[std::size_t(k)];
        total += ey[std::size_t(l)] * row;
      }
      out[std::size_t(j * n + i)] = g.sign * total.real();
    }
  return out;
}

}  // namespace structura::pde
