#!/usr/bin/env bash
# SympFlow's libtorch CUDA path, built and checked in one go on a GPU machine
# that has libtorch only inside the torch Python package and none of
# structura's other dependencies: the few structura sources a model-level
# check needs (tools/device/CMakeLists.txt) are built against torch's CMake
# config and the headers carried in .gpu/ (Kokkos 3.4 and fmt 9 from Debian
# 12, header-only), then tools/device/sympflow_cuda_check.cpp runs: closed-form
# derivatives vs autograd, symplecticity and N(0, x) = x on CUDA, CUDA = CPU
# for the same weights, and training-step timings (RESULT lines).
#
# Usage, from the repository root:
#   bash tools/device/sympflow_cuda_check.sh                # GPU machine (carry .gpu): CUDA checks required
#   bash tools/device/sympflow_cuda_check.sh --cpu-only     # no GPU: CUDA checks print SKIP
#   bash tools/device/sympflow_cuda_check.sh --make-bundle  # (re)make .gpu/ here, on Debian 12
# Options:
#   --build-dir DIR      (default /tmp/structura-sympflow-cuda-check)
#   --jobs N             parallel compile jobs (default: all cores)
#   --torch-mode M       auto (default: torch's CMake config, else linking torch's libraries by hand),
#                        config or manual
#   --build-timeout S    (default 240)   --run-timeout S (default 200)
#   --clean              empty the build folder first (default: reuse what is there)
#   -- ARGS...           passed to the driver (e.g. --seconds 0.5 --no-timing; see its usage)
# Environment: OUT (if set: the whole log to $OUT/log, the RESULT lines to
# $OUT/results.txt), CXX, PYTHON (a python3 that imports torch), Torch_DIR,
# STRUCTURA_CHECK_FMT=bundle|torch (force where fmt comes from).
# Exit status: 0 when everything built and every check passed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUNDLE="$ROOT/.gpu"
MODE=gpu
BUILD_DIR=/tmp/structura-sympflow-cuda-check
JOBS="$(nproc 2>/dev/null || echo 4)"
TORCH_MODE=auto
BUILD_TIMEOUT=240
RUN_TIMEOUT=200
CLEAN=0
DRIVER_ARGS=()

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --cpu-only) MODE=cpu ;;
    --make-bundle) MODE=bundle ;;
    --build-dir) BUILD_DIR="$2"; shift ;;
    --jobs) JOBS="$2"; shift ;;
    --torch-mode) TORCH_MODE="$2"; shift ;;
    --build-timeout) BUILD_TIMEOUT="$2"; shift ;;
    --run-timeout) RUN_TIMEOUT="$2"; shift ;;
    --clean) CLEAN=1 ;;
    --) shift; DRIVER_ARGS=("$@"); break ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
case "$TORCH_MODE" in auto|config|manual) ;; *) echo "--torch-mode: auto, config or manual" >&2; exit 2 ;; esac

