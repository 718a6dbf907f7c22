#!/usr/bin/env bash
# Runs the learned-regulariser benchmarks (issue 10 §6) and prints a summary of
# the ratios against the PyTorch peers of the same run, with peak RSS, plus a
# Markdown block for the README with the exact command lines.
#
#   tests/benchmarks/regularisers/run_learned_regularisers.sh BUILD_DIR [--quick] [--rounds K]
#       [--parts training,512,reconstruction,scaling] [--no-pypi-torch]
#
# BUILD_DIR is a Release build with the two targets:
#   cmake --build BUILD_DIR --target structura_bench_critic_training structura_bench_lr_reconstruction
# Parts (all by default):
#  training        equivalence first: C++ and PyTorch take one float64 step from
#                  the same weights on the same batch (loss terms, every
#                  gradient, the weights after it); then one critic training
#                  step, AR and ACR, 128², batch 16, float32, 1 thread;
#  512             the ACR step at 512² with batch 1 (the reference code's
#                  batch), and peak RSS of training at 512² with batch 16:
#                  measured for AR, extrapolated for ACR from batch 1 and 2
#                  (batch 16 needs more memory than a 24 GiB machine has);
#  reconstruction  gradient-descent iterations at 128², 30 angles, one rank:
#                  C++ (TorchProjector) against PyTorch with the same Joseph
#                  matrix in CSR, with no, the AR and the ACR regulariser;
#  scaling         one 512² reconstruction (200 angles x 400 detectors) on 1
#                  and 2 ranks (angles split over MPI_COMM_WORLD).
# --rounds K repeats the timed runs K times, C++ and peers alternating, and
# the tables take medians (for a machine whose load changes).
# Peers run under $PYTHON (default /usr/bin/python3: Debian's PyTorch 1.13,
# h5py) and, where BUILD_DIR/sympflow-peers-venv exists (run_sympflow.sh
# makes it: torch >= 2 from PyPI), under that too; --no-pypi-torch skips it.
# Single-process ratios use CPU time (on a shared machine wall time counts
# other work's use of the core, though not its use of cache and memory
# bandwidth); scaling uses wall time, so check the load and the busy column
# and rerun it on an idle machine. --quick: a smoke run at small sizes.
set -euo pipefail

usage() { sed -n '2,36s/^# \{0,1\}//p' "$0"; }
if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  usage
  exit 2
fi
build=$(cd "$1" && pwd)
shift
quick=0
rounds=1
parts=training,512,reconstruction,scaling
pypi=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --rounds) rounds=$2; shift ;;
    --parts) parts=$2; shift ;;
    --no-pypi-torch) pypi=0 ;;
    *) echo "run_learned_regularisers.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
part() { [[ ",$parts," == *",$1,"* ]]; }

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
versions=()
for py in "${pythons[@]}"; do versions+=("$("$py" -c 'import torch; print(torch.__version__)')"); done

cores=$(nproc)
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export PYTHONWARNINGS=ignore  # torch 1.13 calls sparse CSR "beta" on every construction
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=$work/all.out
: >"$log"

if [ "$quick" = 1 ]; then
  ar_reps=(--reps 2 --warmup 1); acr_reps=(--reps 1 --warmup 0); size=64; acr_batch=4; n=128
  rec_its=(3 2 1)
else
  ar_reps=(--reps 5 --warmup 1); acr_reps=(--reps 2 --warmup 1); size=128; acr_batch=16; n=512
  rec_its=(20 10 3)
fi
show() { printf '%q ' "$@" | sed "s|$build|BUILD_DIR|g; s|$work/|TMP/|g; s|$here/|tests/benchmarks/regularisers/|g; s/ $//"; }
commands=()
run_logged() {  # run_logged CMD...: print, run, append its output to the log
  local c
  c=$(show "$@")
  [[ " ${commands[*]:-} " == *" $c "* ]] || commands+=("$c")
  echo "### $c   [load $(cut -d' ' -f1 /proc/loadavg)]"
  "$@" 2> >(grep -v -e 'Sparse CSR tensor support is in beta' -e 'InitGoogleLogging' >&2) | tee -a "$log"
  echo
}
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

if part training; then
  for model in ar acr; do
    check=$work/check-$model.h5
    cb=2; [ "$model" = acr ] && cb=1
    run_logged "$train_bin" --model "$model" --size "$size" --check-file "$check" --check-batch "$cb" --check-only
    for py in "${pythons[@]}"; do
      run_logged "$py" "$here/bench_critic_training.py" --model "$model" --check-file "$check" --check-only
    done
  done
  for round in $(seq 1 "$rounds"); do
    for model in ar acr; do
      batch=16; reps=("${ar_reps[@]}")
      [ "$model" = acr ] && batch=$acr_batch && reps=("${acr_reps[@]}")
      run_logged "$train_bin" --model "$model" --size "$size" --batch "$batch" "${reps[@]}"
      for py in "${pythons[@]}"; do
        run_logged "$py" "$here/bench_critic_training.py" --model "$model" --size "$size" --batch "$batch" "${reps[@]}"
      done
    done
  done
fi

