#!/usr/bin/env bash
# Regenerates core/bindings/*.json (ABI + creation bytecode) from the forge artifacts.
# lamina-core's `chain::bindings` module turns them into Rust with alloy's `sol!`, so no
# ABI is ever typed by hand. CI reruns this and checks `git diff --exit-code core/bindings`.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$LAMINA_ROOT/contracts"
forge build --quiet 2>/dev/null || forge build
out="$LAMINA_ROOT/core/bindings"
mkdir -p "$out"
# Contract name : artifact path under contracts/out
contracts=(
  RegistryCoordinator:RegistryCoordinator.sol/RegistryCoordinator.json
  OperatorStateRetriever:OperatorStateRetriever.sol/OperatorStateRetriever.json
  BLSApkRegistry:BLSApkRegistry.sol/BLSApkRegistry.json
  StakeRegistry:StakeRegistry.sol/StakeRegistry.json
  IndexRegistry:IndexRegistry.sol/IndexRegistry.json
  BLSSignatureChecker:BLSSignatureChecker.sol/BLSSignatureChecker.json
  ThresholdRegistry:ThresholdRegistry.sol/ThresholdRegistry.json
  CertVerifier:CertVerifier.sol/CertVerifier.json
  PaymentVault:PaymentVault.sol/PaymentVault.json
  RewardsCoordinator:RewardsCoordinator.sol/RewardsCoordinator.json
  LaminaServiceManager:LaminaServiceManager.sol/LaminaServiceManager.json
  StrategyManager:StrategyManager.sol/StrategyManager.json
  DelegationManager:DelegationManager.sol/DelegationManager.json
  StrategyBase:StrategyBase.sol/StrategyBase.json
  TestToken:TestToken.sol/TestToken.json
  AVSDirectory:AVSDirectory.sol/AVSDirectory.json
  CoreDifferentialHarness:CoreDifferentialHarness.sol/CoreDifferentialHarness.json
)
for entry in "${contracts[@]}"; do
  name="${entry%%:*}"
  artifact="out/${entry#*:}"
  jq -S '{abi: .abi, bytecode: {object: .bytecode.object}}' "$artifact" > "$out/$name.json"
done
echo "wrote ${#contracts[@]} bindings to core/bindings/"
