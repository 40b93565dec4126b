// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "../test/utils/Vm.sol";
import {DeployLamina} from "./DeployLamina.sol";

/// @title `forge script script/Deploy.s.sol --rpc-url <url> --broadcast --private-key <key>`
/// @notice Deploys the whole Lamina system from the broadcasting account (which becomes owner, churn approver,
///         ejector, and the VetoableSlasher's slasher role and veto committee) and writes `deployments/<chainid>.json`: a flat JSON object mapping
///         snake_case contract names to addresses (see `_writeJson`). `scripts/deploy-devnet.sh` wraps this.
///         The owner is NOT a batch confirmer (nodes sign for batch confirmers): set `BATCH_CONFIRMER` to the
///         disperser's own address to appoint it, or appoint it later with `setBatchConfirmer`.
contract Deploy is DeployLamina {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @notice Deploys and writes the address file.
    function run() external returns (LaminaDeployment memory d) {
        vm.startBroadcast();
        // With a single --private-key forge makes that account the script's sender.
        d = _deployLamina(msg.sender);
        address confirmer = vm.envOr("BATCH_CONFIRMER", address(0));
        if (confirmer != address(0)) d.serviceManager.setBatchConfirmer(confirmer, true);
        vm.stopBroadcast();
        _writeJson(d, msg.sender);
    }

    function _writeJson(LaminaDeployment memory d, address owner) internal {
        string memory o = "lamina";
        vm.serializeAddress(o, "owner", owner);
        vm.serializeAddress(o, "strategy_manager", address(d.core.strategyManager));
        vm.serializeAddress(o, "delegation_manager", address(d.core.delegationManager));
        vm.serializeAddress(o, "avs_directory", address(d.core.avsDirectory));
        vm.serializeAddress(o, "allocation_manager", address(d.core.allocationManager));
        for (uint256 i = 0; i < 4; ++i) {
            vm.serializeAddress(o, string.concat("token_", _digit(i)), address(d.tokens[i]));
            vm.serializeAddress(o, string.concat("strategy_", _digit(i)), address(d.strategies[i]));
        }
        vm.serializeAddress(o, "registry_coordinator", address(d.registryCoordinator));
        vm.serializeAddress(o, "bls_apk_registry", address(d.blsApkRegistry));
        vm.serializeAddress(o, "stake_registry", address(d.stakeRegistry));
        vm.serializeAddress(o, "index_registry", address(d.indexRegistry));
        vm.serializeAddress(o, "operator_state_retriever", address(d.operatorStateRetriever));
        vm.serializeAddress(o, "service_manager", address(d.serviceManager));
        vm.serializeAddress(o, "threshold_registry", address(d.thresholdRegistry));
        vm.serializeAddress(o, "vetoable_slasher", address(d.vetoableSlasher));
        vm.serializeAddress(o, "payment_vault", address(d.paymentVault));
        vm.serializeAddress(o, "rewards_coordinator", address(d.rewardsCoordinator));
        string memory json = vm.serializeAddress(o, "cert_verifier", address(d.certVerifier));
        string memory path = string.concat(vm.projectRoot(), "/deployments/", vm.toString(block.chainid), ".json");
        vm.writeJson(json, path);
    }
}
