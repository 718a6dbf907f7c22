#!/usr/bin/env bash
# Checks that an installed structura is usable downstream:
#   1. cmake --install BUILD_DIR into a temporary prefix,
#   2. configure and build tests/consumer against it with find_package(structura),
#   3. run the consumers (hamiltonian, tomography) on 1 rank and, if mpiexec
#      is there, on 2 ranks; the libtorch one where structura has libtorch.
# Usage: run.sh BUILD_DIR   (an already built structura tree)
# Everything happens under a temporary directory, removed on exit
# (set KEEP_TMP=1 to keep it for inspection).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cmake=${CMAKE_COMMAND:-cmake}
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/structura-consumer.XXXXXX")
cleanup() {
  if [ "${KEEP_TMP:-0}" = 1 ]; then
    echo "run.sh: kept $tmp"
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1

echo "== install $build -> $tmp/prefix"
"$cmake" --install "$build" --prefix "$tmp/prefix"

# The install must be self-contained: nothing may point back into the build
# or source tree.
src=$(cd "$here/../.." && pwd)
if grep -rlF -e "$build" -e "$src/solvers" "$tmp/prefix/lib/cmake/structura"; then
  echo "run.sh: the installed CMake package refers to the build or source tree (files above)" >&2
  exit 1
fi

echo "== configure consumer"
# Compiler and launcher of the build tree, so that a sanitizer or ccache build
# is consumed consistently; the prefix is the only way structura is found.
cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
cxx_flags=$(sed -n 's/^CMAKE_CXX_FLAGS:[A-Z]*=//p' "$build/CMakeCache.txt")
linker_flags=$(sed -n 's/^CMAKE_EXE_LINKER_FLAGS:[A-Z]*=//p' "$build/CMakeCache.txt")
"$cmake" -S "$here" -B "$tmp/build" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$tmp/prefix" \
  ${cxx:+-DCMAKE_CXX_COMPILER="$cxx"} ${cc:+-DCMAKE_C_COMPILER="$cc"} \
  -DCMAKE_CXX_FLAGS="$cxx_flags" -DCMAKE_EXE_LINKER_FLAGS="$linker_flags"

echo "== build consumer"
"$cmake" --build "$tmp/build" -j 2

echo "== run consumer (1 rank)"
"$tmp/build/consumer"

if command -v mpiexec >/dev/null 2>&1; then
  echo "== run consumer (2 ranks)"
  mpiexec -n 2 --oversubscribe --bind-to none "$tmp/build/consumer"
fi
echo "== run consumer_tomography (1 rank)"
"$tmp/build/consumer_tomography"
if command -v mpiexec >/dev/null 2>&1; then
  echo "== run consumer_tomography (2 ranks)"
  mpiexec -n 2 --oversubscribe --bind-to none "$tmp/build/consumer_tomography"
fi
if [ -x "$tmp/build/consumer_sympflow" ]; then
  echo "== run consumer_sympflow (libtorch)"
  "$tmp/build/consumer_sympflow"
fi
echo "== install_consumer: OK"
