// Kokkos conventions of structura: which execution/memory space kernels use,
// and a runtime guard for executables and tests.
#pragma once

#include <Kokkos_Core.hpp>

#include <string>

namespace structura {

using ExecSpace = Kokkos::DefaultExecutionSpace;
using MemSpace = ExecSpace::memory_space;
using HostSpace = Kokkos::HostSpace;

// Structure-of-arrays 2D view: (item, component) with items contiguous for
// each component (LayoutLeft), which coalesces on GPUs and vectorises on CPUs.
template <class T, class Space = MemSpace>
using SoAView = Kokkos::View<T**, Kokkos::LayoutLeft, Space>;

// Initialises Kokkos unless someone already did, finalises what it started.
class KokkosRuntime {
public:
  KokkosRuntime(int& argc, char** argv);
  ~KokkosRuntime();
  KokkosRuntime(const KokkosRuntime&) = delete;
  KokkosRuntime& operator=(const KokkosRuntime&) = delete;

private:
  bool owns_ = false;
};

// e.g. "Serial", "OpenMP(8 threads)", "Cuda".
std::string execution_space_description();

}  // namespace structura
