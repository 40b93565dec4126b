#!/usr/bin/env bash
# The main job: set up a fresh machine, build Lamina, and run the whole DA layer on this machine
# with `lamina devnet up --demo`: anvil with the contracts, restaked operators registered with BLS
# proofs of possession, one node per operator, the disperser and the retriever, each its own process;
# then a generated payload is dispersed, its certificate verified on-chain (checkDACert) and the
# payload retrieved through the retriever and compared byte for byte, each step with its time.
#
#   scripts/run.sh                       # demo, then stop the devnet
#   LAMINA_KEEP_DEVNET=1 scripts/run.sh  # demo, then keep the devnet running until Ctrl-C
#
# Environment: LAMINA_DEMO_BYTES (payload size, default 1000000), LAMINA_DEVNET_DIR (default .devnet),
# LAMINA_OPERATORS (default 4).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh

echo "== building lamina (release)"
cargo build --release --locked -p lamina
lamina="${CARGO_TARGET_DIR:-target}/release/lamina"

args=(devnet up --demo
  --data-dir "${LAMINA_DEVNET_DIR:-.devnet}"
  --operators "${LAMINA_OPERATORS:-4}"
  --demo-bytes "${LAMINA_DEMO_BYTES:-1000000}")
if [[ -z "${LAMINA_KEEP_DEVNET:-}" ]]; then
  args+=(--exit-after-demo)
fi
echo "== lamina ${args[*]}"
exec "$lamina" "${args[@]}"
