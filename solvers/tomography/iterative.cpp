#include "tomography/iterative.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/collective_require.hpp"
#include "core/error.hpp"
#include "tomography/iterative_kernels.hpp"

namespace structura::tomography {

using detail::ConstView2;
using detail::Policy;
using detail::View2;

void Discrepancy::validate(const std::string& where) const {
  require(std::isfinite(noise_norm) && noise_norm >= 0,
          fmt::format("{}.noise_norm must be finite and >= 0, got {}", where, noise_norm));
  require(std::isfinite(tau) && tau >= 1, fmt::format("{}.tau must be >= 1, got {}", where, tau));
}

namespace {

// Kokkos 3.4 has isfinite in Kokkos::Experimental only.
struct CountNonFinite {
  detail::ConstView2 x;
  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t i, std::int64_t& count) const {
    if (!Kokkos::Experimental::isfinite(x.data()[i])) ++count;
  }
};

}  // namespace

bool all_finite(const Image<const double>& x) {
  std::int64_t count = 0;
  Kokkos::parallel_reduce("tomography::count_non_finite", detail::all_of(x), CountNonFinite{x}, count);
  return count == 0;
}

double residual_norm(const DistributedProjector<double>& A, const Sinogram<const double>& y,
                     const Image<const double>& x) {
  require_on_every_rank(A.comm(), [&] { detail::require_shapes("residual_norm", A, y, x); });
  Sinogram<double> r = A.make_sinogram_slice();
  A.forward(x, r);
  Kokkos::parallel_for("tomography::subtract_data", detail::all_of(r), detail::SubtractData{r, y});
  return std::sqrt(detail::global_norm2(r, A.comm()));
}

namespace {

// The common loop of Landweber (no weights) and SIRT (row weights R, pixel
// weights C): x ← P(x − ω C Aᵀ R (A x − y)), P the optional projection onto
// x ≥ 0. The residual of every iterate is computed anyway for the next
// step, so recording it and testing the discrepancy principle cost one
// global sum per iteration.
struct Weights {
  View2 rows;    // R, or empty
  View2 pixels;  // C, or empty
};

IterationHistory gradient_iterations(const char* where, const DistributedProjector<double>& A,
                                     const Sinogram<const double>& y, const Image<double>& x, int iterations,
                                     double step, const Weights& weights, bool nonnegative,
                                     const Discrepancy& discrepancy, const IterationPoll& poll) {
  IterationHistory history;
  Sinogram<double> r = A.make_sinogram_slice();
  Image<double> g = A.make_image();
  const bool weighted = weights.pixels.size() > 0;
  for (int k = 0;; ++k) {
    A.forward(x, r);
    Kokkos::parallel_for("tomography::subtract_data", detail::all_of(r), detail::SubtractData{r, y});
    const double norm = std::sqrt(detail::global_norm2(r, A.comm()));
    if (!std::isfinite(norm))
      throw NumericalError(fmt::format("{}: ‖A x − y‖ is not finite at iteration {}", where, k));
    history.residual_norms.push_back(norm);
    if (discrepancy.enabled() && norm <= discrepancy.threshold()) {
      history.discrepancy_reached = true;
      history.stop_reason = "discrepancy";
      break;
    }
    if (k == iterations) {
      history.stop_reason = "iterations";
      break;
    }
    if (weights.rows.size() > 0)
      Kokkos::parallel_for("tomography::row_weights", detail::all_of(r), detail::Multiply{r, weights.rows});
    A.adjoint(r, g);
    Kokkos::parallel_for("tomography::gradient_step", detail::all_of(x),
                         detail::GradientStep{x, g, weights.pixels, step, nonnegative, weighted});
    history.iterations = k + 1;
    if (poll) poll(history.iterations);
  }
  history.final_residual_norm = history.residual_norms.back();
  // A finite residual with a NaN pixel is possible where the projection onto
  // x >= 0 or a pixel no ray crosses hides it from A x.
  if (!all_finite(x))
    throw NumericalError(
        fmt::format("{}: the reconstruction has non-finite pixels after {} iterations", where, history.iterations));
  return history;
}

void check_common(const char* where, const DistributedProjector<double>& A, const Sinogram<const double>& y,
                  const Image<double>& x, int iterations, const Discrepancy& discrepancy) {
  require(iterations >= 1, fmt::format("{}: iterations must be >= 1, got {}", where, iterations));
  discrepancy.validate(fmt::format("{}: discrepancy", where));
  detail::require_shapes(where, A, y, x);
}

}  // namespace

IterationHistory landweber(const DistributedProjector<double>& A, const Sinogram<const double>& y,
                           const Image<double>& x, const LandweberOptions& options) {
  require_on_every_rank(A.comm(), [&] {
    check_common("landweber", A, y, x, options.iterations, options.discrepancy);
    require(std::isfinite(options.step) && options.step >= 0,
            fmt::format("landweber: step must be > 0 (or 0 for 1/‖A‖²), got {}", options.step));
  });
  double step = options.step;
  if (step == 0) {
    // 1/‖A‖² is the classical choice: the residual then decreases
    // monotonically (the iteration matrix I − ω A Aᵀ has spectrum in
    // [1 − ω‖A‖², 1] ⊂ [0, 1]); power iteration slightly underestimates
    // ‖A‖, which keeps ω well below the limit 2/‖A‖².
    const double norm = operator_norm(A);
    require(norm > 0, "landweber: the operator is zero");
    step = 1.0 / (norm * norm);
  }
  return gradient_iterations("landweber", A, y, x, options.iterations, step, {}, options.nonnegative,
                             options.discrepancy, options.poll);
}

IterationHistory sirt(const DistributedProjector<double>& A, const Sinogram<const double>& y, const Image<double>& x,
                      const SirtOptions& options) {
  require_on_every_rank(A.comm(), [&] {
    check_common("sirt", A, y, x, options.iterations, options.discrepancy);
    require(options.relaxation > 0 && options.relaxation < 2,
            fmt::format("sirt: relaxation must be in (0, 2), got {}", options.relaxation));
  });
  // R = 1/(A 1) (local rows), C = 1/(Aᵀ 1) (collective; identical on every rank).
  Weights w{A.make_sinogram_slice(), A.make_image()};
  Image<double> ones = A.make_image();
  Kokkos::deep_copy(ones, 1.0);
  A.forward(ones, w.rows);
  Sinogram<double> ones_rows = A.make_sinogram_slice();
  Kokkos::deep_copy(ones_rows, 1.0);
  A.adjoint(ones_rows, w.pixels);
  Kokkos::parallel_for("tomography::sirt_r", detail::all_of(w.rows), detail::SafeReciprocal{w.rows});
  Kokkos::parallel_for("tomography::sirt_c", detail::all_of(w.pixels), detail::SafeReciprocal{w.pixels});
  return gradient_iterations("sirt", A, y, x, options.iterations, options.relaxation, w, options.nonnegative,
                             options.discrepancy, options.poll);
}

}  // namespace structura::tomography
