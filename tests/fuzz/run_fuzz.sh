#!/usr/bin/env bash
# Builds the configuration fuzz target with clang's libFuzzer (ASan + UBSan,
# toml++ compiled header-only so the parser is instrumented too) and runs it
# for N inputs on one core, at low priority.
#
#   tests/fuzz/run_fuzz.sh [RUNS|build] [WORKDIR]     (defaults: 1000000, build/fuzz)
#
# The corpus grows in WORKDIR/corpus (seeded with the repository's experiment
# files); a crash or failed property leaves WORKDIR/crash-* and exits non-zero.
# Replay one input: WORKDIR/fuzz_config WORKDIR/crash-<hash>.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-1000000}
work=${2:-$root/build/fuzz}
mkdir -p "$work/corpus"
cxx=${CXX_FUZZ:-clang++}
bin=$work/fuzz_config
sources=("$root/tests/fuzz/fuzz_config.cpp" "$root/pipeline/config/config.cpp" "$root/pipeline/config/schema.cpp"
         "$root/solvers/core/error.cpp")
if [[ ! -x $bin ]] || [[ -n $(find "${sources[@]}" "$root/pipeline/config" -newer "$bin" 2>/dev/null) ]]; then
  echo "building $bin with $($cxx --version | head -1)"
  nice "$cxx" -std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -DTOML_HEADER_ONLY=1 -DTOML_EXCEPTIONS=1 \
    -I"$root/pipeline" -I"$root/solvers" "${sources[@]}" -lfmt -o "$bin"
fi
[[ $runs == build ]] && exit 0
# Seeds: every experiment file in the repository, once.
if [[ -z $(ls -A "$work/corpus") ]]; then
  find "$root/jobs" "$root/tests" -name '*.toml' -size -64k -exec cp -t "$work/corpus" {} + 2>/dev/null || true
fi
cd "$work"
# -rss_limit_mb: a sweep expanding without bound would show here as an OOM.
nice -n 19 "$bin" -runs="$runs" -max_len=8192 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -use_value_profile=1 corpus
