#include "tomography/tv_pdhg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/collective_require.hpp"
#include "core/error.hpp"
#include "tomography/iterative_kernels.hpp"

namespace structura::tomography {

using detail::ConstView2;
using detail::Policy;
using detail::View2;

namespace {

using ConstField = Kokkos::View<const double***, Kokkos::LayoutRight, MemSpace>;

// Forward differences with the Neumann boundary (0 in the last column/row).
KOKKOS_INLINE_FUNCTION void grad_at(const ConstView2& x, int r, int c, int nx, int ny, double dx, double dy, double& gc,
                                    double& gr) {
  const double v = x(r, c);
  gc = c + 1 < nx ? (x(r, c + 1) - v) / dx : 0.0;
  gr = r + 1 < ny ? (x(r + 1, c) - v) / dy : 0.0;
}

// div = −∇ᵀ of the forward differences above, exactly (so ⟨∇x, q⟩ = −⟨x, div q⟩).
KOKKOS_INLINE_FUNCTION double div_at(const ConstField& q, int r, int c, int nx, int ny, double dx, double dy) {
  const double dc = (c + 1 < nx ? q(0, r, c) : 0.0) - (c > 0 ? q(0, r, c - 1) : 0.0);
  const double dr = (r + 1 < ny ? q(1, r, c) : 0.0) - (r > 0 ? q(1, r - 1, c) : 0.0);
  return dc / dx + dr / dy;
}

// v projected onto [0, upper] (upper may be +inf).
KOKKOS_INLINE_FUNCTION double clamp(double v, double upper) { return v < 0 ? 0.0 : (v > upper ? upper : v); }

struct GradientKernel {
  ConstView2 x;
  GradientField g;
  int nx, ny;
  double dx, dy;
  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t i) const {
    const int r = static_cast<int>(i / nx), c = static_cast<int>(i % nx);
    grad_at(x, r, c, nx, ny, dx, dy, g(0, r, c), g(1, r, c));
  }
};

struct DivergenceKernel {
  ConstField q;
  View2 out;
  int nx, ny;
  double dx, dy;
  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t i) const {
    const int r = static_cast<int>(i / nx), c = static_cast<int>(i % nx);
    out(r, c) = div_at(q, r, c, nx, ny, dx, dy);
  }
};

struct TvKernel {
  ConstView2 x;
  int nx, ny;
  double dx, dy;
  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t i, double& acc) const {
    const int r = static_cast<int>(i / nx), c = static_cast<int>(i % nx);
    double gc = 0, gr = 0;
    grad_at(x, r, c, nx, ny, dx, dy, gc, gr);
    acc += std::sqrt(gc * gc + gr * gr);
  }
};

// p ← (p + σ(A x̄ − y)) / (1 + σ) with A x̄ = 2 ax − ax_old.
struct DualDataStep {
  View2 p;
  ConstView2 ax, ax_old, y;
  double sigma;
  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t i) const {
    const double axbar = 2 * ax.data()[i] - ax_old.data()[i];
    p.data()[i] = (p.data()[i] + sigma * (axbar - y.data()[i])) / (1 + sigma);
  }
};

// q ← projection of q + σ∇x̄ onto the pointwise λ-ball.
struct DualTvStep {
  GradientField q;
  ConstView2 xbar;
  int nx, ny;
  double dx, dy, sigma, lambda;
  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t i) const {
    const int r = static_cast<int>(i / nx), c = static_cast<int>(i % nx);
    double gc = 0, gr = 0;
    grad_at(xbar, r, c, nx, ny, dx, dy, gc, gr);
    const double vc = q(0, r, c) + sigma * gc, vr = q(1, r, c) + sigma * gr;
    const double norm = std::sqrt(vc * vc + vr * vr);
    const double scale = norm > lambda ? lambda / norm : 1.0;
    q(0, r, c) = vc * scale;
    q(1, r, c) = vr * scale;
  }
};

// w = −Aᵀp + div q; x⁺ = clip(x + τ w, 0, U); x̄ = 2x⁺ − x; x = x⁺.
// Reduces Σ max(w, 0), the dual infeasibility that G* weighs with B.
struct PrimalStep {
  View2 x, xbar;
  ConstView2 atp;
  ConstField q;
  int nx, ny;
  double dx, dy, tau, upper;
  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t i, double& positive) const {
    const int r = static_cast<int>(i / nx), c = static_cast<int>(i % nx);
    const double w = -atp(r, c) + div_at(q, r, c, nx, ny, dx, dy);
    if (w > 0) positive += w;
    const double old = x(r, c);
    const double next = clamp(old + tau * w, upper);
    x(r, c) = next;
    xbar(r, c) = 2 * next - old;
  }
};

