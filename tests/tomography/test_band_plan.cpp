// The AVX-512 projectors' ray plan (band_plan.hpp) against make_ray, the
// scalar set-up every other kernel uses: the float plan, set up 8 rays at a
// time (ray_lanes.hpp), must hold make_ray's rays bit for bit, and every
// block the plan calls regular must keep its neighbouring lanes 1 or 2
// pixels apart at every step, checked step by step as the adjoint's
// kernel computes the positions (adjoint_band.hpp skips that check).
// Builds without AVX-512 have no plan and no test here.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "beams.hpp"
#include "tomography/band_plan.hpp"
#include "tomography/geometry.hpp"

#ifdef STRUCTURA_AVX512

using namespace structura::tomography;
using namespace structura::tomography::detail;
using namespace structura::tomography::testing;

namespace {

constexpr double pi = 3.141592653589793238462643383279502884;

ImageGeometry image_geometry(int nx, int ny, double width, double height) {
  ImageGeometry g;
  g.nx = nx;
  g.ny = ny;
  g.width = width;
  g.height = height;
  return g;
}

template <class T>
bool same_bits(T x, T y) {
  return std::memcmp(&x, &y, sizeof(T)) == 0;
}

struct Counts {
  long rays = 0, regular = 0, irregular = 0;
};

// Compares the plan of (image, beam) with make_ray ray by ray and checks
// the regular blocks step by step; adds to `counts`.
template <class T>
void check_plan(const ImageGeometry& image, const BeamGeometry& beam, Counts& counts) {
  const RayGeometry g = ray_geometry(image, beam);
  std::vector<double> cos, sin;
  for (double angle : beam.angles) {
    cos.push_back(std::cos(angle));
    sin.push_back(std::sin(angle));
  }
  const BandPlan<T> plan = make_band_plan<T>(g, cos, sin);
  for (const BandBlock<T>& block : plan.blocks) {
    CAPTURE(block.angle);
    CAPTURE(block.u0);
    const auto a = static_cast<std::size_t>(block.angle);
    int k_first = 1 << 30, k_last = -1;
    for (int j = 0; j < block.lanes; ++j) {
      const Ray<T> ray = make_ray<T>(g, cos[a], sin[a], block.u0 + j);
      ++counts.rays;
      if (ray.first <= ray.last) {
        k_first = std::min(k_first, ray.first);
        k_last = std::max(k_last, ray.last);
      }
      if (block.direction < 0) {  // walked ray by ray from plan.rays
        const Ray<T>& planned = plan.rays[static_cast<std::size_t>(block.rays + j)];
        CHECK(planned.rows == ray.rows);
        CHECK(same_bits(planned.a, ray.a));
        CHECK(same_bits(planned.b, ray.b));
        CHECK(same_bits(planned.length, ray.length));
        CHECK(planned.first == ray.first);
        CHECK(planned.last == ray.last);
        CHECK(planned.inner_first == ray.inner_first);
        CHECK(planned.inner_last == ray.inner_last);
        continue;
      }
      CHECK(block.direction == (ray.rows ? 1 : 0));
      CHECK(same_bits(block.a[j], ray.a));
      CHECK(same_bits(block.b[j], ray.b));
      CHECK(same_bits(block.length[j], ray.length));
    }
    CHECK(block.k_first == k_first);
    CHECK(block.k_last == k_last);
    if (!block.regular) {
      counts.irregular += block.direction >= 0 && k_first <= k_last;
      continue;
    }
    ++counts.regular;
    REQUIRE(block.direction >= 0);
    // The kernel's positions (ray_position: one fma in T), lanes in rising
    // order.
    for (int k = block.k_first; k <= block.k_last; ++k)
      for (int j = 0; j + 1 < block.lanes; ++j) {
        const int lo = block.falling ? j + 1 : j, hi = block.falling ? j : j + 1;
        const T here = std::fma(block.b[lo], static_cast<T>(k), block.a[lo]);
        const T next = std::fma(block.b[hi], static_cast<T>(k), block.a[hi]);
        const long gap = static_cast<long>(std::floor(next)) - static_cast<long>(std::floor(here));
        if (gap != 1 && gap != 2) {
          CAPTURE(k);
          CAPTURE(j);
          FAIL("a regular block's lanes are " << gap << " pixels apart");
        }
      }
  }
}

// Every kind of block: detectors as fine as the pixels at angles on and off
// the axes (regular but for the axes, where lanes sit exactly one pixel
// apart), coarse and fine detectors, offsets, counts that are not a
// multiple of 16, fan beams with blocks that step both ways, images one
// pixel wide.
template <class T>
Counts check_geometries() {
  Counts counts;
  check_plan<T>(image_geometry(64, 64, 2.0, 2.0), parallel_beam(64, 64, 2.0 / 64), counts);
  check_plan<T>(image_geometry(53, 37, 2.0, 1.0), parallel_beam(41, 23, 0.11, 0.013), counts);
  auto beam = parallel_beam(5, 150, 0.017);
  beam.angles = {0.0, 0.3, pi / 4, 2.2, -1.0, 7.5, pi / 2, 3 * pi / 4};
  check_plan<T>(image_geometry(40, 64, 1.0, 1.6), beam, counts);
  check_plan<T>(image_geometry(48, 29, 1.6, 1.2), fan_beam(47, 75, 0.047, 1.2, 1.5, 0.1), counts);
  check_plan<T>(image_geometry(31, 31, 2.0, 2.0), fan_beam(23, 40, 0.06, 1.5, 0.0, 0.1), counts);
  check_plan<T>(image_geometry(256, 256, 2.0, 2.0), fan_beam(64, 256, 4.5 / 256, 4.0, 2.0), counts);
  beam = parallel_beam(4, 5, 1.0 / 64);
  beam.angles = {0.3, 0.5, 1.0, 2.0};
  check_plan<T>(image_geometry(1, 64, 1.0 / 64, 1.0), beam, counts);
  check_plan<T>(image_geometry(1, 40, 1.0 / 40, 1.0), fan_beam(9, 7, 0.03, 2.0, 1.0, 0.2), counts);
  return counts;
}

}  // namespace

TEST_CASE_TEMPLATE("the ray plan holds make_ray's rays; its regular blocks are regular", T, float, double) {
  const Counts counts = check_geometries<T>();
  MESSAGE(counts.rays << " rays, " << counts.regular << " regular blocks, " << counts.irregular << " others");
  // Both of the adjoint's loops are met.
  CHECK(counts.regular > 100);
  CHECK(counts.irregular > 100);
}

#endif
