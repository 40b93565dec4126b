#!/usr/bin/env bash
# The main job: set up a fresh machine, build Lamina, and run the demo.
#
# Today the demo is the encoding pipeline end to end on a generated payload:
# commit, extend into frames with FK20 proofs, lose most frames, rebuild the
# payload from the rest and compare bytes. It becomes `lamina devnet up --demo`
# once the devnet lands.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh

echo "== building lamina (release)"
cargo build --release --locked -p lamina
lamina="${CARGO_TARGET_DIR:-target}/release/lamina"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
size="${LAMINA_DEMO_BYTES:-1000000}"
echo "== generating a ${size}-byte payload"
head -c "$size" /dev/urandom > "$work/payload.bin"

echo "== lamina blob commit"
"$lamina" blob commit "$work/payload.bin"

echo "== lamina blob encode (blob version 0: 8192 chunks, coding rate 8)"
"$lamina" blob encode "$work/payload.bin" --version 0 --out "$work/frames"

# Keep just enough: any num_chunks / coding_rate distinct frames rebuild the blob.
total=$(ls "$work/frames" | grep -c '^frame-.*\.bin$' || true)
keep=$(( total / 8 ))
echo "== dropping all but $keep of $total frames (chosen at random)"
ls "$work/frames" | grep '^frame-.*\.bin$' | shuf | tail -n +$((keep + 1)) | while read -r f; do rm "$work/frames/$f"; done

echo "== lamina blob decode"
"$lamina" blob decode "$work/frames" --out "$work/rebuilt.bin"
cmp "$work/payload.bin" "$work/rebuilt.bin"
echo "== demo OK: payload rebuilt byte for byte from $keep of $total frames"
