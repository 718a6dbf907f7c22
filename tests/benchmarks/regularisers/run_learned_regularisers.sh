#!/usr/bin/env bash
# Runs the learned-regulariser benchmarks (issue 10 §6) and prints a summary of
# the ratios against the PyTorch peers of the same run, with peak RSS, plus a
# Markdown block for the README with the exact command lines.
#
#   tests/benchmarks/regularisers/run_learned_regularisers.sh BUILD_DIR [--quick] [--no-512]
#       [--no-scaling] [--no-pypi-torch]
#
# BUILD_DIR is a Release build with the two targets:
#   cmake --build BUILD_DIR --target structura_bench_critic_training structura_bench_lr_reconstruction
# Parts:
#  1. equivalence: C++ and PyTorch take one float64 step from the same weights
#     on the same batch (loss terms, every gradient, the weights after it);
#  2. one critic training step (AR and ACR, 128², batch 16, float32, 1 thread);
#  3. (unless --no-512) the ACR step at 512² with batch 1 (the reference
#     code's batch), and peak RSS of training at 512² with batch 16: measured
#     for AR, extrapolated for ACR from batch 1 and 2 (batch 16 needs more
#     memory than a 24 GiB machine has; the script says how much);
#  4. gradient-descent reconstruction at 128², 30 angles, one rank: C++
#     (TorchProjector) against PyTorch with the same Joseph matrix in CSR;
#  5. (unless --no-scaling) one 512² reconstruction (200 angles x 400
#     detectors) on 1 and 2 ranks (angles split over MPI_COMM_WORLD).
# Peers run under $PYTHON (default /usr/bin/python3: Debian's PyTorch 1.13,
# h5py) and, where BUILD_DIR/sympflow-peers-venv exists (run_sympflow.sh
# makes it: torch >= 2 from PyPI), under that too; --no-pypi-torch skips it.
# Single-process ratios use CPU time (on a shared machine wall time counts
# other work's use of the core); scaling uses wall time, so check the load
# and the busy column, and rerun it on an idle machine. --quick: a smoke run.
set -euo pipefail

usage() { sed -n '2,29s/^# \{0,1\}//p' "$0"; }
if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  usage
  exit 2
fi
build=$(cd "$1" && pwd)
shift
quick=0
big=1
scaling=1
pypi=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --no-512) big=0 ;;
    --no-scaling) scaling=0 ;;
    --no-pypi-torch) pypi=0 ;;
    *) echo "run_learned_regularisers.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

here=$(cd "$(dirname "$0")" && pwd)
dir=$build/tests/benchmarks/regularisers
train_bin=$dir/structura_bench_critic_training
recon_bin=$dir/structura_bench_lr_reconstruction
for b in "$train_bin" "$recon_bin"; do
  if [ ! -x "$b" ]; then
    echo "run_learned_regularisers.sh: $b not found; build it with:" >&2
    echo "  cmake --build $build --target structura_bench_critic_training structura_bench_lr_reconstruction" >&2
    exit 2
  fi
done
python=${PYTHON:-/usr/bin/python3}
if ! "$python" -c 'import torch, h5py' 2>/dev/null; then
  echo "run_learned_regularisers.sh: $python cannot import torch and h5py; set PYTHON" >&2
  exit 2
fi
pythons=("$python")
python2=$build/sympflow-peers-venv/bin/python
if [ "$pypi" = 1 ] && [ -x "$python2" ] &&
  "$python2" -c 'import sys, torch, h5py; sys.exit(int(torch.__version__.split(".")[0]) < 2)' 2>/dev/null; then
  pythons+=("$python2")
else
  [ "$pypi" = 1 ] && echo "note: $python2 (torch >= 2 from PyPI, made by run_sympflow.sh) not present: one peer only" >&2
  pypi=0
fi

cores=$(nproc)
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export PYTHONWARNINGS=ignore  # torch 1.13 calls sparse CSR "beta" on every construction
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=$work/all.out
: >"$log"

if [ "$quick" = 1 ]; then
  ar_reps=(--reps 2 --warmup 1); acr_reps=(--reps 1 --warmup 0); size=64; acr_batch=4
  rec_its=(3 2 1)
else
  ar_reps=(--reps 5 --warmup 1); acr_reps=(--reps 2 --warmup 1); size=128; acr_batch=16
  rec_its=(20 10 3)
