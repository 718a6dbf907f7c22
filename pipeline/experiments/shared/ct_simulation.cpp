#include "experiments/shared/ct_simulation.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "tomography/noise.hpp"

namespace structura::pipeline {

using namespace tomography;

namespace {

// Sum over the whole sinogram of f(element) from per-row sums: each rank
// fills its own rows, the element-wise sum over ranks adds zeros only, and
// the rows are then added in angle order on every rank.
template <class F>
double ordered_total(const mpi::Comm& comm, Range rows, std::int64_t all_rows, int detectors, F&& per_element) {
  std::vector<double> sums(static_cast<std::size_t>(all_rows), 0.0);
  for (std::int64_t a = 0; a < rows.count; ++a) {
    double s = 0;
    for (int u = 0; u < detectors; ++u) s += per_element(a * detectors + u);
    sums[static_cast<std::size_t>(rows.begin + a)] = s;
  }
  comm.sum_in_place(sums);
  double total = 0;
  for (double s : sums) total += s;
  return total;
}

}  // namespace

CtMeasurement simulate_measurement(const DistributedProjector<double>& A, const Image<double>& x, const CtNoise& noise,
                                   std::uint64_t seed, std::uint64_t index, double* clean, double* noisy) {
  const mpi::Comm& comm = A.comm();
  const int D = A.local().beam_geometry().detectors;
  const auto all_rows = static_cast<std::int64_t>(A.local().beam_geometry().angles.size());
  const Range rows = A.angles();
  const auto part = static_cast<std::size_t>(rows.count * D);
  Sinogram<double> y = A.make_sinogram_slice();
  A.forward(x, y);
  auto host = Kokkos::create_mirror_view_and_copy(HostSpace(), y);
  std::copy(host.data(), host.data() + part, clean);
  std::copy(clean, clean + part, noisy);
  CtMeasurement m;
  const auto first = static_cast<std::uint64_t>(rows.begin * D);  // noise keyed by global element
  if (noise.kind == "gaussian") {
    const double total = ordered_total(comm, rows, all_rows, D, [&](std::int64_t i) { return std::fabs(clean[i]); });
    m.sigma = noise.level * total / double(all_rows * D);
    add_gaussian_noise_sigma(noisy, static_cast<long>(part), m.sigma, seed, index, first);
  } else if (noise.kind == "poisson") {
    add_poisson_noise(noisy, static_cast<long>(part), noise.photons, seed, index, first);
  }
  // delta = ||noisy - clean||: known exactly here (the discrepancy principle's).
  m.noise_norm = std::sqrt(ordered_total(comm, rows, all_rows, D, [&](std::int64_t i) {
    const double e = noisy[i] - clean[i];
    return e * e;
  }));
  return m;
}

Image<double> image_to_device(const double* pixels, int rows, int cols) {
  Image<double> image("image", rows, cols);
  auto host = Kokkos::create_mirror_view(image);
  std::copy(pixels, pixels + static_cast<long>(rows) * cols, host.data());
  Kokkos::deep_copy(image, host);
  return image;
}

void image_to_host(const Image<const double>& image, double* pixels) {
  auto host = Kokkos::create_mirror_view_and_copy(HostSpace(), image);
  std::copy(host.data(), host.data() + host.size(), pixels);
}

}  // namespace structura::pipeline
