// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CoreFixture} from "../utils/CoreFixture.sol";
import {IDelegationManagerErrors} from "../../src/interfaces/IDelegationManager.sol";
import {AllocationManager} from "../../src/core/AllocationManager.sol";

/// @notice The deploy helper wires every cross-reference and leaves no wiring call open.
contract DeployCoreTest is CoreFixture {
    function test_CoreIsWired() public view {
        assertEq(strategyManager.delegation(), address(delegation));
        assertEq(delegation.strategyManager(), address(strategyManager));
        assertEq(delegation.allocationManager(), address(allocationManager));
        assertEq(allocationManager.delegation(), address(delegation));
        assertEq(address(avsDirectory.delegation()), address(delegation));
        assertEq(strategyManager.owner(), address(this));
        assertTrue(strategyManager.strategyIsWhitelistedForDeposit(strategyA));
        assertTrue(strategyManager.strategyIsWhitelistedForDeposit(strategyB));
    }

    function test_DevnetDelays() public view {
        assertEq(delegation.minWithdrawalDelayBlocks(), DEVNET_MIN_WITHDRAWAL_DELAY_BLOCKS);
        assertEq(allocationManager.DEALLOCATION_DELAY(), DEVNET_DEALLOCATION_DELAY_BLOCKS);
        assertEq(allocationManager.ALLOCATION_CONFIGURATION_DELAY(), DEVNET_ALLOCATION_CONFIGURATION_DELAY_BLOCKS);
    }

    function test_CustomDelays() public {
        CoreDeployment memory custom = _deployCore(address(this), CoreConfig(500, 400, 10));
        assertEq(custom.delegationManager.minWithdrawalDelayBlocks(), 500);
        assertEq(custom.allocationManager.DEALLOCATION_DELAY(), 400);
        assertEq(custom.allocationManager.ALLOCATION_CONFIGURATION_DELAY(), 10);
    }

    function test_RevertIf_RewiredAfterDeploy() public {
        AllocationManager other = new AllocationManager(delegation, 1, 1);
        vm.expectRevert(IDelegationManagerErrors.AlreadyInitialized.selector);
        delegation.initialize(other);
    }
}