fi
show() { printf '%q ' "$@" | sed "s|$build|BUILD_DIR|g; s|$work/|TMP/|g; s|$here/|tests/benchmarks/regularisers/|g; s/ $//"; }
commands=()
run_logged() {  # run_logged CMD...: print, run, append its output to the log
  commands+=("$(show "$@")")
  echo "### $(show "$@")   [load $(cut -d' ' -f1 /proc/loadavg)]"
  "$@" 2> >(grep -v -e 'Sparse CSR tensor support is in beta' -e 'InitGoogleLogging' >&2) | tee -a "$log"
  echo
}
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- 1 + 2: critic training step ---------------------------------------------------------
for model in ar acr; do
  check=$work/check-$model.h5
  cb=2; [ "$model" = acr ] && cb=1
  run_logged "$train_bin" --model "$model" --size "$size" --check-file "$check" --check-batch "$cb" --check-only
  for py in "${pythons[@]}"; do
    run_logged "$py" "$here/bench_critic_training.py" --model "$model" --check-file "$check" --check-only
  done
  batch=16; reps=("${ar_reps[@]}")
  [ "$model" = acr ] && batch=$acr_batch && reps=("${acr_reps[@]}")
  run_logged "$train_bin" --model "$model" --size "$size" --batch "$batch" "${reps[@]}"
  for py in "${pythons[@]}"; do
    run_logged "$py" "$here/bench_critic_training.py" --model "$model" --size "$size" --batch "$batch" "${reps[@]}"
  done
done

# ---- 3: 512² ----------------------------------------------------------------------------
if [ "$big" = 1 ] && [ "$quick" = 0 ]; then
  echo "MemAvailable before the 512² runs: $(awk '/MemAvailable/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  run_logged "$train_bin" --model acr --size 512 --batch 1 --reps 1 --warmup 1
  for py in "${pythons[@]}"; do
    run_logged "$py" "$here/bench_critic_training.py" --model acr --size 512 --batch 1 --reps 1 --warmup 1
  done
  run_logged "$train_bin" --model acr --size 512 --batch 2 --reps 1 --warmup 0
  run_logged "$train_bin" --model ar --size 512 --batch 16 --reps 1 --warmup 0
  run_logged "$python" "$here/bench_critic_training.py" --model ar --size 512 --batch 16 --reps 1 --warmup 0
fi

# ---- 4: reconstruction, one rank ----------------------------------------------------------
i=0
for reg in none ar acr; do
  its=${rec_its[$i]}
  i=$((i + 1))
  export_file=$work/recon-$reg.h5
  run_logged "$recon_bin" --regulariser "$reg" --size "$size" --angles 30 --iterations "$its" --reps 3 --export "$export_file"
  for py in "${pythons[@]}"; do
    run_logged "$py" "$here/bench_lr_reconstruction.py" --export "$export_file" --iterations "$its" --reps 3
  done
  rm -f "$export_file"
done

# ---- 5: strong scaling at 512² ------------------------------------------------------------
if [ "$scaling" = 1 ]; then
  n=512; [ "$quick" = 1 ] && n=128
  for reg in none ar acr; do
    its=10; [ "$reg" = ar ] && its=3; [ "$reg" = acr ] && its=1
    args=(--regulariser "$reg" --size "$n" --angles 200 --detectors 400 --iterations "$its" --reps 2)
    run_logged mpirun -n 1 --bind-to core "$recon_bin" "${args[@]}" --dump "$work/np1-$reg.f32"
    run_logged mpirun -n 2 --bind-to core "$recon_bin" "${args[@]}" --reference "$work/np1-$reg.f32"
  done
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- summary ------------------------------------------------------------------------------
row() {  # row PATTERN...: the first RESULT line matching every pattern
  local lines
  lines=$(grep '^RESULT ' "$log")
  for p in "$@"; do lines=$(grep -e "$p" <<<"$lines" || true); done
  head -n 1 <<<"$lines"
}
get() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }
met() { awk -v v="$1" -v l="$2" 'BEGIN { print (v != "-" && v >= l) ? "met" : "MISSED" }'; }
num() { awk -v s="$1" -v f="$2" 'BEGIN { if (s == "") print "-"; else printf f, s }'; }
ms() { awk -v s="$1" 'BEGIN { if (s == "") print "-"; else printf "%.2f", 1000 * s }'; }
versions=()
for py in "${pythons[@]}"; do versions+=("$("$py" -c 'import torch; print(torch.__version__)')"); done

