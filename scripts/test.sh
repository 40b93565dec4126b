#!/usr/bin/env bash
# Runs every test of Lamina: contracts (forge) and the Rust workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh

echo "== contracts: forge test"
(cd contracts && forge test)

echo "== rust: cargo test"
cargo test --workspace --locked --no-fail-fast
