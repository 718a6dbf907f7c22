#!/usr/bin/env bash
# Runs the SympFlow benchmarks and prints a summary plus one Markdown block to
# paste into the README, with the exact command lines.
#
#   tests/benchmarks/sympflow/run_sympflow.sh BUILD_DIR [--quick] [--no-pypi-torch] [--training "ARGS"] [--inference "ARGS"]
#
# BUILD_DIR is a Release build with both targets:
#   cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release
#   ninja -C build-bench structura_bench_sympflow_training structura_bench_sympflow_inference
# --training ARGS go to the C++ training benchmark and to its Python peer (the
# options are the same, e.g. "--epochs 40 --reps 7"); --inference ARGS to the
# inference benchmark (e.g. "--trajectories 1000000"). --quick: a smoke run.
# The Python peer runs under $PYTHON (default /usr/bin/python3: it needs
# torch, numpy and h5py), and again under a current PyTorch from PyPI (CPU use
# of the default Linux wheel, which brings the nvidia-* CUDA packages; about
# 5 GiB) in BUILD_DIR/sympflow-peers-venv, made on first use on top of the
# Debian packages (--system-site-packages: h5py, numpy); --no-pypi-torch skips
# it. Every run is one thread; on a shared machine check the load printed
# with the figures and rerun when it is high.
set -euo pipefail

usage() { sed -n '2,20s/^# \{0,1\}//p' "$0"; }
if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  usage
  exit 2
fi
build=$(cd "$1" && pwd)
shift
quick=0
pypi=1
training_args=()
inference_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --no-pypi-torch) pypi=0 ;;
    --training) read -r -a training_args <<<"$2"; shift ;;
    --inference) read -r -a inference_args <<<"$2"; shift ;;
    *) echo "run_sympflow.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
default() {  # default ARRAY OPTION VALUE: append OPTION VALUE unless ARRAY already sets OPTION
  local -n args=$1
  local a
  for a in "${args[@]}"; do [ "$a" = "$2" ] || [ "${a%%=*}" = "$2" ] && return 0; done
  args+=("$2" "$3")
}
if [ "$quick" = 1 ]; then
  default training_args --epochs 3
  default training_args --reps 2
  default training_args --warmup 1
  default inference_args --trajectories 10000
  default inference_args --reps 2
fi

here=$(cd "$(dirname "$0")" && pwd)
dir="$build/tests/benchmarks/sympflow"
train_bin="$dir/structura_bench_sympflow_training"
infer_bin="$dir/structura_bench_sympflow_inference"
python=${PYTHON:-/usr/bin/python3}
for b in "$train_bin" "$infer_bin"; do
  if [ ! -x "$b" ]; then
    echo "run_sympflow.sh: $b not found; build it with:" >&2
    echo "  ninja -C $build structura_bench_sympflow_training structura_bench_sympflow_inference" >&2
    exit 2
  fi
done
if ! "$python" -c 'import torch, h5py' 2>/dev/null; then
  echo "run_sympflow.sh: $python cannot import torch and h5py; set PYTHON to an interpreter that can" >&2
  exit 2
fi
# The second PyTorch: a current one from PyPI, in a venv of its own. 'torch>=2'
# and not 'torch': with the system site packages visible, pip would take
# Debian's 1.13 as satisfying a bare 'torch'. The venv's site-packages come
# before the system's, so its torch is the one imported (the peer prints
# torch.__version__, and the check below insists on >= 2).
venv=$build/sympflow-peers-venv
python2=$venv/bin/python
if [ "$pypi" = 1 ]; then
  if [ ! -x "$python2" ] || ! "$python2" -c 'import sys, torch, h5py; sys.exit(int(torch.__version__.split(".")[0]) < 2)' 2>/dev/null; then
    echo "run_sympflow.sh: installing torch>=2 from PyPI into $venv (once; several GiB)" >&2
    /usr/bin/python3 -m venv --system-site-packages "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'torch>=2'
  fi
  if ! "$python2" -c 'import sys, torch, h5py; sys.exit(int(torch.__version__.split(".")[0]) < 2)'; then
    echo "run_sympflow.sh: $python2 does not import torch >= 2 and h5py" >&2
    exit 2
  fi
fi
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
if [ "$build_type" != "Release" ]; then
  echo "run_sympflow.sh: warning: $build is a '${build_type:-unknown}' build, not Release" >&2
fi

cores=$(nproc)  # before OMP_NUM_THREADS is set: GNU nproc honours it
# One thread everywhere: the benchmarks set torch's intra-op threads, these
# keep OpenMP and a threaded BLAS (if libblas.so.3 is OpenBLAS) at one too.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}

