#!/usr/bin/env bash
# Installs every Debian 12 package structura needs. Idempotent: packages that
# are already installed are skipped, and apt is not touched when nothing is
# missing. Run as root (or with sudo available).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache git pkg-config
  libopenmpi-dev openmpi-bin
  libhdf5-openmpi-dev hdf5-tools
  petsc-dev
  libtrilinos-kokkos-dev
  libtorch-dev
  libopenblas0-serial  # BLAS for libtorch: Debian's default reference BLAS made SympFlow training 2x slower
  libfmt-dev doctest-dev libtomlplusplus-dev libcli11-dev
  libfftw3-dev libboost-dev librandom123-dev
  slurm-wlm munge
  python3 python3-h5py python3-matplotlib python3-numpy
  python3-torch  # the PyTorch peer of the SympFlow training benchmark
  python3-skimage  # the scikit-image peer of the CT tests and benchmarks; its sample photographs are the deblurring data
  libpng-dev  # reads those photographs (solvers/imaging)
  dataset-fashion-mnist  # Fashion-MNIST (28x28) for the LieLAC image experiment, read from /usr/share/datasets
  zlib1g-dev  # inflates the gzip-compressed data files (solvers/datasets)
  python3-sklearn  # its 8x8 handwritten digits (sklearn/datasets/data/digits.csv.gz), read by the C++
  chromium  # the report_html test renders report.html in headless Chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