section() { printf '\n==== %s ====\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*"; printf 'sympflow_cuda_check.sh: FAIL (%s)\n' "$1"; exit 1; }

# ---- the bundle: the Debian headers the sources need, nothing else -----------
# The Kokkos and fmt headers reached from the structura headers that the
# compiled sources include, as g++ and clang++ preprocess them in C++17 and
# C++20 (so that a compiler-specific branch finds its header too); no shared
# library is needed (Kokkos: inline functions and types only; fmt: header-only).
make_bundle() {
  local kokkos=/usr/include/trilinos fmt=/usr/include/fmt
  [ -f "$kokkos/Kokkos_Core.hpp" ] && [ -f "$fmt/format.h" ] ||
    fail "make-bundle needs Debian's libtrilinos-kokkos-dev and libfmt-dev (apt-get install libtrilinos-kokkos-dev libfmt-dev)"
  local tmp; tmp="$(mktemp -d)"
  cat >"$tmp/probe.cpp" <<'EOF'
#include <fmt/format.h>
#include "core/error.hpp"
#include "hamiltonian/ensemble.hpp"
#include "hamiltonian/flow_map_weights.hpp"
EOF
  local cxx std found=0
  for cxx in g++ clang++; do
    command -v "$cxx" >/dev/null || continue
    for std in c++17 c++20; do
      "$cxx" -std="$std" -DFMT_HEADER_ONLY -include cstdint -I "$ROOT/solvers" -I "$kokkos" -M "$tmp/probe.cpp" \
        >"$tmp/deps.$cxx.$std" || fail "make-bundle: $cxx -std=$std could not preprocess the probe"
      found=1
    done
  done
  [ "$found" = 1 ] || fail "make-bundle: no g++ or clang++"
  cat "$tmp"/deps.* | tr ' \\' '\n\n' | grep -E "^($kokkos|$fmt)/" | sort -u >"$tmp/files"
  rm -rf "$BUNDLE"
  mkdir -p "$BUNDLE/kokkos/include" "$BUNDLE/fmt/include" "$BUNDLE/licenses"
  local f rel
  while read -r f; do
    case "$f" in $kokkos/*) rel="kokkos/include/${f#$kokkos/}" ;; *) rel="fmt/include/fmt/${f#$fmt/}" ;; esac
    mkdir -p "$BUNDLE/$(dirname "$rel")"
    cp -p "$f" "$BUNDLE/$rel"
  done <"$tmp/files"
  cp /usr/share/doc/libtrilinos-kokkos-dev/copyright "$BUNDLE/licenses/kokkos-copyright"
  cp /usr/share/doc/libfmt-dev/copyright "$BUNDLE/licenses/fmt-copyright"
  {
    echo "Headers for tools/device/sympflow_cuda_check.sh, made by '$0 --make-bundle' on $(date -u +%F)."
    echo "From Debian packages: kokkos/include mirrors /usr/include/trilinos, fmt/include/fmt /usr/include/fmt:"
    dpkg-query -W -f '  ${Package} ${Version}\n' libtrilinos-kokkos-dev libfmt-dev 2>/dev/null
    echo "$(wc -l <"$tmp/files") files:"
    sed 's/^/  /' "$tmp/files"
  } >"$BUNDLE/MANIFEST"
  rm -rf "$tmp"
  # Ignored by git, so that it travels only when carried.
  local exclude="$ROOT/.git/info/exclude"
  if [ -d "$ROOT/.git" ] && ! grep -qxF '/.gpu/' "$exclude" 2>/dev/null; then
    mkdir -p "$ROOT/.git/info" && echo '/.gpu/' >>"$exclude"
  fi
  echo "made $BUNDLE: $(find "$BUNDLE" -type f | wc -l) files, $(du -sh "$BUNDLE" | cut -f1)"
}

# ---- find the tools -----------------------------------------------------------
find_tools() {
  section "machine and tools"
  echo "date: $(date -u '+%F %T') UTC; host: $(uname -srm); cores: $(nproc)"
  [ -r /etc/os-release ] && echo "os: $(. /etc/os-release; echo "${PRETTY_NAME:-?}")"
  # Tools the torch virtual environment brings (cmake, ninja from pip) come last.
  [ -d /opt/torch/.venv/bin ] && export PATH="$PATH:/opt/torch/.venv/bin"

  local c
  CXX_FOUND=""
  for c in "${CXX:-}" c++ g++ clang++; do
    [ -n "$c" ] && command -v "$c" >/dev/null && { CXX_FOUND="$(command -v "$c")"; break; }
  done
  [ -n "$CXX_FOUND" ] || fail "no C++ compiler: none of \$CXX, c++, g++, clang++ is on PATH"
  echo "c++: $CXX_FOUND: $("$CXX_FOUND" --version | head -1)"
  echo 'int main() { return 0; }' >"/tmp/structura-cxx-probe.$$.cpp"
  "$CXX_FOUND" -std=c++20 "/tmp/structura-cxx-probe.$$.cpp" -o "/tmp/structura-cxx-probe.$$" ||
    fail "the C++ compiler $CXX_FOUND cannot build a C++20 program"
  rm -f "/tmp/structura-cxx-probe.$$"*

  command -v cmake >/dev/null || fail "no cmake on PATH (nor in /opt/torch/.venv/bin)"
  echo "cmake: $(command -v cmake): $(cmake --version | head -1)"
  GENERATOR="Unix Makefiles"
  if command -v ninja >/dev/null; then
    GENERATOR=Ninja
    echo "ninja: $(command -v ninja) $(ninja --version)"
  else
    command -v make >/dev/null || fail "neither ninja nor make on PATH"
    echo "ninja: none, using make"
  fi

  if command -v nvidia-smi >/dev/null; then
    echo "gpu: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -4)"
  else
    echo "gpu: no nvidia-smi"
  fi
  NVCC=""
  for c in nvcc /usr/local/cuda/bin/nvcc /usr/local/cuda-*/bin/nvcc; do
    command -v "$c" >/dev/null && { NVCC="$(command -v "$c")"; break; }
  done
  [ -n "$NVCC" ] && echo "nvcc: $NVCC: $("$NVCC" --version | tail -1)" || echo "nvcc: none"

  # torch: a Python that imports it (the GPU machine), else a system libtorch's CMake config.
  TORCH_PY=""
  for c in "${PYTHON:-}" /opt/torch/.venv/bin/python3 python3; do
    [ -n "$c" ] && command -v "$c" >/dev/null && "$c" -c 'import torch' 2>/dev/null && { TORCH_PY="$c"; break; }
  done
  TORCH_PKG="" TORCH_ABI=1 TORCH_CUDA=""
  if [ -n "$TORCH_PY" ]; then
    read -r TORCH_PKG TORCH_ABI TORCH_CUDA TORCH_VER < <("$TORCH_PY" -c '
import os, torch
abi = int(getattr(torch._C, "_GLIBCXX_USE_CXX11_ABI", True))
print(os.path.dirname(torch.__file__), abi, torch.version.cuda or "none", torch.__version__)')
    echo "torch: $TORCH_VER (CUDA $TORCH_CUDA, C++11 ABI $TORCH_ABI) at $TORCH_PKG, from $TORCH_PY"
    export Torch_DIR="${Torch_DIR:-$TORCH_PKG/share/cmake/Torch}"
  else
    echo "torch: no Python imports torch; find_package(Torch) searches (Torch_DIR='${Torch_DIR:-}')"
  fi
  # Folders holding libtorch's own dependencies (the pip nvidia-* packages),
  # for the linker to resolve them.
  RPATH_LINK=""
  if [ -n "$TORCH_PKG" ]; then
    RPATH_LINK="$TORCH_PKG/lib"
    local d
    for d in $(find "$(dirname "$TORCH_PKG")/nvidia" -maxdepth 3 -type d -name lib 2>/dev/null | sort); do
      RPATH_LINK="$RPATH_LINK;$d"
    done
  fi
}

# ---- which fmt -----------------------------------------------------------------
# The sources use fmt header-only; the bundle carries Debian's fmt 9. A torch
# wheel ships its own fmt headers too (fmt 12 in torch 2.10+). Should torch's
# public headers themselves include fmt, two fmt versions would meet in one
# translation unit: then use torch's copy for everything (a few seconds of
# preprocessing <torch/torch.h> decides).
choose_fmt() {
  FMT_SOURCE=bundle
  case "${STRUCTURA_CHECK_FMT:-}" in  # an override, for testing both ways
    bundle) echo "fmt: the bundle's (STRUCTURA_CHECK_FMT)"; return 0 ;;
    torch) FMT_SOURCE=torch; echo "fmt: torch's, $TORCH_PKG/include/fmt (STRUCTURA_CHECK_FMT)"; return 0 ;;
  esac
  [ -n "$TORCH_PKG" ] && [ -f "$TORCH_PKG/include/fmt/format.h" ] || return 0
  local list
  if ! list="$(echo '#include <torch/torch.h>' | "$CXX_FOUND" -std=c++20 -x c++ -M -I "$TORCH_PKG/include" \
      -I "$TORCH_PKG/include/torch/csrc/api/include" - 2>/dev/null)"; then
    echo "fmt: could not preprocess <torch/torch.h> alone; keeping the bundle's fmt"
    return 0
  fi
  if grep -q '/fmt/' <<<"$list"; then
    FMT_SOURCE=torch
    echo "fmt: <torch/torch.h> includes fmt itself, so torch's copy ($TORCH_PKG/include/fmt) is used instead of the bundle's"
  else
    echo "fmt: <torch/torch.h> does not include fmt; the bundle's fmt 9 is used (torch's own copy stays unused)"
  fi
}

