// Forward-mode dual numbers with N tangent directions: enough to get exact
// Jacobians of integrator steps (symplecticity checks) without finite
// differences. Functions templated on the scalar type work unchanged.
#pragma once

#include <array>
#include <cmath>

namespace structura {

template <int N>
struct Dual {
  double v = 0;
  std::array<double, N> d{};

  Dual() = default;
  Dual(double value) : v(value) {}  // NOLINT: constants promote implicitly

  static Dual variable(double value, int direction) {
    Dual x(value);
    x.d[direction] = 1.0;
    return x;
  }
  Dual& operator+=(const Dual& o) { return *this = *this + o; }
  Dual& operator-=(const Dual& o) { return *this = *this - o; }
  Dual& operator*=(const Dual& o) { return *this = *this * o; }
  Dual& operator/=(const Dual& o) { return *this = *this / o; }

  friend Dual operator+(const Dual& a, const Dual& b) {
    Dual r(a.v + b.v);
    for (int k = 0; k < N; ++k) r.d[k] = a.d[k] + b.d[k];
    return r;
  }
  friend Dual operator-(const Dual& a, const Dual& b) {
    Dual r(a.v - b.v);
    for (int k = 0; k < N; ++k) r.d[k] = a.d[k] - b.d[k];
    return r;
  }
  friend Dual operator-(const Dual& a) {
    Dual r(-a.v);
    for (int k = 0; k < N; ++k) r.d[k] = -a.d[k];
    return r;
  }
  friend Dual operator*(const Dual& a, const Dual& b) {
    Dual r(a.v * b.v);
    for (int k = 0; k < N; ++k) r.d[k] = a.d[k] * b.v + a.v * b.d[k];
    return r;
  }
  friend Dual operator/(const Dual& a, const Dual& b) {
    Dual r(a.v / b.v);
    for (int k = 0; k < N; ++k) r.d[k] = (a.d[k] * b.v - a.v * b.d[k]) / (b.v * b.v);
    return r;
  }
  friend bool operator<(const Dual& a, const Dual& b) { return a.v < b.v; }
  friend bool operator>(const Dual& a, const Dual& b) { return a.v > b.v; }
};

namespace detail {
template <int N>
Dual<N> apply(const Dual<N>& a, double value, double derivative) {
  Dual<N> r(value);
  for (int k = 0; k < N; ++k) r.d[k] = derivative * a.d[k];
  return r;
}
}  // namespace detail

template <int N>
Dual<N> sin(const Dual<N>& a) { return detail::apply(a, std::sin(a.v), std::cos(a.v)); }
template <int N>
Dual<N> cos(const Dual<N>& a) { return detail::apply(a, std::cos(a.v), -std::sin(a.v)); }
template <int N>
Dual<N> tanh(const Dual<N>& a) {
  const double s = std::tanh(a.v);
  return detail::apply(a, s, 1.0 - s * s);
}
template <int N>
Dual<N> exp(const Dual<N>& a) {
  const double e = std::exp(a.v);
  return detail::apply(a, e, e);
}
template <int N>
Dual<N> sqrt(const Dual<N>& a) {
  const double s = std::sqrt(a.v);
  return detail::apply(a, s, 0.5 / s);
}
template <int N>
Dual<N> abs(const Dual<N>& a) { return a.v < 0 ? -a : a; }
template <int N>
double value_of(const Dual<N>& a) { return a.v; }
inline double value_of(double a) { return a; }

}  // namespace structura