if part 512 && [ "$quick" = 0 ]; then
  echo "MemAvailable before the 512² runs: $(awk '/MemAvailable/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  run_logged "$train_bin" --model acr --size 512 --batch 1 --reps 1 --warmup 1
  for py in "${pythons[@]}"; do
    run_logged "$py" "$here/bench_critic_training.py" --model acr --size 512 --batch 1 --reps 1 --warmup 1
  done
  run_logged "$train_bin" --model acr --size 512 --batch 2 --reps 1 --warmup 0
  run_logged "$train_bin" --model ar --size 512 --batch 16 --reps 1 --warmup 0
  run_logged "$python" "$here/bench_critic_training.py" --model ar --size 512 --batch 16 --reps 1 --warmup 0
fi

if part reconstruction; then
  for round in $(seq 1 "$rounds"); do
    i=0
    for reg in none ar acr; do
      its=${rec_its[$i]}
      i=$((i + 1))
      export_file=$work/recon-$reg.h5
      run_logged "$recon_bin" --regulariser "$reg" --size "$size" --angles 30 --iterations "$its" --reps 3 \
        --export "$export_file"
      for py in "${pythons[@]}"; do
        run_logged "$py" "$here/bench_lr_reconstruction.py" --export "$export_file" --iterations "$its" --reps 3
      done
      rm -f "$export_file"
    done
  done
fi

if part scaling; then
  for round in $(seq 1 "$rounds"); do
    for reg in none ar acr; do
      its=10; [ "$reg" = ar ] && its=3; [ "$reg" = acr ] && its=1
      args=(--regulariser "$reg" --size "$n" --angles 200 --detectors 400 --iterations "$its" --reps 2)
      run_logged mpirun -n 1 --bind-to core "$recon_bin" "${args[@]}" --dump "$work/np1-$reg.f32"
      run_logged mpirun -n 2 --bind-to core "$recon_bin" "${args[@]}" --reference "$work/np1-$reg.f32"
    done
  done
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- summary ------------------------------------------------------------------------------
lines() {  # lines PATTERN...: the RESULT lines matching every pattern
  local l
  l=$(grep '^RESULT ' "$log" || true)
  for p in "$@"; do l=$(grep -e "$p" <<<"$l" || true); done
  printf '%s' "$l"
}
med() {  # med KEY PATTERN...: the median of KEY over the matching RESULT lines
  local key=$1
  shift
  lines "$@" | tr ' ' '\n' | sed -n "s/^$key=//p" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR) printf "%.6g\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
worst() {  # worst KEY PATTERN...: the largest value of KEY
  lines "$@" | tr ' ' '\n' | sed -n "s/^$1=//p" | sort -g | tail -n 1
}
count() { lines "$@" | grep -c . || true; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }
met() { awk -v v="$1" -v l="$2" 'BEGIN { print (v != "-" && v >= l) ? "met" : "MISSED" }'; }
num() { awk -v s="$1" -v f="$2" 'BEGIN { if (s == "") print "-"; else printf f, s }'; }
ms() { awk -v s="$1" 'BEGIN { if (s == "") print "-"; else printf "%.2f", 1000 * s }'; }

checks=$(count 'part=check .*ok=1')
checks_all=$(count 'part=check ')
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "### README block"
echo
echo "Learned-regulariser benchmarks, measured $(date -u +%Y-%m-%d) on ${cpu:-an unknown CPU} ($cores cores, load"
echo "average $load_before before, $load_after after), $rounds round(s), one thread per process; peers: PyTorch"
echo "${versions[0]} (Debian)$( [ "$pypi" = 1 ] && echo " and ${versions[1]} (PyPI)"). Equivalence checks passed: $checks of $checks_all."
echo
echo '```sh'
for c in "${commands[@]}"; do echo "$c"; done
echo '```'
echo
if part training || part 512; then
  echo "**Critic training step** (float32; CPU time of a step, wall in brackets, medians; ratio = PyTorch / C++"
  echo "CPU time, target ≥ 1.2):"
  echo
  echo "| model | image | batch | C++ [s] | PyTorch | PyTorch [s] | PyTorch / C++ | target | runs | peak RSS C++ / PyTorch [MiB] |"
  echo "|---|---|---:|---:|---|---:|---:|---|---:|---:|"
  for spec in "ar $size 16" "acr $size $acr_batch" "acr 512 1"; do
    read -r model s b <<<"$spec"
    key="model=$model size=$s batch=$b "
    c=$(med cpu_s "impl=cpp $key")
    [ -n "$c" ] || continue
    for v in "${versions[@]}"; do
      p=$(med cpu_s "impl=python $key" "torch=$v")
      r=$(ratio "$p" "$c")
      echo "| $model | $s² | $b | $(num "$c" %.3f) ($(num "$(med wall_s "impl=cpp $key")" %.2f)) | $v |" \
        "$(num "$p" %.3f) ($(num "$(med wall_s "impl=python $key" "torch=$v")" %.2f)) | **$r×** | $(met "$r" 1.2) |" \
        "$(count "impl=cpp $key") / $(count "impl=python $key" "torch=$v") |" \
        "$(worst rss_mib "impl=cpp $key") / $(worst rss_mib "impl=python $key" "torch=$v") |"
    done
  done
  echo
