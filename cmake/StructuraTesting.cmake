# structura_add_test(<name>
#     SOURCES <files...>            test sources (doctest), linked with the MPI+Kokkos test main
#     [LIBS <targets...>]           libraries to link
#     [RANKS <n...>]                run under mpiexec once per rank count (label "mpi" is added)
#     [LABELS <labels...>]          ctest labels (default: unit)
#     [TIMEOUT <seconds>])
# Each rank count becomes its own ctest entry, <name>.np<n>, so a failure
# says which decomposition failed.
set(STRUCTURA_MPIEXEC_FLAGS --oversubscribe --bind-to none)
# OpenMPI refuses root unless told; CI runs as root.
set(STRUCTURA_TEST_ENVIRONMENT
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
  OMP_NUM_THREADS=1)

function(structura_add_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;RANKS;LABELS" ${ARGN})
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  add_executable(test_${name} ${T_SOURCES})
  target_link_libraries(test_${name} PRIVATE structura_test_main ${T_LIBS} structura::flags)
  if(T_RANKS)
    list(APPEND T_LABELS mpi)
    foreach(n IN LISTS T_RANKS)
      add_test(NAME ${name}.np${n}
               COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${n} ${STRUCTURA_MPIEXEC_FLAGS}
                       $<TARGET_FILE:test_${name}>)
      set_tests_properties(${name}.np${n} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
                           ENVIRONMENT "${STRUCTURA_TEST_ENVIRONMENT}" PROCESSORS ${n})
    endforeach()
  else()
    add_test(NAME ${name} COMMAND test_${name})
    set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
                         ENVIRONMENT "${STRUCTURA_TEST_ENVIRONMENT}")
  endif()
endfunction()

# structura_add_script_test(<name> COMMAND <cmd...> [LABELS ...] [TIMEOUT s] [PROCESSORS n])
# For integration tests that drive the CLI from a shell or Python script.
function(structura_add_script_test name)
  cmake_parse_arguments(T "" "TIMEOUT;PROCESSORS" "COMMAND;LABELS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 900)
  endif()
  if(NOT T_PROCESSORS)
    set(T_PROCESSORS 2)
  endif()
  add_test(NAME ${name} COMMAND ${T_COMMAND})
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT} PROCESSORS ${T_PROCESSORS}
    ENVIRONMENT "${STRUCTURA_TEST_ENVIRONMENT};STRUCTURA=$<TARGET_FILE:structura>;STRUCTURA_SOURCE_DIR=${PROJECT_SOURCE_DIR};STRUCTURA_PYTHON=${STRUCTURA_PYTHON};STRUCTURA_BUILD_DIR=${PROJECT_BINARY_DIR}")
endfunction()
