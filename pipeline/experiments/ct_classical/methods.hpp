// The reconstruction methods of `ct.classical` as a table: each entry makes
// the method's set-up once per stage (shared by every phantom: the FBP
// filter plans, ||A|| for TV's steps, a PETSc session) and then
// reconstructs one phantom at a time. Adding a method is one entry here, its
// keys in kind.cpp and settings.*, and its name in the schema's choices.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/h5.hpp"
#include "experiments/ct_classical/settings.hpp"
#include "tomography/iterative.hpp"
#include "tomography/projector.hpp"

namespace structura::pipeline::ct_classical {

// What one method reports per phantom; empty series are not written.
struct History {
  std::vector<double> residual, objective, gap;
  int iterations = 0;
  std::string stop_reason;
  bool discrepancy_reached = false;
  std::string residual_meaning = "||A x_k - y||, k = 0 .. iterations";
};

// What a method's set-up sees.
struct MethodInput {
  const Settings& settings;
  const tomography::DistributedProjector<double>& A;
  const mpi::Comm& comm;
  tomography::IterationPoll poll;  // throws Interrupted on a signal
};

class Method {
public:
  virtual ~Method() = default;
  // One phantom: y its noisy rows, x the image (zero on entry).
  virtual History reconstruct(const tomography::Sinogram<double>& y, tomography::Image<double>& x,
                              const tomography::Discrepancy& rule) = 0;
  // Attributes of /reconstructions/<method> beyond images and seconds.
  virtual void describe(h5::Group&) const {}
  virtual bool has_history() const { return true; }
};

struct MethodEntry {
  const char* name;
  std::function<std::unique_ptr<Method>(const MethodInput&)> make;
};

const std::vector<MethodEntry>& method_table();

// The entry named `name` (InputError naming reconstruction.methods otherwise).
const MethodEntry& find_method(const std::string& name);

}  // namespace structura::pipeline::ct_classical
