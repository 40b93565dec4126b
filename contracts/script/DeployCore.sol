// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IStrategy} from "../src/interfaces/IStrategy.sol";
import {IAllocationManager} from "../src/interfaces/IAllocationManager.sol";
import {StrategyBase} from "../src/core/StrategyBase.sol";
import {StrategyManager} from "../src/core/StrategyManager.sol";
import {DelegationManager} from "../src/core/DelegationManager.sol";
import {AVSDirectory} from "../src/core/AVSDirectory.sol";
import {AllocationManager} from "../src/core/AllocationManager.sol";
import {VetoableSlasher} from "../src/core/VetoableSlasher.sol";

/// @title Deploys and wires Lamina's restaking core; inherited by deploy scripts and test fixtures.
/// @notice Call from the account that will send the wiring transactions (inside `vm.startBroadcast` in a script,
///         or directly in a test): the one-time `initialize` calls are deployer-only. `_deployStrategy` whitelists,
///         so its caller must also be `owner`.
abstract contract DeployCore {
    /// @notice The deployed restaking core.
    struct CoreDeployment {
        StrategyManager strategyManager;
        DelegationManager delegationManager;
        AVSDirectory avsDirectory;
        AllocationManager allocationManager;
    }

    /// @notice Delays of the restaking core, in blocks.
    /// @param minWithdrawalDelayBlocks Blocks a queued withdrawal stays slashable.
    /// @param deallocationDelayBlocks Blocks a deallocation or set deregistration stays slashable.
    /// @param allocationConfigurationDelayBlocks Blocks before an operator's new allocation delay applies.
    struct CoreConfig {
        uint32 minWithdrawalDelayBlocks;
        uint32 deallocationDelayBlocks;
        uint32 allocationConfigurationDelayBlocks;
    }

    /// @notice Devnet withdrawal delay: larger than DEVNET_VETO_WINDOW_BLOCKS + DEVNET_STAKE_USE_WINDOW_BLOCKS.
    uint32 internal constant DEVNET_MIN_WITHDRAWAL_DELAY_BLOCKS = 100;
    /// @notice Devnet deallocation delay: larger than DEVNET_VETO_WINDOW_BLOCKS + DEVNET_STAKE_USE_WINDOW_BLOCKS.
    uint32 internal constant DEVNET_DEALLOCATION_DELAY_BLOCKS = 100;
    /// @notice Devnet allocation configuration delay: new allocation delays apply in the same block.
    uint32 internal constant DEVNET_ALLOCATION_CONFIGURATION_DELAY_BLOCKS = 0;
    /// @notice Devnet veto window for a VetoableSlasher.
    uint32 internal constant DEVNET_VETO_WINDOW_BLOCKS = 25;
    /// @notice Devnet stake-use window (how stale a reference block may be) for a VetoableSlasher.
    uint32 internal constant DEVNET_STAKE_USE_WINDOW_BLOCKS = 50;

    /// @notice The devnet delays (see the DEVNET_ constants).
    function _devnetCoreConfig() internal pure returns (CoreConfig memory) {
        return CoreConfig({
            minWithdrawalDelayBlocks: DEVNET_MIN_WITHDRAWAL_DELAY_BLOCKS,
            deallocationDelayBlocks: DEVNET_DEALLOCATION_DELAY_BLOCKS,
            allocationConfigurationDelayBlocks: DEVNET_ALLOCATION_CONFIGURATION_DELAY_BLOCKS
        });
    }

    /// @notice Deploys the core with devnet delays; `owner` whitelists strategies.
    function _deployCore(address owner) internal returns (CoreDeployment memory) {
        return _deployCore(owner, _devnetCoreConfig());
    }

    /// @notice Deploys the core with `config` delays and wires StrategyManager <-> DelegationManager <->
    ///         AllocationManager; `owner` whitelists strategies.
    function _deployCore(address owner, CoreConfig memory config) internal returns (CoreDeployment memory core) {
        core.strategyManager = new StrategyManager(owner);
        core.delegationManager = new DelegationManager(core.strategyManager, config.minWithdrawalDelayBlocks);
        core.allocationManager = new AllocationManager(
            core.delegationManager, config.deallocationDelayBlocks, config.allocationConfigurationDelayBlocks
        );
        core.avsDirectory = new AVSDirectory(core.delegationManager);
        core.strategyManager.initialize(core.delegationManager);
        core.delegationManager.initialize(core.allocationManager);
    }

    /// @notice Deploys a strategy for `token` and whitelists it. The caller must be the StrategyManager's owner.
    function _deployStrategy(CoreDeployment memory core, IERC20 token) internal returns (StrategyBase strategy) {
        strategy = new StrategyBase(address(core.strategyManager), token);
        IStrategy[] memory list = new IStrategy[](1);
        list[0] = strategy;
        core.strategyManager.addStrategiesToDepositWhitelist(list);
    }

    /// @notice Deploys a VetoableSlasher for `avs`. The AVS must then call
    ///         `allocationManager.setAVSSlasher(avs, address(slasher))` for its slashes to be accepted.
    function _deployVetoableSlasher(
        CoreDeployment memory core,
        address avs,
        address slasher,
        address vetoCommittee,
        uint32 vetoWindowBlocks,
        uint32 stakeUseWindowBlocks
    ) internal returns (VetoableSlasher) {
        return new VetoableSlasher(
            IAllocationManager(address(core.allocationManager)),
            avs,
            slasher,
            vetoCommittee,
            vetoWindowBlocks,
            stakeUseWindowBlocks
        );
    }
}
