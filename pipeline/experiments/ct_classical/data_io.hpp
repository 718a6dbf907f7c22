// The small helpers through which the `ct.classical` stages share data in
// result.h5.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/h5.hpp"
#include "core/partition.hpp"
#include "experiments/ct_classical/settings.hpp"
#include "tomography/projector.hpp"

namespace structura::pipeline::ct_classical {

// All phantoms (P, n, n) from /fields/truth, on every rank (collective).
std::vector<double> read_truth(h5::File& file, const Settings& s);

// Rows `angles` of sinogram `which` ("clean" / "noisy") of phantom p, as a
// device view (angles.count, detectors) (collective: every rank reads its own).
tomography::Sinogram<double> read_rows(h5::File& file, const std::string& which, std::int64_t p, Range angles,
                                       int detectors);

}  // namespace structura::pipeline::ct_classical