check_file="$build/sympflow_training_check.h5"
out_cpp=$(mktemp)
out_ag=$(mktemp)
out_ft=$(mktemp)
out_cf=$(mktemp)
out_inf=$(mktemp)
out_alone=$(mktemp)
out_ag2=$(mktemp)
out_ft2=$(mktemp)
out_cf2=$(mktemp)
trap 'rm -f "$out_cpp" "$out_ag" "$out_ft" "$out_cf" "$out_inf" "$out_alone" "$out_ag2" "$out_ft2" "$out_cf2"' EXIT

cmd_cpp=("$train_bin" --check-file "$check_file" "${training_args[@]}")
cmd_ag=("$python" "$here/bench_sympflow_training.py" --flavour autograd --check-file "$check_file"
        "${training_args[@]}")
cmd_ft=("$python" "$here/bench_sympflow_training.py" --flavour functorch --check-file "$check_file"
        "${training_args[@]}")
cmd_cf=("$python" "$here/bench_sympflow_training.py" --flavour closed-form --check-file "$check_file"
        "${training_args[@]}")
cmd_ag2=("$python2" "${cmd_ag[@]:1}")
cmd_ft2=("$python2" "${cmd_ft[@]:1}")
cmd_cf2=("$python2" "${cmd_cf[@]:1}")
cmd_inf=("$infer_bin" "${inference_args[@]}")
# Peak RSS of each implementation alone, on the first system and activation of
# the comparison: the inference arguments less the choices the runs make.
alone_args=()
skip=0
for a in "${inference_args[@]}"; do
  if [ "$skip" = 1 ]; then skip=0; continue; fi
  case "$a" in
    --system | --activation | --reps | --only) skip=1 ;;
    --system=* | --activation=* | --reps=* | --only=*) ;;
    *) alone_args+=("$a") ;;
  esac