struct Clip {
  View2 x;
  double upper;
  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t i) const { x.data()[i] = clamp(x.data()[i], upper); }
};

// The sinogram sums of one iteration, reduced locally: ‖p‖², ⟨p, y⟩, ‖ax − y‖².
struct DataSums {
  ConstView2 p, y, ax;
  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t i, double& pp, double& py, double& rr) const {
    const double pi = p.data()[i], yi = y.data()[i], ri = ax.data()[i] - yi;
    pp += pi * pi;
    py += pi * yi;
    rr += ri * ri;
  }
};

void check_options(const TvPdhgOptions& o) {
  require(std::isfinite(o.lambda) && o.lambda >= 0, fmt::format("tv_pdhg: lambda must be >= 0, got {}", o.lambda));
  require(o.iterations >= 1, fmt::format("tv_pdhg: iterations must be >= 1, got {}", o.iterations));
  require(o.upper_bound > 0, fmt::format("tv_pdhg: upper_bound must be > 0, got {}", o.upper_bound));
  require(std::isfinite(o.operator_norm) && o.operator_norm >= 0,
          fmt::format("tv_pdhg: operator_norm must be > 0 (or 0 to estimate it), got {}", o.operator_norm));
  require(std::isfinite(o.gradient_scale) && o.gradient_scale >= 0,
          fmt::format("tv_pdhg: gradient_scale must be > 0 (or 0 for ‖A‖/‖∇‖), got {}", o.gradient_scale));
  require(std::isfinite(o.step_ratio) && o.step_ratio > 0,
          fmt::format("tv_pdhg: step_ratio must be > 0, got {}", o.step_ratio));
  require(std::isfinite(o.gap_tolerance) && o.gap_tolerance >= 0,
          fmt::format("tv_pdhg: gap_tolerance must be >= 0, got {}", o.gap_tolerance));
}

}  // namespace

void gradient(const Image<const double>& x, double dx, double dy, const GradientField& g) {
  const int ny = static_cast<int>(x.extent(0)), nx = static_cast<int>(x.extent(1));
  require(g.extent(0) == 2 && g.extent(1) == x.extent(0) && g.extent(2) == x.extent(1),
          "gradient: g must be (2, ny, nx) for x (ny, nx)");
  Kokkos::parallel_for("tomography::gradient", detail::all_of(x), GradientKernel{x, g, nx, ny, dx, dy});
}

void divergence(const GradientField& q, double dx, double dy, const Image<double>& out) {
  const int ny = static_cast<int>(out.extent(0)), nx = static_cast<int>(out.extent(1));
  require(q.extent(0) == 2 && q.extent(1) == out.extent(0) && q.extent(2) == out.extent(1),
          "divergence: q must be (2, ny, nx) for out (ny, nx)");
  Kokkos::parallel_for("tomography::divergence", detail::all_of(out), DivergenceKernel{q, out, nx, ny, dx, dy});
}

double total_variation(const Image<const double>& x, double dx, double dy) {
  const int ny = static_cast<int>(x.extent(0)), nx = static_cast<int>(x.extent(1));
  double tv = 0;
  Kokkos::parallel_reduce("tomography::total_variation", detail::all_of(x), TvKernel{x, nx, ny, dx, dy}, tv);
  return tv;
}

