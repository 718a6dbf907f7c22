# Generates <build>/generated/structura/version.hpp at build time (not only at
# configure time) so that the git commit, with "-dirty" for uncommitted
# changes, is the one the binary was built from. The file is rewritten only
# when its content changes, so an unchanged tree does not trigger rebuilds.
set(STRUCTURA_GENERATED_DIR ${CMAKE_BINARY_DIR}/generated)
file(MAKE_DIRECTORY ${STRUCTURA_GENERATED_DIR}/structura)
find_package(Git QUIET)
add_custom_target(structura_version_header ALL
  COMMAND ${CMAKE_COMMAND}
    -DGIT_EXECUTABLE=${GIT_EXECUTABLE}
    -DSOURCE_DIR=${CMAKE_SOURCE_DIR}
    -DINPUT=${CMAKE_SOURCE_DIR}/cmake/version.hpp.in
    -DOUTPUT=${STRUCTURA_GENERATED_DIR}/structura/version.hpp
    -DSTRUCTURA_VERSION=${PROJECT_VERSION}
    -DMPI_VERSION=${MPI_CXX_VERSION}
    -DHDF5_VERSION=${HDF5_VERSION}
    -DPETSC_VERSION=${PETSc_VERSION}
    -DKOKKOS_VERSION=${STRUCTURA_KOKKOS_VERSION}
    -DTORCH_VERSION=${STRUCTURA_TORCH_VERSION}
    -DFMT_VERSION=${fmt_VERSION}
    -DTOMLPP_VERSION=${tomlplusplus_VERSION}
    -DCOMPILER=${CMAKE_CXX_COMPILER_ID}-${CMAKE_CXX_COMPILER_VERSION}
    -DBUILD_TYPE=${CMAKE_BUILD_TYPE}
    -P ${CMAKE_SOURCE_DIR}/cmake/WriteVersionHeader.cmake
  BYPRODUCTS ${STRUCTURA_GENERATED_DIR}/structura/version.hpp
  COMMENT "Writing version header")
