# Finds every dependency of structura. Each block fails with a message that
# says which Debian package (or which CMake variable for a custom install)
# provides the missing piece.

# --- MPI ---------------------------------------------------------------------
find_package(MPI REQUIRED COMPONENTS C CXX)

# --- HDF5, built for MPI --------------------------------------------------------
set(HDF5_PREFER_PARALLEL ON)
find_package(HDF5 REQUIRED COMPONENTS C)
if(NOT HDF5_IS_PARALLEL)
  message(FATAL_ERROR
    "structura needs HDF5 built for MPI (parallel HDF5), but the HDF5 found at "
    "'${HDF5_INCLUDE_DIRS}' is serial. On Debian install libhdf5-openmpi-dev; "
    "elsewhere point HDF5_ROOT at a parallel build (h5pcc).")
endif()
if(NOT TARGET hdf5::hdf5)
  add_library(hdf5::hdf5 INTERFACE IMPORTED)
  target_include_directories(hdf5::hdf5 INTERFACE ${HDF5_C_INCLUDE_DIRS} ${HDF5_INCLUDE_DIRS})
  target_link_libraries(hdf5::hdf5 INTERFACE ${HDF5_C_LIBRARIES} ${HDF5_LIBRARIES})
  target_compile_definitions(hdf5::hdf5 INTERFACE ${HDF5_DEFINITIONS})
endif()

# --- Kokkos -------------------------------------------------------------------
# Debian ships Kokkos 3.4 inside Trilinos with a wrong include directory on
# Kokkos::kokkos; cmake/StructuraFixKokkos.cmake corrects the imported target
# (the installed structuraConfig.cmake uses the same file). A standalone
# Kokkos 4.x (CUDA, OpenMP, ...) exports a correct target and is used as is;
# point Kokkos_ROOT at it.
find_package(Kokkos REQUIRED)
include(StructuraFixKokkos)
structura_fix_kokkos_target(_kokkos_error)
if(_kokkos_error)
  message(FATAL_ERROR "${_kokkos_error}")
endif()
if(STRUCTURA_KOKKOS_INCLUDE_FIX)
  message(STATUS "Kokkos: corrected the include directory of Kokkos::kokkos to ${STRUCTURA_KOKKOS_INCLUDE_FIX}")
endif()
set(STRUCTURA_KOKKOS_VERSION "${Kokkos_VERSION}")

# --- PETSc (pkg-config) -------------------------------------------------------
find_package(PkgConfig REQUIRED)
pkg_check_modules(PETSc REQUIRED IMPORTED_TARGET PETSc)

# --- FFTW (pkg-config; the FBP filters, the spectral 1-D PDE solver) -----------
pkg_check_modules(FFTW REQUIRED IMPORTED_TARGET fftw3 fftw3f)

# --- small libraries ------------------------------------------------------------
find_package(fmt REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(CLI11 QUIET CONFIG)
if(NOT TARGET CLI11::CLI11)
  find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  target_include_directories(CLI11::CLI11 INTERFACE ${CLI11_INCLUDE_DIR})
endif()
find_path(RANDOM123_INCLUDE_DIR Random123/philox.h)
if(NOT RANDOM123_INCLUDE_DIR)
  message(FATAL_ERROR "Random123 headers not found (Debian: librandom123-dev); set RANDOM123_INCLUDE_DIR.")
endif()
if(STRUCTURA_BUILD_TESTS)
  find_package(doctest REQUIRED)
endif()

# --- libtorch -----------------------------------------------------------------
# Found here so that every configure checks it and records its version; only
# the learning modules link it. Point Torch_DIR at a CUDA build on a cluster.
if(STRUCTURA_WITH_TORCH)
  find_package(Torch REQUIRED)
  set(STRUCTURA_TORCH_VERSION "${Torch_VERSION}")
else()
  set(STRUCTURA_TORCH_VERSION "disabled")
endif()

# --- Python for plots and integration tests -----------------------------------------
# Debian's interpreter carries python3-h5py and python3-matplotlib; prefer it
# over another python3 earlier on PATH (pyenv, conda) that may lack them.
find_program(STRUCTURA_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT STRUCTURA_PYTHON)
  find_program(STRUCTURA_PYTHON NAMES python3)
endif()