TvPdhgHistory tv_pdhg(const DistributedProjector<double>& A, const Sinogram<const double>& y, const Image<double>& x,
                      const TvPdhgOptions& options) {
  require_on_every_rank(A.comm(), [&] {
    check_options(options);
    detail::require_shapes("tv_pdhg", A, y, x);
  });
  const ImageGeometry& geometry = A.local().image_geometry();
  const int nx = geometry.nx, ny = geometry.ny;
  const double dx = geometry.dx(), dy = geometry.dy(), lambda = options.lambda, upper = options.upper_bound;
  const mpi::Comm& comm = A.comm();

  TvPdhgHistory history;
  // K = [A; μ∇] with the TV dual q scaled by 1/μ (ball radius λ/μ): the
  // same problem, but μ = ‖A‖/‖∇‖ balances the two blocks. Unscaled, ‖∇‖
  // (~ 2√2/dx) dwarfs ‖A‖ and τσ <= 1/‖K‖² would make the data block crawl
  // like Landweber with a step of (‖A‖/‖K‖)²/‖A‖²; balanced, τσ‖A‖² ≈ ½.
  // μ∇ and μ div are the plain ones with pixel sizes dx/μ, dy/μ.
  const double a_norm = 1.01 * (options.operator_norm > 0 ? options.operator_norm : operator_norm(A));
  const double grad_norm = std::sqrt(4 / (dx * dx) + 4 / (dy * dy));
  const double mu = options.gradient_scale > 0 ? options.gradient_scale : a_norm / grad_norm;
  const double sdx = dx / mu, sdy = dy / mu, radius = lambda / mu;
  history.gradient_scale = mu;
  history.k_norm_bound = std::sqrt(a_norm * a_norm + mu * mu * grad_norm * grad_norm);
  const double s = std::sqrt(0.99) / history.k_norm_bound;
  const double tau = s * options.step_ratio, sigma = s / options.step_ratio;
  history.tau = tau;
  history.sigma = sigma;

  Sinogram<double> p = A.make_sinogram_slice(), ax = A.make_sinogram_slice(), ax_old = A.make_sinogram_slice();
  Image<double> xbar = A.make_image(), atp = A.make_image();
  GradientField q("tomography::tv_dual", 2, ny, nx);
  const Policy pixels = detail::all_of(x), rows = detail::all_of(p);

  Kokkos::parallel_for("tomography::clip", pixels, Clip{x, upper});
  Kokkos::deep_copy(xbar, x);
  A.forward(x, ax);
  Kokkos::deep_copy(ax_old, ax);

  // P(x) from the sinogram sums (summed over ranks) and the replicated TV.
  auto sums = [&]() {
    std::vector<double> v(3, 0.0);
    Kokkos::parallel_reduce("tomography::pdhg_sums", rows, DataSums{p, y, ax}, v[0], v[1], v[2]);
    comm.sum_in_place(v);
    return v;
  };
  std::vector<double> start = sums();
  double best_primal = 0.5 * start[2] + lambda * total_variation(x, dx, dy);
  const double y_norm = std::sqrt(detail::global_norm2(y, comm));
  double ones_norm = 0;  // ‖A 1‖, for the a-priori box when U = +inf
  if (!std::isfinite(upper) && lambda > 0) {
    Image<double> ones = A.make_image();
    Kokkos::deep_copy(ones, 1.0);
    A.forward(ones, ax_old);
    ones_norm = std::sqrt(detail::global_norm2(ax_old, comm));
    Kokkos::deep_copy(ax_old, ax);
  }

  for (int k = 0; k < options.iterations; ++k) {
    Kokkos::parallel_for("tomography::pdhg_dual_data", rows, DualDataStep{p, ax, ax_old, y, sigma});
    Kokkos::parallel_for("tomography::pdhg_dual_tv", pixels, DualTvStep{q, xbar, nx, ny, sdx, sdy, sigma, radius});
    A.adjoint(p, atp);
    double positive = 0;
    Kokkos::parallel_reduce("tomography::pdhg_primal", pixels,
                            PrimalStep{x, xbar, atp, q, nx, ny, sdx, sdy, tau, upper}, positive);
    Kokkos::deep_copy(ax_old, ax);
    A.forward(x, ax);

    const std::vector<double> v = sums();
    const double primal = 0.5 * v[2] + lambda * total_variation(x, dx, dy);
    if (!std::isfinite(primal)) throw NumericalError(fmt::format("tv_pdhg: P(x) is not finite at iteration {}", k));
    best_primal = std::min(best_primal, primal);
    double box = upper;
    if (!std::isfinite(upper) && lambda > 0 && ones_norm > 0)
      box =
          (y_norm + std::sqrt(2 * best_primal)) / ones_norm + std::sqrt(2.0) * std::max(dx, dy) * best_primal / lambda;
    // B Σ max(w, 0) with 0 · inf = 0: a feasible dual point needs no box.
    const double conjugate = positive > 0 ? box * positive : 0.0;
    const double dual = -0.5 * v[0] - v[1] - conjugate;
    history.primal.push_back(primal);
    history.dual.push_back(dual);
    history.gap.push_back(primal - dual);
    history.residual_norms.push_back(std::sqrt(v[2]));
    history.iterations = k + 1;
    if (options.gap_tolerance > 0 && primal - dual <= options.gap_tolerance * std::max(primal, 1e-300)) break;
    if (options.poll) options.poll(history.iterations);
  }
  return history;
}

}  // namespace structura::tomography