# ---- configure and build --------------------------------------------------------
# configure_and_build MODE DIR: 0 on success, the tail of the output otherwise.
configure_and_build() {
  local mode="$1" dir="$2" log="$2.log"
  local args=(-S "$ROOT/tools/device" -B "$dir" -G "$GENERATOR" -DCMAKE_BUILD_TYPE=Release
              -DCMAKE_CXX_COMPILER="$CXX_FOUND" -DSTRUCTURA_CHECK_BUNDLE="$BUNDLE"
              -DSTRUCTURA_CHECK_TORCH_MODE="$mode" "-DSTRUCTURA_CHECK_RPATH_LINK=$RPATH_LINK"
              -DSTRUCTURA_CHECK_BUNDLE_FMT="$([ "$FMT_SOURCE" = bundle ] && echo ON || echo OFF)")
  if [ "$mode" = config ]; then
    # Without a Torch_DIR, forget a cached one: find_package searches afresh.
    if [ -n "${Torch_DIR:-}" ]; then args+=(-DTorch_DIR="$Torch_DIR"); else args+=(-UTorch_DIR); fi
    if [ -n "$NVCC" ]; then
      args+=(-DCUDAToolkit_ROOT="$(dirname "$(dirname "$NVCC")")" -DCMAKE_CUDA_COMPILER="$NVCC")
    fi
  else
    [ -n "$TORCH_PKG" ] || { echo "manual mode needs a Python that imports torch"; return 1; }
    args+=(-DSTRUCTURA_CHECK_TORCH_ROOT="$TORCH_PKG" -DSTRUCTURA_CHECK_CXX11_ABI="$TORCH_ABI")
  fi
  [ "$CLEAN" = 1 ] && rm -rf "$dir"
  section "configure ($mode)"
  local t0=$SECONDS
  if ! TORCH_CUDA_ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-9.0}" cmake "${args[@]}" >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "configure ($mode) failed after $((SECONDS - t0)) s; full output in $log"
    return 1
  fi
  grep -E '^-- (check:|Found|Caffe2|Torch)' "$log" | head -20
  echo "configured in $((SECONDS - t0)) s"
  section "build ($mode, $JOBS jobs)"
  t0=$SECONDS
  if ! timeout "$BUILD_TIMEOUT" cmake --build "$dir" -j "$JOBS" >>"$log" 2>&1; then
    grep -E -m 20 -B2 -A6 'error|Error|undefined' "$log" | head -60
    tail -n 15 "$log"
    echo "build ($mode) failed (or passed the ${BUILD_TIMEOUT} s limit) after $((SECONDS - t0)) s; full output in $log"
    return 1
  fi
  echo "built in $((SECONDS - t0)) s"
}

