#!/usr/bin/env bash
# Side-by-side commitments: Lamina (`commit_vs_gnark` example) and EigenDA's
# MSM library, gnark-crypto v0.22.0 (`bench/gnark`), alternating on the same
# inputs, same machine, same run. Prints `uptime` before and after, each
# side's per-round times and the ratio per round, and checks that both
# computed the same three points.
#
#   scripts/bench_gnark.sh [N...]            # default: 8192 65536 524288
#   ROUNDS=3 scripts/bench_gnark.sh 8192
#
# Inputs are written once per N under $BENCH_DIR (default
# ${CARGO_TARGET_DIR:-target}/bench-gnark).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
TARGET=${CARGO_TARGET_DIR:-target}
BENCH_DIR=${BENCH_DIR:-$TARGET/bench-gnark}
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(8192 65536 524288)

mkdir -p "$BENCH_DIR"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)
TARGET=$(cd "$TARGET" && pwd)
(cd bench/gnark && go build -o "$BENCH_DIR/gnark-commit" .)
cargo build --release -q -p lamina-encoding --example commit_vs_gnark
LAMINA="$TARGET/release/examples/commit_vs_gnark"
GNARK="$BENCH_DIR/gnark-commit"

echo "uptime: $(uptime)"
for n in "${SIZES[@]}"; do
  dir="$BENCH_DIR/n$n"
  [ -f "$dir/scalars.raw" ] || "$LAMINA" inputs "$dir" "$n"
  for r in $(seq "$ROUNDS"); do
    g=$("$GNARK" "$dir" "$n" 1)
    l=$("$LAMINA" time "$dir" "$n" 1)
    echo "$g" | head -1
    echo "$l" | grep total_ms
    gt=$(echo "$g" | awk '/total_ms/ {print $4}')
    lt=$(echo "$l" | awk '/^lamina n=/ {print $4}')
    awk -v n="$n" -v r="$r" -v l="$lt" -v g="$gt" \
      'BEGIN { printf "n=%s round %s: lamina/gnark %.2f\n", n, r, l / g }'
    if [ "$(echo "$g" | awk '/results/ {print $3,$4,$5}')" != "$(echo "$l" | awk '/results/ {print $3,$4,$5}')" ]; then
      echo "MISMATCH: gnark and lamina computed different commitments for n=$n" >&2
      exit 1
    fi
  done
done
echo "uptime: $(uptime)"
