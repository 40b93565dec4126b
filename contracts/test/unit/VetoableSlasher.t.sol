// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {CoreFixture} from "../utils/CoreFixture.sol";
import {
    IAllocationManager,
    IAllocationManagerTypes,
    IAllocationManagerErrors
} from "../../src/interfaces/IAllocationManager.sol";
import {IDelegationManagerTypes} from "../../src/interfaces/IDelegationManager.sol";
import {
    IVetoableSlasherTypes,
    IVetoableSlasherErrors,
    IVetoableSlasherEvents
} from "../../src/interfaces/IVetoableSlasher.sol";
import {VetoableSlasher} from "../../src/core/VetoableSlasher.sol";
import {DelegationManager} from "../../src/core/DelegationManager.sol";
import {AllocationManager} from "../../src/core/AllocationManager.sol";

contract VetoableSlasherTest is CoreFixture {
    address internal operator;
    address internal alice;
    address internal slasherRole;
    address internal committee;
    VetoableSlasher internal vetoable;
    uint32 internal veto;

    function setUp() public override {
        super.setUp();
        operator = makeAddr("operator");
        alice = makeAddr("alice");
        slasherRole = makeAddr("slasher");
        committee = makeAddr("committee");
        vetoable = _deployVetoableSlasher(
            core, avs, slasherRole, committee, DEVNET_VETO_WINDOW_BLOCKS, DEVNET_STAKE_USE_WINDOW_BLOCKS
        );
        veto = vetoable.VETO_WINDOW_BLOCKS();
        vm.prank(avs);
        allocationManager.setAVSSlasher(avs, address(vetoable));
        _slashableOperator(operator, alice, 2e18, 8e18, WAD64);
    }

    function _queue(uint256 wad) internal returns (uint256 id) {
        vm.prank(slasherRole);
        id = vetoable.queueSlashingRequest(_slashParams(operator, 1, strategyA, wad));
    }

    // ---------------------------------------------------------------- delay ordering

    function test_RevertIf_WithdrawalDelayNotLongerThanVetoPlusStakeUse() public {
        // Withdrawal delay 100 == 60 + 40: not strictly longer.
        vm.expectRevert(abi.encodeWithSelector(IVetoableSlasherErrors.WithdrawalDelayTooShort.selector, 100, 100));
        new VetoableSlasher(IAllocationManager(address(allocationManager)), avs, slasherRole, committee, 60, 40);
    }

    function test_RevertIf_DeallocationDelayNotLongerThanVetoPlusStakeUse() public {
        DelegationManager dm = new DelegationManager(strategyManager, 1000);
        AllocationManager am = new AllocationManager(dm, 50, 0);
        dm.initialize(am);
        vm.expectRevert(abi.encodeWithSelector(IVetoableSlasherErrors.DeallocationDelayTooShort.selector, 50, 60));
        new VetoableSlasher(IAllocationManager(address(am)), avs, slasherRole, committee, 20, 40);
    }

    function test_RevertIf_ZeroVetoWindow() public {
        vm.expectRevert(IVetoableSlasherErrors.ZeroVetoWindow.selector);
        new VetoableSlasher(IAllocationManager(address(allocationManager)), avs, slasherRole, committee, 0, 10);
    }

    function test_RevertIf_ZeroCommittee() public {
        vm.expectRevert(IVetoableSlasherErrors.ZeroAddress.selector);
        new VetoableSlasher(IAllocationManager(address(allocationManager)), avs, slasherRole, address(0), 10, 10);
    }

    function test_DevnetDelaysAreOrdered() public view {
        assertGt(delegation.minWithdrawalDelayBlocks(), veto + vetoable.STAKE_USE_WINDOW_BLOCKS());
        assertGt(allocationManager.DEALLOCATION_DELAY(), veto + vetoable.STAKE_USE_WINDOW_BLOCKS());
    }

    // ---------------------------------------------------------------- lifecycle

    function test_QueueRecordsRequest() public {
        vm.expectEmit(address(vetoable));
        emit IVetoableSlasherEvents.SlashingRequested(0, operator, 1, _oneU(WAD / 2), "fraud");
        uint256 id = _queue(WAD / 2);
        assertEq(id, 0);
        assertEq(vetoable.nextRequestId(), 1);
        IVetoableSlasherTypes.SlashingRequest memory r = vetoable.getSlashingRequest(id);
        assertEq(r.params.operator, operator);
        assertEq(r.params.wadsToSlash[0], WAD / 2);
        assertEq(r.requestBlock, block.number);
        assertTrue(r.status == IVetoableSlasherTypes.SlashingRequestStatus.Requested);
    }

    function test_RevertIf_QueueByNonSlasher() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IVetoableSlasherErrors.OnlySlasher.selector, alice));
        vetoable.queueSlashingRequest(_slashParams(operator, 1, strategyA, WAD));
    }

    function test_VetoedSlashNeverLands() public {
        uint256 id = _queue(WAD / 2);
        vm.roll(block.number + veto - 1); // last block of the veto window
        vm.prank(committee);
        vetoable.cancelSlashingRequest(id);

        vm.roll(block.number + veto);
        vm.expectRevert(
            abi.encodeWithSelector(
                IVetoableSlasherErrors.SlashingRequestNotRequested.selector,
                id,
                IVetoableSlasherTypes.SlashingRequestStatus.Cancelled
            )
        );
        vetoable.fulfillSlashingRequest(id);
        assertEq(delegation.operatorShares(operator, strategyA), 10e18, "no shares slashed");
    }

    function test_FulfilledSlashLands() public {
        uint256 id = _queue(WAD / 2);
        uint256 vetoEnd = block.number + veto;
        vm.roll(vetoEnd - 1);
        vm.expectRevert(abi.encodeWithSelector(IVetoableSlasherErrors.VetoPeriodNotPassed.selector, id, vetoEnd));
        vetoable.fulfillSlashingRequest(id);

        vm.roll(vetoEnd);
        vm.prank(alice); // anyone
        uint256[] memory slashed = vetoable.fulfillSlashingRequest(id);
        assertEq(slashed[0], 5e18);
        assertEq(delegation.operatorShares(operator, strategyA), 5e18);
        assertTrue(vetoable.getSlashingRequest(id).status == IVetoableSlasherTypes.SlashingRequestStatus.Completed);

        vm.expectRevert(
            abi.encodeWithSelector(
                IVetoableSlasherErrors.SlashingRequestNotRequested.selector,
                id,
                IVetoableSlasherTypes.SlashingRequestStatus.Completed
            )
        );
        vetoable.fulfillSlashingRequest(id);
    }

    function test_RevertIf_VetoAfterWindow() public {
        uint256 id = _queue(WAD / 2);
        uint256 vetoEnd = block.number + veto;
        vm.roll(vetoEnd);
        vm.prank(committee);
        vm.expectRevert(abi.encodeWithSelector(IVetoableSlasherErrors.VetoPeriodPassed.selector, id, vetoEnd));
        vetoable.cancelSlashingRequest(id);
    }

    function test_RevertIf_VetoByNonCommittee() public {
        uint256 id = _queue(WAD / 2);
        vm.prank(slasherRole);
        vm.expectRevert(abi.encodeWithSelector(IVetoableSlasherErrors.OnlyVetoCommittee.selector, slasherRole));
        vetoable.cancelSlashingRequest(id);
    }

    function test_RevertIf_SlasherBypassesVeto() public {
        // The slasher role cannot call the AllocationManager directly: only the VetoableSlasher is the AVS's slasher.
        vm.prank(slasherRole);
        vm.expectRevert(
            abi.encodeWithSelector(IAllocationManagerErrors.NotSlasher.selector, slasherRole, avs, address(vetoable))
        );
        allocationManager.slashOperator(avs, _slashParams(operator, 1, strategyA, WAD));
    }

    /// @notice The scenario the delay ordering exists for: stake backs a certificate at reference block R, then
    ///         the staker immediately queues a withdrawal and the operator deallocates and leaves. A fraud found at
    ///         the end of the stake-use window is queued, survives the veto window, and still reaches that stake.
    function test_StakeThatSignedStaysSlashable() public {
        uint256 referenceBlock = block.number;
        uint256[][] memory stakeAtR;
        {
            address[] memory ops = new address[](1);
            ops[0] = operator;
            stakeAtR = allocationManager.getAllocatedStake(_set(1), ops, _one(strategyA));
        }
        assertEq(stakeAtR[0][0], 10e18);

        vm.roll(referenceBlock + 1);
        (IDelegationManagerTypes.Withdrawal memory w,) = _queueWithdrawal(alice, strategyA, 8e18);
        _allocate(operator, 1, strategyA, 0);
        uint32[] memory ids = new uint32[](1);
        ids[0] = 1;
        vm.prank(operator);
        allocationManager.deregisterFromOperatorSets(IAllocationManagerTypes.DeregisterParams(operator, avs, ids));

        // Fraud noticed at the last block the certificate could be used.
        vm.roll(referenceBlock + vetoable.STAKE_USE_WINDOW_BLOCKS());
        uint256 id = _queue(WAD / 2);
        vm.roll(block.number + veto);
        vetoable.fulfillSlashingRequest(id);

        // Half of everything that stood behind the certificate is burned: 1e18 delegated + 4e18 queued.
        assertEq(strategyManager.getBurnableShares(strategyA), 5e18);
        vm.roll(w.startBlock + delegation.minWithdrawalDelayBlocks() + 1);
        _completeAsTokens(w);
        assertEq(tokenA.balanceOf(alice), 4e18, "the fleeing staker was slashed");
        strategyManager.burnShares(strategyA);
        assertEq(IERC20(address(tokenA)).balanceOf(strategyManager.BURN_ADDRESS()), 5e18);
    }
}