# ---- what the build made --------------------------------------------------------
# Header origins (a problem there is final) and the driver's libraries (a
# problem there returns 1: another way of linking torch may do better).
inspect() {
  local dir="$1" exe="$1/sympflow_cuda_check"
  section "include paths and libraries"
  if [ "$GENERATOR" = Ninja ]; then
    # The headers each object was compiled from: Kokkos from the bundle, fmt
    # from the bundle (or from torch's own copy, see choose_fmt), never a system one.
    local deps; deps="$(ninja -C "$dir" -t deps 2>/dev/null)"
    local kokkos_dir="$BUNDLE/kokkos/include" fmt_dir="$BUNDLE/fmt/include"
    [ "$FMT_SOURCE" = torch ] && fmt_dir="$TORCH_PKG/include"
    local stray; stray="$(grep -E '(Kokkos|KokkosCore|impl/Kokkos)[A-Za-z_]*\.h(pp)?$' <<<"$deps" | grep -v "$kokkos_dir/" | sort -u)"
    stray="$stray$(grep -E '/fmt/[a-z_-]+\.h$' <<<"$deps" | grep -v "$fmt_dir/fmt/" | sort -u)"
    [ -z "$stray" ] || fail "Kokkos or fmt headers from outside the bundle were used: $(echo $stray | head -c 600)"
    grep -q "$kokkos_dir/Kokkos_Core.hpp" <<<"$deps" && grep -q "$fmt_dir/fmt/format.h" <<<"$deps" ||
      fail "Kokkos_Core.hpp from $kokkos_dir and fmt/format.h from $fmt_dir do not appear among the compiled headers"
    echo "PASS  headers: Kokkos only from $kokkos_dir ($(grep -c "$kokkos_dir/" <<<"$deps") inclusions)," \
      "fmt only from $fmt_dir ($(grep -c "$fmt_dir/fmt/" <<<"$deps") inclusions)"
  else
    echo "(no ninja: header origin not checked)"
  fi
  ldd "$exe" | grep -E 'torch|c10|cuda|cudart|fmt|kokkos|not found' | sed 's/^\s*/  /'
  if ldd "$exe" | grep -q 'not found'; then
    echo "FAIL  the driver has unresolved shared libraries (ldd above)"
    return 1
  fi
  # Its own DT_NEEDED entries (a system libtorch may bring libfmt along; the driver itself must not).
  if command -v readelf >/dev/null; then
    local needed; needed="$(readelf -d "$exe" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
    echo "  needed by the driver itself: $needed"
    ! grep -qE 'libfmt|kokkos' <<<"$needed" || fail "the driver links a Kokkos or fmt library; it should use headers only"
    if [ "$MODE" = gpu ] && [ -n "$TORCH_CUDA" ] && [ "$TORCH_CUDA" != none ] && ! grep -q 'libtorch_cuda' <<<"$needed"; then
      echo "FAIL  libtorch_cuda.so is not among the driver's libraries: no CUDA backend would register"
      return 1
    fi
  fi
}

