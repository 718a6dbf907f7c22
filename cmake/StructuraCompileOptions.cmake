# Flags shared by every structura target, collected on one interface target so
# that the benchmark peers are compiled exactly like the library.
add_library(structura_flags INTERFACE)
add_library(structura::flags ALIAS structura_flags)
target_compile_options(structura_flags INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wno-unused-parameter>)
if(STRUCTURA_NATIVE AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(structura_flags INTERFACE $<BUILD_INTERFACE:-march=native>)
endif()
install(TARGETS structura_flags EXPORT structuraTargets)
