#!/usr/bin/env bash
# The CT operator as a torch sparse CSR matrix (solvers/tomography_torch/
# csr_projector.cpp) built and checked on a GPU machine that has libtorch
# only inside the torch Python package: the target ct_csr_cuda_check of
# tools/device/CMakeLists.txt (the same bundle of Kokkos and fmt headers as
# sympflow_cuda_check.sh, carried in .gpu/) is built against torch's CMake
# config and run: CUDA = CPU for forward, adjoint and autograd gradients
# (float32, float64, parallel and fan beam), the adjoint identity on the
# device, and timings (RESULT lines).
#
# Usage, from the repository root:
#   bash tools/device/ct_csr_cuda_check.sh             # GPU machine (carry .gpu): CUDA required
#   bash tools/device/ct_csr_cuda_check.sh --cpu-only  # no GPU: the same checks with both operators on the CPU
# Make the bundle on Debian 12 first: bash tools/device/sympflow_cuda_check.sh --make-bundle
# Options: --build-dir DIR (default /tmp/structura-ct-csr-cuda-check), --jobs N.
# Environment: OUT (the log to $OUT/log, RESULT lines to $OUT/results.txt),
# PYTHON (a python3 that imports torch), Torch_DIR, CXX.
# Exit status: 0 when it built and every check passed; 1 otherwise.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUNDLE="$ROOT/.gpu"
MODE=gpu
BUILD_DIR=/tmp/structura-ct-csr-cuda-check
JOBS="$(nproc 2>/dev/null || echo 4)"
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu-only) MODE=cpu ;;
    --build-dir) BUILD_DIR="$2"; shift ;;
    --jobs) JOBS="$2"; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done

fail() { echo "ct_csr_cuda_check.sh: FAIL ($*)"; exit 1; }

main() {
  [ -f "$BUNDLE/kokkos/include/Kokkos_Core.hpp" ] ||
    fail "no bundle at $BUNDLE: make it with 'bash tools/device/sympflow_cuda_check.sh --make-bundle' and carry .gpu"
  [ -d /opt/torch/.venv/bin ] && export PATH="$PATH:/opt/torch/.venv/bin"
  local py c
  for c in "${PYTHON:-}" /opt/torch/.venv/bin/python3 python3 /usr/bin/python3; do
    [ -n "$c" ] && command -v "$c" >/dev/null && "$c" -c 'import torch' 2>/dev/null && { py="$c"; break; }
  done
  if [ -z "${Torch_DIR:-}" ] && [ -n "${py:-}" ]; then
    Torch_DIR="$("$py" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "share/cmake/Torch"))')"
    [ -f "$Torch_DIR/TorchConfig.cmake" ] || Torch_DIR=""  # Debian's python3-torch: use the system libtorch config
  fi
  echo "torch: python ${py:-none}, Torch_DIR ${Torch_DIR:-<search>}"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | head -2
  local gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
  local args=(-S "$ROOT/tools/device" -B "$BUILD_DIR" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release
              -DSTRUCTURA_CHECK_BUNDLE="$BUNDLE" -DSTRUCTURA_CHECK_TORCH_MODE=config)
  [ -n "${Torch_DIR:-}" ] && args+=(-DTorch_DIR="$Torch_DIR")
  [ -n "${CXX:-}" ] && args+=(-DCMAKE_CXX_COMPILER="$CXX")
  local nvcc; nvcc="$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null || true)"
  [ -n "$nvcc" ] && args+=(-DCMAKE_CUDA_COMPILER="$nvcc" -DCUDAToolkit_ROOT="$(dirname "$(dirname "$nvcc")")")
  TORCH_CUDA_ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-9.0}" cmake "${args[@]}" >"$BUILD_DIR.log" 2>&1 ||
    { tail -30 "$BUILD_DIR.log"; fail "configure (log $BUILD_DIR.log)"; }
  cmake --build "$BUILD_DIR" --target ct_csr_cuda_check -j "$JOBS" >>"$BUILD_DIR.log" 2>&1 ||
    { grep -m 20 -A5 error "$BUILD_DIR.log"; fail "build (log $BUILD_DIR.log)"; }
  local extra=(); [ "$MODE" = gpu ] && extra=(--require-cuda)
  local rc=0
  "$BUILD_DIR/ct_csr_cuda_check" "${extra[@]}" || rc=$?
  case "$rc" in
    0) echo "ct_csr_cuda_check.sh: PASS (mode $MODE)" ;;
    3) fail "no CUDA device visible to libtorch (is libtorch_cuda linked? ldd $BUILD_DIR/ct_csr_cuda_check)" ;;
    *) fail "checks failed or the driver crashed (exit $rc)" ;;
  esac
}

mkdir -p "$(dirname "$BUILD_DIR")"
if [ -n "${OUT:-}" ]; then
  mkdir -p "$OUT"
  main 2>&1 | tee "$OUT/log"
  status=${PIPESTATUS[0]}
  grep -E '^RESULT ' "$OUT/log" >"$OUT/results.txt" || true
  exit "$status"
else
  main 2>&1
fi
