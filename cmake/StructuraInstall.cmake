# Installs the solver libraries as a CMake package, so that downstream code does
#
#   find_package(structura REQUIRED)
#   target_link_libraries(app PRIVATE structura::hamiltonian)
#
# Layout under the prefix:
#   include/structura/core/*.hpp, include/structura/hamiltonian/*.hpp,
#   include/structura/tomography/*.hpp (installed by each module's CMakeLists)
#   include/structura/version.hpp      the generated version header
#   lib/libstructura_*.a               the libraries
#   lib/cmake/structura/               structuraConfig.cmake, ...ConfigVersion.cmake,
#                                      structuraTargets*.cmake, StructuraFixKokkos.cmake
#
# Downstream includes are spelled as inside the tree: "core/mpi.hpp",
# "hamiltonian/ensemble.hpp", "tomography/projector.hpp" (from include/structura) and
# "structura/version.hpp" (from include, as from <build>/generated in the tree).
include(CMakePackageConfigHelpers)

set(STRUCTURA_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/structura"
    CACHE STRING "Where structuraConfig.cmake is installed, relative to the prefix")
mark_as_advanced(STRUCTURA_INSTALL_CMAKEDIR)

# Exported as structura::flags, the name it has inside the tree. The libraries
# link it PRIVATE; being static, their export still names it (LINK_ONLY), so it
# must be part of the export set (see StructuraCompileOptions.cmake). Its
# -march=native is BUILD_INTERFACE only and never reaches a consumer.
set_target_properties(structura_flags PROPERTIES EXPORT_NAME flags)

# structura::tomography links PkgConfig::PETSc publicly and PkgConfig::FFTW (as does structura::pde)
# privately; both are imported targets, so the export names them and the
# package config makes them again with pkg-config (FFTW for the link only:
# the library is static, its FFTW calls resolve in the consumer's link).
set(STRUCTURA_INSTALLED_LIBRARIES structura_core structura_nn_base structura_hamiltonian structura_petsc_syntax structura_petsc structura_pde structura_datasets structura_canonicalisation structura_canonicalisation_pde structura_tomography_geometry structura_collapse structura_ordering
    structura_tomography)
if(STRUCTURA_WITH_TORCH)  # the learning libraries: the package then finds Torch too
  list(APPEND STRUCTURA_INSTALLED_LIBRARIES structura_nn structura_sympflow structura_regularisers structura_tomography_torch)
  list(APPEND STRUCTURA_INSTALLED_LIBRARIES structura_variational structura_imaging structura_neural_operators
       structura_canonicalisation_images structura_geometry)
endif()
install(TARGETS ${STRUCTURA_INSTALLED_LIBRARIES}
  EXPORT structuraTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  # include/structura comes from structura_core's INSTALL_INTERFACE already;
  # include makes "structura/version.hpp" resolve.
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(FILES ${STRUCTURA_GENERATED_DIR}/structura/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/structura)

install(EXPORT structuraTargets
  NAMESPACE structura::
  FILE structuraTargets.cmake
  DESTINATION ${STRUCTURA_INSTALL_CMAKEDIR})

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/structuraConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/structuraConfig.cmake
  INSTALL_DESTINATION ${STRUCTURA_INSTALL_CMAKEDIR})
# 0.x: a minor version may break the interface, so only the same minor matches.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/cmake/structuraConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)

install(FILES
  ${PROJECT_BINARY_DIR}/cmake/structuraConfig.cmake
  ${PROJECT_BINARY_DIR}/cmake/structuraConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/StructuraFixKokkos.cmake
  DESTINATION ${STRUCTURA_INSTALL_CMAKEDIR})