checks=$(grep -c '^RESULT part=check .*ok=1' "$log" || true)
checks_all=$(grep -c '^RESULT part=check ' "$log" || true)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "### README block"
echo
echo "Learned-regulariser benchmarks, measured $(date -u +%Y-%m-%d) on ${cpu:-an unknown CPU} ($cores cores, load"
echo "average $load_before before, $load_after after), libtorch $(get "$(row 'impl=cpp model=ar')" torch), one thread"
echo "per process; peers: PyTorch ${versions[0]} (Debian)$( [ "$pypi" = 1 ] && echo " and ${versions[1]} (PyPI)")."
echo "Equivalence checks passed: $checks of $checks_all."
echo
echo '```sh'
for c in "${commands[@]}"; do echo "$c"; done
echo '```'
echo
echo "**Critic training step** (float32, median step time; CPU time of the process, wall in brackets;"
echo "ratio = PyTorch / C++ CPU time, target ≥ 1.2):"
echo
echo "| model | image | batch | C++ [s] | PyTorch | PyTorch [s] | PyTorch / C++ | target | peak RSS C++ / PyTorch [MiB] |"
echo "|---|---|---:|---:|---|---:|---:|---|---:|"
training_row() {  # training_row MODEL SIZE BATCH
  local c p r
  c=$(row "impl=cpp model=$1 size=$2 batch=$3 ")
  [ -n "$c" ] || return 0
  for v in "${versions[@]}"; do
    p=$(row "impl=python model=$1 size=$2 batch=$3 " "torch=$v")
    r=$(ratio "$(get "$p" cpu_s)" "$(get "$c" cpu_s)")
    echo "| $1 | $2² | $3 | $(num "$(get "$c" cpu_s)" %.3f) ($(num "$(get "$c" wall_s)" %.2f)) | $v |" \
      "$(num "$(get "$p" cpu_s)" %.3f) ($(num "$(get "$p" wall_s)" %.2f)) | **$r×** | $(met "$r" 1.2) |" \
      "$(get "$c" rss_mib) / $(get "$p" rss_mib) |"
  done
}
training_row ar "$size" 16
training_row acr "$size" "$acr_batch"
training_row acr 512 1
echo
ar512=$(row "impl=cpp model=ar size=512 batch=16 ")
if [ -n "$ar512" ]; then
  b1=$(get "$(row 'impl=cpp model=acr size=512 batch=1 ')" rss_mib)
  b2=$(get "$(row 'impl=cpp model=acr size=512 batch=2 ')" rss_mib)
  est=$(awk -v a="$b1" -v b="$b2" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%.0f", a + 15 * (b - a) }')
  per=$(awk -v a="$b1" -v b="$b2" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%.0f", b - a }')
  echo "**Peak RSS of training at 512², batch 16** (one process = one rank holding the whole batch):"
  echo "AR $(get "$ar512" rss_mib) MiB (C++), $(get "$(row 'impl=python model=ar size=512 batch=16 ')" rss_mib) MiB"
  echo "(PyTorch ${versions[0]}); ACR measured $b1 MiB at batch 1 and $b2 MiB at batch 2 (C++), i.e. $per MiB"
  echo "per image: batch 16 ≈ $est MiB (extrapolated linearly, not run: more than this machine's memory)."
  echo
fi
echo "**Reconstruction iterations** (${size}², 30 angles × $((size * 3 / 2)) detectors, one image, one rank;"
echo "iteration = Aᵀ(Ax − y) + λ∇R(x) and the step; CPU time per iteration (the parts too), wall in brackets;"
echo "target ≥ 3):"
echo
echo "| regulariser | C++ [ms] | of which Aᵀ(Ax − y) / ∇R [ms] | PyTorch | PyTorch CSR [ms] | of which Aᵀ(Ax − y) / ∇R [ms] | PyTorch / C++ | target | agreement |"
echo "|---|---:|---:|---|---:|---:|---:|---|---|"
for reg in none ar acr; do
  c=$(row "impl=cpp ranks=1 regulariser=$reg size=$size angles=30 ")
  [ -n "$c" ] || continue
  k=$(row "part=check what=reconstruction regulariser=$reg ")
  for v in "${versions[@]}"; do
    p=$(row "impl=python regulariser=$reg size=$size " "torch=$v")
    r=$(ratio "$(get "$p" cpu_s)" "$(get "$c" cpu_s)")
    echo "| $reg | $(ms "$(get "$c" cpu_s)") ($(ms "$(get "$c" seconds_per_iteration)")) |" \
      "$(ms "$(get "$c" data_s)") / $(ms "$(get "$c" reg_s)") | $v |" \
      "$(ms "$(get "$p" cpu_s)") ($(ms "$(get "$p" seconds_per_iteration)")) |" \
      "$(ms "$(get "$p" data_s)") / $(ms "$(get "$p" reg_s)") | **$r×** | $(met "$r" 3) | max rel. diff $(get "$k" rel_diff) |"
  done
done
echo
if [ "$scaling" = 1 ]; then
  echo "**Strong scaling of one reconstruction** (200 angles × 400 detectors, angles split over the ranks, ∇R"
  echo "computed on every rank; wall time per iteration of the slowest rank; target ≥ 1.7):"
  echo
  echo "| image | regulariser | 1 rank [s] | 2 ranks [s] | speed-up | target | peak RSS per rank 1 / 2 ranks [MiB] | 1 vs 2 ranks | busy 1 / 2 |"
  echo "|---|---|---:|---:|---:|---|---:|---|---|"
  for reg in none ar acr; do
    one=$(row "impl=cpp ranks=1 regulariser=$reg size=$n angles=200 ")
    two=$(row "impl=cpp ranks=2 regulariser=$reg size=$n angles=200 ")
    [ -n "$one" ] && [ -n "$two" ] || continue
    s=$(ratio "$(get "$one" seconds_per_iteration)" "$(get "$two" seconds_per_iteration)")
    echo "| ${n}² | $reg | $(num "$(get "$one" seconds_per_iteration)" %.4f) | $(num "$(get "$two" seconds_per_iteration)" %.4f) |" \
      "**$s×** | $(met "$s" 1.7) | $(get "$one" rss_mib_max) / $(get "$two" rss_mib_max) | max rel. diff $(get "$two" rel_diff) |" \
      "$(get "$one" busy_min) / $(get "$two" busy_min) |"
  done
fi
