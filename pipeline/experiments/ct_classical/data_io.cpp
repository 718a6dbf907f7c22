// result.h5 reads shared by the `ct.classical` stages (see data_io.hpp).
#include "experiments/ct_classical/data_io.hpp"

#include <algorithm>

namespace structura::pipeline::ct_classical {

using namespace tomography;

std::vector<double> read_truth(h5::File& file, const Settings&) {
  return file.open_dataset("/fields/truth").read_all<double>();
}

Sinogram<double> read_rows(h5::File& file, const std::string& which, std::int64_t p, Range angles, int detectors) {
  Sinogram<double> rows("rows", angles.count, detectors);
  auto host = Kokkos::create_mirror_view(rows);
  const auto d = static_cast<hsize_t>(detectors);
  double none = 0;  // HDF5 wants a buffer even for a rank that reads nothing
  file.open_dataset("/sinograms/" + which)
      .read(h5::Dims{static_cast<hsize_t>(p), static_cast<hsize_t>(angles.begin), 0},
            h5::Dims{1, static_cast<hsize_t>(angles.count), d}, host.size() ? host.data() : &none);
  Kokkos::deep_copy(rows, host);
  return rows;
}

}  // namespace structura::pipeline::ct_classical
