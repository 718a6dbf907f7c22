#include "core/kokkos.hpp"

#include <fmt/format.h>

namespace structura {

KokkosRuntime::KokkosRuntime(int& argc, char** argv) {
  if (!Kokkos::is_initialized()) {
    Kokkos::initialize(argc, argv);
    owns_ = true;
  }
}

KokkosRuntime::~KokkosRuntime() {
  if (owns_ && Kokkos::is_initialized()) Kokkos::finalize();
}

std::string execution_space_description() {
  std::string name = ExecSpace::name();
  const int concurrency = ExecSpace().concurrency();
  if (concurrency > 1) name += fmt::format("({} threads)", concurrency);
  return name;
}

}  // namespace structura
