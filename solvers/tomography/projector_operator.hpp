// The distributed Joseph projector as a PETSc MatShell (see
// petsc_operator.hpp): the sinogram Vec holds this rank's angles, in the
// projector's (angle, detector) order; the image Vec is split by PETSc.
#pragma once

#include <memory>

#include "tomography/petsc_operator.hpp"
#include "tomography/projector.hpp"

namespace structura::tomography {

// `projector` must outlive the operator; options as ShellOperator's.
std::unique_ptr<ShellOperator> make_projector_operator(const DistributedProjector<double>& projector,
                                                       petsc::SharedPetscOptions options = nullptr);

}  // namespace structura::tomography
