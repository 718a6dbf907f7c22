// The reconstruction methods of `ct.learned` as a table: each entry makes
// its set-up once per stage (the FBP filter, ||A|| for TV's steps, a trained
// regulariser) on a rank that holds the whole operator, then reconstructs one
// test image at a time. Adding a method is one entry here, its keys in
// kind.cpp and settings.*, and its name in method_names().
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/h5.hpp"
#include "experiments/ct_learned/settings.hpp"
#include "tomography/projector.hpp"

namespace structura::pipeline::ct_learned {

struct MethodInput {
  const Settings& settings;
  const tomography::DistributedProjector<double>& A;  // the whole operator, on this rank alone
  const h5::File& file;                               // /data, /models
};

// A further per-image series a method reports, stored as
// /reconstructions/<method>/<name>, (T, length) or (T,) when length is 1.
struct SeriesSpec {
  std::string name;
  int length = 1;
  std::string meaning;
};

// What an iterative method reports per image: its energy and gradient norm
// at x_0 .. x_K, NaN after its stop (history_length() values each), and the
// series of extra_series(), in that order and of those lengths.
struct Trace {
  std::vector<double> energy, gradient_norm;
  std::vector<std::vector<double>> extra;
};

class Method {
public:
  virtual ~Method() = default;
  // One test image: y its noisy sinogram, fbp its FBP, x the result.
  virtual Trace reconstruct(const tomography::Sinogram<double>& y, const tomography::Image<double>& fbp,
                            tomography::Image<double>& x) = 0;
  // Values per Trace series; 0: none.
  virtual int history_length() const { return 0; }
  // The series of Trace::extra; none by default.
  virtual std::vector<SeriesSpec> extra_series() const { return {}; }
  // Attributes of /reconstructions/<method> beyond the images and timings.
  virtual void describe(h5::Group&) const {}
};

struct MethodEntry {
  const char* name;
  std::function<std::unique_ptr<Method>(const MethodInput&)> make;
};

// The entry named `name` (InputError naming reconstruction.methods otherwise).
const MethodEntry& find_method(const std::string& name);

}  // namespace structura::pipeline::ct_learned
