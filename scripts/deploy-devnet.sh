#!/usr/bin/env bash
# Deploys the whole Lamina contract system (restaking core, middleware, DA contracts) to an EVM node and
# writes contracts/deployments/<chainid>.json (contract name -> address).
#
#   scripts/deploy-devnet.sh                      # deploy to $RPC_URL (default http://127.0.0.1:8545)
#   scripts/deploy-devnet.sh --spawn-anvil        # start anvil on a free port, deploy, check, stop anvil
#
# Environment: RPC_URL, PRIVATE_KEY (default: anvil's well-known account 0; never use it on a real chain),
# BATCH_CONFIRMER if exported (the disperser's address, appointed batch confirmer; default none: the owner never is one).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$LAMINA_ROOT/contracts"

# anvil's deterministic account 0 (mnemonic "test test ... junk"): a devnet-only key.
ANVIL_KEY_0=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
PRIVATE_KEY="${PRIVATE_KEY:-$ANVIL_KEY_0}"
anvil_pid=""

cleanup() {
  if [[ -n "$anvil_pid" ]]; then kill "$anvil_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

if [[ "${1:-}" == "--spawn-anvil" ]]; then
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
  anvil --port "$port" --silent &
  anvil_pid=$!
  RPC_URL="http://127.0.0.1:$port"
  # readiness: poll the RPC instead of sleeping a fixed time
  for _ in $(seq 1 100); do
    if cast chain-id --rpc-url "$RPC_URL" >/dev/null 2>&1; then break; fi
    sleep 0.1
  done
fi
RPC_URL="${RPC_URL:-http://127.0.0.1:8545}"

chain_id="$(cast chain-id --rpc-url "$RPC_URL")"
# A full build first: `forge test` compiles sparsely and can leave script artifacts without bytecode behind a
# warm cache ("No contract bytecode"); a full build refreshes them (a no-op when they are complete).
forge build -q
forge script script/Deploy.s.sol:Deploy --rpc-url "$RPC_URL" --broadcast --private-key "$PRIVATE_KEY" --slow -q
out="deployments/$chain_id.json"
echo "wrote contracts/$out"

if [[ -n "$anvil_pid" ]]; then
  # sanity check against the live chain: the verifier answers, the coordinator has two quorums and the
  # AllocationManager names the deployed VetoableSlasher as the service manager's slasher
  addr() { python3 -c "import json,sys; print(json.load(open('$out'))['$1'])"; }
  verifier="$(addr cert_verifier)"
  coordinator="$(addr registry_coordinator)"
  vetoable_slasher="$(addr vetoable_slasher)"
  status="$(cast call "$verifier" 'checkDACert(bytes)(uint8)' 0xdeadbeef --rpc-url "$RPC_URL")"
  quorums="$(cast call "$coordinator" 'quorumCount()(uint8)' --rpc-url "$RPC_URL")"
  slasher="$(cast call "$(addr allocation_manager)" 'getSlasher(address)(address)' "$(addr service_manager)" \
    --rpc-url "$RPC_URL")"
  echo "checkDACert(0xdeadbeef) = $status (6 = INVALID_CERT), quorumCount = $quorums, slasher = $slasher"
  [[ "$status" == "6" && "$quorums" == "2" && "${slasher,,}" == "${vetoable_slasher,,}" ]]
fi
