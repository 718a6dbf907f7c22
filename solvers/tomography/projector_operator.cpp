#include "tomography/projector_operator.hpp"

namespace structura::tomography {

std::unique_ptr<ShellOperator> make_projector_operator(const DistributedProjector<double>& projector,
                                                       petsc::SharedPetscOptions options) {
  const Projector<double>& local = projector.local();
  const ImageGeometry& g = local.image_geometry();
  const int detectors = local.beam_geometry().detectors;
  const auto rows = static_cast<PetscInt>(local.angles().count) * detectors;
  // Device views reused by every product; PETSc's arrays live on the host.
  auto image = std::make_shared<Image<double>>(local.make_image());
  auto sinogram = std::make_shared<Sinogram<double>>(local.make_sinogram());
  using HostImage = Kokkos::View<double**, Kokkos::LayoutRight, HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;
  auto forward = [&local, image, sinogram, g, detectors](const double* x_full, double* y_local) {
    Kokkos::deep_copy(*image, HostImage(const_cast<double*>(x_full), g.ny, g.nx));
    local.forward(*image, *sinogram);
    Kokkos::deep_copy(HostImage(y_local, sinogram->extent(0), detectors), *sinogram);
  };
  auto adjoint = [&local, image, sinogram, g, detectors](const double* y_local, double* x_partial) {
    Kokkos::deep_copy(*sinogram, HostImage(const_cast<double*>(y_local), sinogram->extent(0), detectors));
    local.adjoint(*sinogram, *image);
    Kokkos::deep_copy(HostImage(x_partial, g.ny, g.nx), *image);
  };
  return std::make_unique<ShellOperator>(projector.comm(), static_cast<PetscInt>(g.pixels()), rows, forward, adjoint,
                                         std::move(options));
}

}  // namespace structura::tomography
