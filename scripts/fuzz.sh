#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo-fuzz + libFuzzer) of every target in fuzz/: builds them
# all, then runs each for a bounded time from its seed corpus (fuzz/corpus/<target>/,
# read-only: new inputs go to a scratch directory) and fails on the first crash (a panic,
# a failed round-trip assertion, a per-input timeout or an out-of-memory).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     default: 30 s, every target
#
# Environment: FUZZ_TARGET_DIR (build directory, default fuzz/target), FUZZ_SANITIZER
# (none | address, default none: the code under test is safe Rust, and ASan doubles the
# build), FUZZ_JOBS (libFuzzer workers per target, default 1).
# Crashing inputs are kept in fuzz/artifacts/<target>/; reproduce one with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz <target> fuzz/artifacts/<target>/<file>
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
shift || true
case $seconds in
  '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;;
esac

# cargo-fuzz passes nightly flags (-Z sanitizer options, sancov); stable rustc accepts
# them with RUSTC_BOOTSTRAP=1, so no nightly toolchain is needed.
export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz (once)" >&2
  cargo install cargo-fuzz --locked
fi

target_dir=${FUZZ_TARGET_DIR:-$PWD/fuzz/target}
sanitizer=${FUZZ_SANITIZER:-none}
jobs=${FUZZ_JOBS:-1}
parallel=()
if [ "$jobs" -gt 1 ]; then parallel=(-jobs="$jobs" -workers="$jobs"); fi
build_flags=(--fuzz-dir fuzz --sanitizer "$sanitizer" --debug-assertions --target-dir "$target_dir")

if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list --fuzz-dir fuzz)
fi

start=$(date +%s)
# One build of every target (they share one dependency graph).
cargo fuzz build "${build_flags[@]}"
echo "fuzz targets built in $(( $(date +%s) - start )) s" >&2

failed=()
for target in "${targets[@]}"; do
  scratch=$(mktemp -d)
  mkdir -p "fuzz/artifacts/$target"
  echo "== $target: ${seconds} s" >&2
  if ! cargo fuzz run "${build_flags[@]}" "$target" "$scratch" "fuzz/corpus/$target" -- \
      -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 "${parallel[@]}" \
      -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$target/" 2>"$scratch.log"; then
    tail -n 40 "$scratch.log" >&2
    failed+=("$target")
  else
    grep -E "^stat::number_of_executed_units|^Done|INFO: seed corpus" "$scratch.log" >&2 || true
  fi
  rm -rf "$scratch" "$scratch.log"
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing FAILED: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzzing passed: ${#targets[@]} targets, ${seconds} s each" >&2
