// Element-wise Kokkos kernels shared by the iterative reconstructions
// (iterative.cpp, iterative_krylov.cpp, tv_pdhg.cpp); not a public header.
// Images and sinograms are both rank-2 LayoutRight views, so the kernels
// work on their flat data. Functors rather than lambdas, as elsewhere in
// structura (CUDA restricts device lambdas in generic contexts).
#pragma once

#include <Kokkos_Core.hpp>
#include <fmt/format.h>

#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "core/kokkos.hpp"
#include "core/mpi.hpp"
#include "tomography/projector.hpp"

namespace structura::tomography::detail {

using Policy = Kokkos::RangePolicy<ExecSpace, Kokkos::IndexType<std::int64_t>>;
using View2 = Kokkos::View<double**, Kokkos::LayoutRight, MemSpace>;
using ConstView2 = Kokkos::View<const double**, Kokkos::LayoutRight, MemSpace>;

inline Policy all_of(const ConstView2& v) { return Policy(0, static_cast<std::int64_t>(v.size())); }

struct Dot {
  ConstView2 a, b;
  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t i, double& acc) const { acc += a.data()[i] * b.data()[i]; }
};

// Local (this rank's part) inner product; callers sum sinogram dots over ranks.
inline double dot(const ConstView2& a, const ConstView2& b) {
  double s = 0;
  Kokkos::parallel_reduce("tomography::dot", all_of(a), Dot{a, b}, s);
  return s;
}

// ‖v‖² summed over the ranks of comm (for sinogram slices).
inline double global_norm2(const ConstView2& v, const mpi::Comm& comm) { return comm.sum(dot(v, v)); }

// r = A x - y: `r` holds A x on entry.
struct SubtractData {
  View2 r;
  ConstView2 y;
  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t i) const { r.data()[i] -= y.data()[i]; }
};

// x -= step * weight * g (weight may be empty: 1), then x = max(x, 0) if asked.
struct GradientStep {
  View2 x;
  ConstView2 g, weight;
  double step;
  bool nonnegative, weighted;
  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t i) const {
    const double w = weighted ? weight.data()[i] : 1.0;
    double v = x.data()[i] - step * w * g.data()[i];
    if (nonnegative && v < 0) v = 0;
    x.data()[i] = v;
  }
};

// v = 1 / v where v > 0, else 0 (SIRT's R and C: a ray missing the image or
// a pixel no ray crosses gets weight 0 rather than infinity).
struct SafeReciprocal {
  View2 v;
  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t i) const {
    const double a = v.data()[i];
    v.data()[i] = a > 0 ? 1.0 / a : 0.0;
  }
};

struct Multiply {
  View2 v;
  ConstView2 w;
  KOKKOS_INLINE_FUNCTION void operator()(std::int64_t i) const { v.data()[i] *= w.data()[i]; }
};

inline void require_view_shape(const char* where, const char* argument, std::size_t rows, std::size_t cols,
                               std::int64_t want_rows, std::int64_t want_cols) {
  require(static_cast<std::int64_t>(rows) == want_rows && static_cast<std::int64_t>(cols) == want_cols,
          fmt::format("{}: {} is {} x {}, expected {} x {}", where, argument, rows, cols, want_rows, want_cols));
}

// Shapes of the data slice and the image against the projector.
inline void require_shapes(const char* where, const DistributedProjector<double>& A, const ConstView2& y,
                           const ConstView2& x) {
  const ImageGeometry& g = A.local().image_geometry();
  require_view_shape(where, "y", y.extent(0), y.extent(1), A.angles().count, A.local().beam_geometry().detectors);
  require_view_shape(where, "x", x.extent(0), x.extent(1), g.ny, g.nx);
}

}  // namespace structura::tomography::detail
