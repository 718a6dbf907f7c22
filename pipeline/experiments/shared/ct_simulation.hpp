// Simulated CT measurements, shared by the CT kinds' data stages
// (ct.classical's sinograms, ct.learned's data): the clean rows A x of one
// image and the noisy rows, noise keyed by (seed, image index, global
// element), so the result does not depend on how angles or images are split
// over ranks. Every sum over the sinogram adds per-row sums in angle order
// on every rank: 1 and 2 ranks give identical bits. Also the host <-> device
// copies of images the stages use around the Kokkos projector.
#pragma once

#include <cstdint>

#include "core/mpi.hpp"
#include "experiments/shared/ct_noise.hpp"
#include "tomography/projector.hpp"

namespace structura::pipeline {

struct CtMeasurement {
  double sigma = 0;       // gaussian: the standard deviation used (level x mean |clean|); else 0
  double noise_norm = 0;  // ||noisy - clean|| over the whole sinogram (every rank)
};

// Collective over A's communicator: this rank's rows of A x into
// `clean` and of the noisy data into `noisy` (angles().count x detectors
// each, row-major), for image `index` with noise stream `seed`.
CtMeasurement simulate_measurement(const tomography::DistributedProjector<double>& A,
                                   const tomography::Image<double>& x, const CtNoise& noise, std::uint64_t seed,
                                   std::uint64_t index, double* clean, double* noisy);

// Host <-> device copies of one rows x cols image.
tomography::Image<double> image_to_device(const double* pixels, int rows, int cols);
void image_to_host(const tomography::Image<const double>& image, double* pixels);

}  // namespace structura::pipeline
