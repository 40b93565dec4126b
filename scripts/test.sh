#!/usr/bin/env bash
# Runs every test of Lamina: contracts (forge), the Rust workspace, then a bounded round of
# coverage-guided fuzzing (LAMINA_FUZZ_SECONDS per target, default 10; 0 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh

echo "== contracts: forge test"
(cd contracts && forge test)

echo "== rust: cargo test"
# The proxy's S3 test runs for real here: setup.sh installed s3s-fs, and a missing one is
# a failure, not a skip.
export LAMINA_S3S_FS_BIN="${LAMINA_TOOLS_DIR:-$HOME/.cache/lamina/tools}/bin/s3s-fs"
export LAMINA_REQUIRE_S3=1
# Likewise the disperser's PostgreSQL metadata suite (setup.sh installed postgresql): a
# missing server fails it, whatever LAMINA_SKIP_POSTGRES says.
export LAMINA_REQUIRE_POSTGRES=1
cargo test --workspace --locked --no-fail-fast

fuzz_seconds=${LAMINA_FUZZ_SECONDS:-10}
if [ "$fuzz_seconds" -gt 0 ]; then
  echo "== fuzzing: ${fuzz_seconds} s per target"
  # Inside the workspace's target directory (which CI keeps between runs), so later runs
  # reuse the instrumented build.
  FUZZ_TARGET_DIR="${FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-$PWD/target}/fuzz}" \
    scripts/fuzz.sh "$fuzz_seconds"
fi
