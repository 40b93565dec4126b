# Sourced by the scripts: puts the repo's pinned Foundry on PATH.
LAMINA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export LAMINA_ROOT
for tool in forge anvil cast; do
  PATH="$LAMINA_ROOT/contracts/node_modules/@foundry-rs/$tool-linux-amd64/bin:$PATH"
done
export PATH
