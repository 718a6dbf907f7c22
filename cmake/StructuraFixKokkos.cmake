# structura_fix_kokkos_target(<error_var>)
#
# Call after find_package(Kokkos). Debian ships Kokkos 3.4 inside Trilinos and
# its generated config gives the imported target Kokkos::kokkos an include
# directory of <prefix>/include, which does not exist; the headers live in the
# config's own Kokkos_INCLUDE_DIRS (<prefix>/include/trilinos). This corrects
# the imported target in the calling directory and leaves the system files
# alone. A Kokkos whose target already reaches Kokkos_Core.hpp (a standalone
# Kokkos 4.x with CUDA, OpenMP, ...) is left as it is.
#
# Used by the build (cmake/StructuraDependencies.cmake) and installed next to
# structuraConfig.cmake, so that a downstream find_package(structura) applies
# exactly the same correction. <error_var> is set to an empty string on
# success, or to a message saying what is wrong; the caller decides whether
# that is fatal (the build) or makes the package not found (the config).
# On return STRUCTURA_KOKKOS_INCLUDE_FIX holds the corrected directories, or is
# empty if nothing was changed.
function(structura_fix_kokkos_target error_var)
  set(${error_var} "" PARENT_SCOPE)
  set(STRUCTURA_KOKKOS_INCLUDE_FIX "" PARENT_SCOPE)
  if(NOT TARGET Kokkos::kokkos)
    set(${error_var} "Kokkos was found at '${Kokkos_DIR}' but defines no target Kokkos::kokkos." PARENT_SCOPE)
    return()
  endif()

  get_target_property(_aliased Kokkos::kokkos ALIASED_TARGET)
  set(_target Kokkos::kokkos)
  if(_aliased)
    set(_target ${_aliased})
  endif()

  get_target_property(_inc ${_target} INTERFACE_INCLUDE_DIRECTORIES)
  if(NOT _inc)
    set(_inc "")
  endif()
  foreach(_dir IN LISTS _inc)
    # A generator expression cannot be checked here; trust such a target.
    if(_dir MATCHES "\\$<" OR EXISTS "${_dir}/Kokkos_Core.hpp")
      return()
    endif()
  endforeach()

  set(_fixed "")
  foreach(_dir IN LISTS Kokkos_INCLUDE_DIRS)
    get_filename_component(_dir "${_dir}" REALPATH)
    if(EXISTS "${_dir}/Kokkos_Core.hpp")
      list(APPEND _fixed "${_dir}")
    endif()
  endforeach()
  if(NOT _fixed)
    string(CONCAT _msg "Kokkos was found at '${Kokkos_DIR}' but Kokkos_Core.hpp is in none of '${_inc}' or "
                       "'${Kokkos_INCLUDE_DIRS}'. Set Kokkos_ROOT to a Kokkos install.")
    set(${error_var} "${_msg}" PARENT_SCOPE)
    return()
  endif()
  list(REMOVE_DUPLICATES _fixed)
  set_target_properties(${_target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_fixed}")
  set(STRUCTURA_KOKKOS_INCLUDE_FIX "${_fixed}" PARENT_SCOPE)
endfunction()