fi
ar512=$(med rss_mib "impl=cpp model=ar size=512 batch=16 ")
if [ -n "$ar512" ]; then
  b1=$(med rss_mib 'impl=cpp model=acr size=512 batch=1 ')
  b2=$(med rss_mib 'impl=cpp model=acr size=512 batch=2 ')
  est=$(awk -v a="$b1" -v b="$b2" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%.0f", a + 15 * (b - a) }')
  per=$(awk -v a="$b1" -v b="$b2" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%.0f", b - a }')
  echo "**Peak RSS of training at 512², batch 16** (one process = one rank holding the whole batch): AR"
  echo "$ar512 MiB (C++), $(med rss_mib 'impl=python model=ar size=512 batch=16 ' "torch=${versions[0]}") MiB (PyTorch ${versions[0]});"
  echo "ACR $b1 MiB at batch 1 and $b2 MiB at batch 2 (C++), i.e. $per MiB per image, so batch 16 ≈ $est MiB"
  echo "(extrapolated linearly, not run)."
  echo
fi
if part reconstruction; then
  echo "**Reconstruction iterations** (${size}², 30 angles × $((size * 3 / 2)) detectors, one image, one rank;"
  echo "iteration = Aᵀ(Ax − y) + λ∇R(x) and the step; CPU time per iteration (the parts too), wall in brackets,"
  echo "medians; target ≥ 3):"
  echo
  echo "| regulariser | C++ [ms] | of which Aᵀ(Ax − y) / ∇R [ms] | PyTorch | PyTorch CSR [ms] | of which Aᵀ(Ax − y) / ∇R [ms] | PyTorch / C++ | target | agreement |"
  echo "|---|---:|---:|---|---:|---:|---:|---|---|"
  for reg in none ar acr; do
    key="regulariser=$reg size=$size "
    c=$(med cpu_s "impl=cpp ranks=1 $key" "angles=30 ")
    [ -n "$c" ] || continue
    for v in "${versions[@]}"; do
      p=$(med cpu_s "impl=python $key" "torch=$v")
      r=$(ratio "$p" "$c")
      echo "| $reg | $(ms "$c") ($(ms "$(med seconds_per_iteration "impl=cpp ranks=1 $key" "angles=30 ")")) |" \
        "$(ms "$(med data_s "impl=cpp ranks=1 $key" "angles=30 ")") / $(ms "$(med reg_s "impl=cpp ranks=1 $key" "angles=30 ")") | $v |" \
        "$(ms "$p") ($(ms "$(med seconds_per_iteration "impl=python $key" "torch=$v")")) |" \
        "$(ms "$(med data_s "impl=python $key" "torch=$v")") / $(ms "$(med reg_s "impl=python $key" "torch=$v")") |" \
        "**$r×** | $(met "$r" 3) | max rel. diff $(worst rel_diff "part=check what=reconstruction regulariser=$reg ") |"
    done
  done
  echo
  echo "Set-up: TorchProjector $(ms "$(med setup_s "impl=cpp ranks=1 regulariser=none size=$size " "angles=30 ")") ms (its ray"
  echo "plans); PyTorch $(ms "$(med setup_s "impl=python regulariser=none size=$size " "torch=${versions[0]}")") ms to make the two CSR tensors from the"
  echo "arrays, after $(ms "$(med csr_s "impl=cpp ranks=1 regulariser=none size=$size " "angles=30 ")") ms to assemble them (CsrProjector: PyTorch has no Joseph"
  echo "operator of its own)."
  echo
fi
if part scaling; then
  echo "**Strong scaling of one reconstruction** (${n}², 200 angles × 400 detectors, angles split over the ranks; ∇R of"
  echo "the ACR split into row bands over the ranks (variational/row_split.hpp), the AR critic's on every rank (its dense"
  echo "head sees the whole image); wall time per iteration of the slowest rank, medians; target ≥ 1.7):"
  echo
  echo "| regulariser | 1 rank [s] | 2 ranks [s] | speed-up | target | peak RSS per rank 1 / 2 ranks [MiB] | 1 vs 2 ranks | busy 1 / 2 |"
  echo "|---|---:|---:|---:|---|---:|---|---|"
  for reg in none ar acr; do
    key="regulariser=$reg size=$n angles=200 "
    one=$(med seconds_per_iteration "impl=cpp ranks=1 $key")
    two=$(med seconds_per_iteration "impl=cpp ranks=2 $key")
    [ -n "$one" ] && [ -n "$two" ] || continue
    s=$(ratio "$one" "$two")
    echo "| $reg | $(num "$one" %.4f) | $(num "$two" %.4f) | **$s×** | $(met "$s" 1.7) |" \
      "$(worst rss_mib_max "impl=cpp ranks=1 $key") / $(worst rss_mib_max "impl=cpp ranks=2 $key") |" \
      "max rel. diff $(worst rel_diff "impl=cpp ranks=2 $key") | $(med busy_min "impl=cpp ranks=1 $key") / $(med busy_min "impl=cpp ranks=2 $key") |"
  done
fi