main() {
  if [ "$MODE" = bundle ]; then
    make_bundle
    return 0
  fi
  echo "sympflow_cuda_check.sh: mode $MODE, repository $ROOT"
  [ -f "$BUNDLE/kokkos/include/Kokkos_Core.hpp" ] && [ -f "$BUNDLE/fmt/include/fmt/format.h" ] ||
    fail "no bundle at $BUNDLE: make it with --make-bundle on Debian 12 and carry .gpu"
  echo "bundle: $BUNDLE, $(find "$BUNDLE" -type f | wc -l) files, $(du -sh "$BUNDLE" | cut -f1)"
  find_tools
  choose_fmt
  mkdir -p "$BUILD_DIR" || fail "cannot make the build folder $BUILD_DIR"

  local modes=(config manual)
  [ "$TORCH_MODE" = auto ] || modes=("$TORCH_MODE")
  local threads=16 extra=()
  if [ "$MODE" = cpu ]; then
    threads="$(nproc)"
  else
    extra+=(--require-cuda)
  fi
  local mode rc
  for mode in "${modes[@]}"; do
    configure_and_build "$mode" "$BUILD_DIR/$mode" || continue
    inspect "$BUILD_DIR/$mode" || continue
    section "run (torch linked through: $mode)"
    rc=0
    timeout "$RUN_TIMEOUT" "$BUILD_DIR/$mode/sympflow_cuda_check" --threads "$threads" "${extra[@]}" \
      "${DRIVER_ARGS[@]}" || rc=$?
    case "$rc" in
      0) echo "sympflow_cuda_check.sh: PASS (torch linked through: $mode)"; return 0 ;;
      1) fail "checks failed (see the FAIL lines above; torch linked through: $mode)" ;;
      124) fail "the driver ran past the ${RUN_TIMEOUT} s limit" ;;
      3) echo "FAIL  the driver ($mode) sees no CUDA device" ;;
      *) echo "FAIL  the driver ($mode) crashed or aborted (exit status $rc)" ;;
    esac
  done
  fail "no way of linking torch (${modes[*]}) gave a driver that ran (see above)"
}

if [ -n "${OUT:-}" ]; then
  mkdir -p "$OUT"
  main 2>&1 | tee "$OUT/log"
  status=${PIPESTATUS[0]}
  grep -E '^RESULT ' "$OUT/log" >"$OUT/results.txt" || true
  exit "$status"
else
  main 2>&1
fi