done
show() { printf '%q ' "$@" | sed "s|$build|BUILD_DIR|g; s|$here/|tests/benchmarks/sympflow/|g; s/ $//"; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# Each peer is its own process, so that each peak RSS is its own.
run_logged() {  # run_logged OUT CMD...: print the command, run it, keep its output in OUT
  local out=$1
  shift
  echo "### $(show "$@")"
  "$@" | tee "$out"
  echo
}
run_logged "$out_cpp" "${cmd_cpp[@]}"
run_logged "$out_ag" "${cmd_ag[@]}"
run_logged "$out_ft" "${cmd_ft[@]}"
run_logged "$out_cf" "${cmd_cf[@]}"
if [ "$pypi" = 1 ]; then
  run_logged "$out_ag2" "${cmd_ag2[@]}"
  run_logged "$out_ft2" "${cmd_ft2[@]}"
  run_logged "$out_cf2" "${cmd_cf2[@]}"
fi
echo "### $(show "${cmd_inf[@]}")"
"${cmd_inf[@]}" | tee "$out_inf"
first=$(grep -m 1 '^RESULT part=inference ' "$out_inf" | tr ' ' '\n' | sed -n 's/^\(system\|activation\)=//p' | paste -sd' ')
read -r alone_system alone_activation <<<"$first"
for impl in kokkos torch naive; do
  cmd_alone=("$infer_bin" --only "$impl" --system "$alone_system" --activation "$alone_activation" --reps 2
             "${alone_args[@]}")
  echo "### $(show "${cmd_alone[@]}")"
  "${cmd_alone[@]}" | tee -a "$out_alone"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- summary against the targets ------------------------------------------------------
field() {  # field FILE PATTERN KEY: value of KEY on the first RESULT line matching PATTERN
  grep "^RESULT .*$2" "$1" | head -n 1 | tr ' ' '\n' | sed -n "s/^$3=//p"
}
check() {  # check VALUE OP LIMIT
  if [ -n "$1" ] && awk -v v="$1" -v l="$3" "BEGIN { exit !(v $2 l) }"; then echo "met"; else echo "MISSED"; fi
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }
ms() { awk -v s="$1" 'BEGIN { if (s == "") print "-"; else printf "%.2f", 1000 * s }'; }
values() {  # values FILE PATTERN KEY: the distinct values of KEY on RESULT lines matching PATTERN
  grep "^RESULT .*$2" "$1" | tr ' ' '\n' | sed -n "s/^$3=//p" | awk '!seen[$0]++'
}

systems=$(values "$out_cpp" "part=training impl=cpp" system)
dtypes=$(values "$out_cpp" "part=training impl=cpp" dtype)
echo
echo "### summary (targets: C++ >= 1.5x faster than PyTorch autograd per epoch; Kokkos kernel >= 5x faster than libtorch)"
echo "load average before / after: $load_before / $load_after ($cores cores)"
torch_version() { sed -n 's/.*, PyTorch \([^,]*\),.*/\1/p' "$1" | head -n 1; }
v1=$(torch_version "$out_ag")
peers=("Debian:$v1:$out_ag:$out_ft:$out_cf")
if [ "$pypi" = 1 ]; then
  v2=$(torch_version "$out_ag2")
  peers+=("PyPI:$v2:$out_ag2:$out_ft2:$out_cf2")
fi
train_rows=""
phase_rows=""
for s in $systems; do
  for d in $dtypes; do
    key="system=$s dtype=$d "
    c=$(field "$out_cpp" "$key" seconds_per_epoch)
    phase_rows+="| $s | $d | C++ libtorch | $(ms "$(field "$out_cpp" "$key" sample_s)") | "
    phase_rows+="$(ms "$(field "$out_cpp" "$key" loss_s)") | $(ms "$(field "$out_cpp" "$key" backward_s)") | "
    phase_rows+="$(ms "$(field "$out_cpp" "$key" update_s)") |"$'\n'
    for peer in "${peers[@]}"; do
      IFS=: read -r origin version f_ag f_ft f_cf <<<"$peer"
      label="PyTorch $version ($origin)"
      a=$(field "$f_ag" "$key" seconds_per_epoch)
      t=$(field "$f_ft" "$key" seconds_per_epoch)
      f=$(field "$f_cf" "$key" seconds_per_epoch)
      printf '%-64s %8s  %s\n' "training $s $d: $label autograd / C++" "$(ratio "$a" "$c")x" \
        "$(check "$(ratio "$a" "$c")" '>=' 1.5)"
      printf '%-64s %8s  %s\n' "training $s $d: $label functorch / C++" "$(ratio "$t" "$c")x" "(reference code's way)"
      printf '%-64s %8s  %s\n' "training $s $d: $label closed-form / C++" "$(ratio "$f" "$c")x" "(same algorithm)"
      train_rows+="| $s | $d | $version ($origin) | $(ms "$c") | $(ms "$a") | $(ms "$t") | $(ms "$f") | $(ratio "$a" "$c")× | "
      train_rows+="$(ratio "$t" "$c")× | $(ratio "$f" "$c")× | $(field "$out_cpp" "$key" rss_mib) / "
      train_rows+="$(field "$f_ag" "$key" rss_mib) / $(field "$f_ft" "$key" rss_mib) / $(field "$f_cf" "$key" rss_mib) |"$'\n'
      for impl in "autograd:$f_ag" "functorch:$f_ft" "closed-form:$f_cf"; do
        file=${impl#*:}
        phase_rows+="| $s | $d | PyTorch $version ${impl%%:*} | $(ms "$(field "$file" "$key" sample_s)") | "
        phase_rows+="$(ms "$(field "$file" "$key" loss_s)") | $(ms "$(field "$file" "$key" backward_s)") | "
        phase_rows+="$(ms "$(field "$file" "$key" update_s)") |"$'\n'
      done
    done
  done
done
while read -r line; do
  get() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
  tk=$(get torch_vs_kokkos)
  nk=$(get naive_vs_kokkos)
  printf '%-48s %8s  %s\n' "inference $(get system) $(get activation): SympFlow::flow / Kokkos" \
    "$(ratio "$tk" 1)x" "$(check "$tk" '>=' 5)"
  printf '%-48s %8s  %s\n' "inference $(get system) $(get activation): naive autograd / Kokkos" \
    "$(ratio "$nk" 1)x" "$(check "$nk" '>=' 5)"
done < <(grep '^RESULT part=inference ' "$out_inf")
passed=$(cat "$out_ag" "$out_ft" "$out_cf" | grep -c '^RESULT part=check .* ok=1' || true)
total=$(cat "$out_ag" "$out_ft" "$out_cf" | grep -c '^RESULT part=check ' || true)
checks="$passed of $total passed under PyTorch $v1"
if [ "$pypi" = 1 ]; then
  passed2=$(cat "$out_ag2" "$out_ft2" "$out_cf2" | grep -c '^RESULT part=check .* ok=1' || true)
  total2=$(cat "$out_ag2" "$out_ft2" "$out_cf2" | grep -c '^RESULT part=check ' || true)
  checks+=", $passed2 of $total2 under PyTorch $v2"
fi
echo "equivalence (float64; loss, gradient norm, loss after one epoch against C++; rel. tol 1e-10): $checks"
for f in "$out_cpp" "$out_ag" "$out_ft" "$out_cf" "$out_ag2" "$out_ft2" "$out_cf2" "$out_inf"; do
  { grep -h '^RESULT part=process' "$f" || true; } | sed 's/^/  /'  # the PyPI files are empty with --no-pypi-torch
done
grep -h '^RESULT part=alone' "$out_alone" | sed 's/^/  /'
alone() { field "$out_alone" "impl=$1 " "$2"; }

# ---- README block -----------------------------------------------------------------------
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
blas=$(ldd "$train_bin" | awk '/libblas\.so/ { print $3 }' | head -n 1)
[ -n "$blas" ] && blas=$(readlink -f "$blas")
reps=$(sed -n 's/.*median of \([0-9]*\) x \([0-9]*\) epochs.*/\1 repetitions of \2 epochs/p' "$out_cpp" | head -n 1)
echo
echo "### README block"
echo
echo "SympFlow benchmarks, measured $(date -u +%Y-%m-%d) on ${cpu:-an unknown CPU} ($cores cores, load average"
echo "$load_before before, $load_after after), $(sed -n 's/^compiler: //p' "$out_cpp" | head -n 1);"
echo "$(head -n 1 "$out_cpp" | sed 's/^[^,]*, //'); $(head -n 1 "$out_ag" | sed 's/^[^:]*: //') (Debian)$(
  [ "$pypi" = 1 ] && echo " and PyTorch $v2 from PyPI (pip, in BUILD_DIR/sympflow-peers-venv)");"
echo "BLAS behind libtorch: ${blas:-unknown}. Reproduce with:"
echo
echo '```sh'
echo 'cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release'
echo 'ninja -C build-bench structura_bench_sympflow_training structura_bench_sympflow_inference'
printf 'tests/benchmarks/sympflow/run_sympflow.sh build-bench%s\n' "$( [ "$quick" = 1 ] && echo ' --quick')"
echo '```'
echo
echo "which runs, with BUILD_DIR = build-bench and OMP_NUM_THREADS=$OMP_NUM_THREADS OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS:"
echo
echo '```sh'
cmds=(cmd_cpp cmd_ag cmd_ft cmd_cf)
if [ "$pypi" = 1 ]; then cmds+=(cmd_ag2 cmd_ft2 cmd_cf2); fi
for c in "${cmds[@]}" cmd_inf; do
  declare -n ref=$c
  show "${ref[@]}"
  echo
done
for impl in kokkos torch naive; do
  show "$infer_bin" --only "$impl" --system "$alone_system" --activation "$alone_activation" --reps 2 \
    "${alone_args[@]}"
  echo
done
echo '```'
echo
echo "**Training time per epoch** — unsupervised SympFlow (3 layers, MLP width 10 depth 2, tanh, potential-first), loss ="
echo "residual + Hamiltonian matching (means over the batch), 700 fresh collocation points per epoch (x0 uniform in"
echo "[-1.2, 1.2]^2 for the oscillator, [-1, 1]^4 for Hénon–Heiles, t in [-0.1, 1]), Adam lr 5e-3, gradient-norm clip 1,"
echo "one thread; time per epoch = median over ${reps:-?} after warm-up. Peers: *PyTorch autograd* takes the MLP"
echo "input gradients and d/dt of the flow with torch.autograd.grad(create_graph=True), the way a PyTorch user writes it;"
echo "*PyTorch functorch* is the reference code's formulation (vmap(jacrev) and vmap(jacfwd)); *PyTorch closed-form* runs"
echo "the C++ code's algorithm (closed-form input gradients and forward tangents) in Python, so *closed-form / C++* is"
echo "the cost of Python itself. All start from the C++ initial weights on a fixed batch and agree with its loss,"
echo "gradient norm and loss after one epoch to 1e-10 relative in float64 (checks: $checks). Each peer runs"
echo "under Debian's PyTorch and, where given, a current one from PyPI (torch.func in place of functorch)."
echo
echo "| system | dtype | PyTorch | C++ libtorch [ms] | PyTorch autograd [ms] | PyTorch functorch [ms] | PyTorch closed-form [ms] | autograd / C++ | functorch / C++ | closed-form / C++ | peak RSS C++ / autograd / functorch / closed-form [MiB] |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s' "$train_rows"
echo
echo "Where the time of an epoch goes (mean ms per epoch; loss includes the forward pass, update = clip + Adam step):"
echo
echo "| system | dtype | implementation | sample | loss | backward | update |"
echo "|---|---|---|---:|---:|---:|---:|"
printf '%s' "$phase_rows"
echo
awk '$0 ~ /^<!-- bench:begin inference -->$/ { on = 1; next } /^<!-- bench:end -->$/ { on = 0 } on' "$out_inf"
echo "Peak RSS (getrusage ru_maxrss) of a process running one implementation alone ($alone_system, $alone_activation):"
echo "Kokkos kernel $(alone kokkos process_rss_mib) MiB, libtorch SympFlow::flow $(alone torch process_rss_mib) MiB,"
echo "libtorch naive $(alone naive process_rss_mib) MiB; $(alone kokkos rss_before_mib) MiB of it before the first map"
echo "(libtorch and Kokkos loaded, model and inputs built)."
