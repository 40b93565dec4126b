// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CoreFixture} from "../utils/CoreFixture.sol";
import {IStrategy} from "../../src/interfaces/IStrategy.sol";
import {
    IAllocationManagerTypes,
    IAllocationManagerErrors,
    IAllocationManagerEvents
} from "../../src/interfaces/IAllocationManager.sol";
import {AllocationManager} from "../../src/core/AllocationManager.sol";
import {MockAVSRegistrar} from "../mocks/MockAVSRegistrar.sol";

contract AllocationManagerTest is CoreFixture {
    address internal operator;
    address internal alice;
    uint32 internal deallocationDelay;

    function setUp() public override {
        super.setUp();
        operator = makeAddr("operator");
        alice = makeAddr("alice");
        deallocationDelay = allocationManager.DEALLOCATION_DELAY();
    }

    function _both() internal view returns (IStrategy[] memory list) {
        list = new IStrategy[](2);
        list[0] = strategyA;
        list[1] = strategyB;
    }

    // ---------------------------------------------------------------- operator sets

    function test_CreateOperatorSet() public {
        vm.expectEmit(address(allocationManager));
        emit IAllocationManagerEvents.OperatorSetCreated(_set(0));
        _createSet(0, _both());
        assertTrue(allocationManager.isOperatorSet(_set(0)));
        assertFalse(allocationManager.isOperatorSet(_set(1)));
        IStrategy[] memory strategies = allocationManager.getStrategiesInOperatorSet(_set(0));
        assertEq(strategies.length, 2);
    }

    function test_RevertIf_CreateSetTwice() public {
        _createSet(0, _both());
        IAllocationManagerTypes.CreateSetParams[] memory params = new IAllocationManagerTypes.CreateSetParams[](1);
        params[0].operatorSetId = 0;
        vm.prank(avs);
        vm.expectRevert(abi.encodeWithSelector(IAllocationManagerErrors.OperatorSetAlreadyExists.selector, avs, 0));
        allocationManager.createOperatorSets(avs, params);
    }

    function test_RevertIf_CreateSetForOtherAVS() public {
        IAllocationManagerTypes.CreateSetParams[] memory params = new IAllocationManagerTypes.CreateSetParams[](1);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IAllocationManagerErrors.InvalidCaller.selector, alice, avs));
        allocationManager.createOperatorSets(avs, params);
    }

    function test_AddAndRemoveStrategies() public {
        _createSet(0, _one(strategyA));
        vm.startPrank(avs);
        allocationManager.addStrategiesToOperatorSet(avs, 0, _one(strategyB));
        vm.expectRevert(
            abi.encodeWithSelector(IAllocationManagerErrors.StrategyAlreadyInOperatorSet.selector, avs, 0, strategyB)
        );
        allocationManager.addStrategiesToOperatorSet(avs, 0, _one(strategyB));
        allocationManager.removeStrategiesFromOperatorSet(avs, 0, _one(strategyA));
        vm.stopPrank();
        IStrategy[] memory strategies = allocationManager.getStrategiesInOperatorSet(_set(0));
        assertEq(strategies.length, 1);
        assertEq(address(strategies[0]), address(strategyB));
    }

    // ---------------------------------------------------------------- registration

    function test_RegisterCallsRegistrar() public {
        _registerOperator(operator);
        _createSet(3, _both());
        uint32[] memory ids = new uint32[](1);
        ids[0] = 3;
        vm.prank(operator);
        allocationManager.registerForOperatorSets(operator, IAllocationManagerTypes.RegisterParams(avs, ids, "hello"));
        assertEq(registrar.registerCalls(), 1);
        assertEq(registrar.lastOperator(), operator);
        assertEq(registrar.lastAvs(), avs);
        assertEq(registrar.lastSetIds()[0], 3);
        assertEq(registrar.lastData(), bytes("hello"));
        assertTrue(allocationManager.isMemberOfOperatorSet(operator, _set(3)));
        assertEq(allocationManager.getMembers(_set(3))[0], operator);
    }

    function test_RevertIf_RegistrarRejects() public {
        _registerOperator(operator);
        _createSet(0, _both());
        registrar.setRejectAll(true);
        uint32[] memory ids = new uint32[](1);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(MockAVSRegistrar.RegistrationRejected.selector, operator));
        allocationManager.registerForOperatorSets(operator, IAllocationManagerTypes.RegisterParams(avs, ids, ""));
        assertFalse(allocationManager.isMemberOfOperatorSet(operator, _set(0)));
    }

    function test_RevertIf_RegisterNonOperator() public {
        _createSet(0, _both());
        uint32[] memory ids = new uint32[](1);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IAllocationManagerErrors.InvalidOperator.selector, alice));
        allocationManager.registerForOperatorSets(alice, IAllocationManagerTypes.RegisterParams(avs, ids, ""));
    }

    function test_RevertIf_RegisterToMissingSet() public {
        _registerOperator(operator);
        uint32[] memory ids = new uint32[](1);
        ids[0] = 9;
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IAllocationManagerErrors.InvalidOperatorSet.selector, avs, 9));
        allocationManager.registerForOperatorSets(operator, IAllocationManagerTypes.RegisterParams(avs, ids, ""));
    }

    function test_RevertIf_RegisterTwice() public {
        _registerOperator(operator);
        _createSet(0, _both());
        _registerForSet(operator, 0);
        uint32[] memory ids = new uint32[](1);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IAllocationManagerErrors.AlreadyMemberOfSet.selector, operator, avs, 0));
        allocationManager.registerForOperatorSets(operator, IAllocationManagerTypes.RegisterParams(avs, ids, ""));
    }

    function test_DeregisteredStaysSlashableForDeallocationDelay() public {
        _registerOperator(operator);
        _createSet(0, _both());
        _registerForSet(operator, 0);
        uint32[] memory ids = new uint32[](1);
        vm.prank(avs); // the AVS may eject
        allocationManager.deregisterFromOperatorSets(IAllocationManagerTypes.DeregisterParams(operator, avs, ids));
        assertEq(registrar.deregisterCalls(), 1);
        assertFalse(allocationManager.isMemberOfOperatorSet(operator, _set(0)));
        assertTrue(allocationManager.isOperatorSlashable(operator, _set(0)));
        vm.roll(block.number + deallocationDelay);
        assertTrue(allocationManager.isOperatorSlashable(operator, _set(0)));
        vm.roll(block.number + 1);
        assertFalse(allocationManager.isOperatorSlashable(operator, _set(0)));
    }

    function test_RevertIf_DeregisterByThirdParty() public {
        uint32[] memory ids = new uint32[](1);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IAllocationManagerErrors.InvalidCaller.selector, alice, operator));
        allocationManager.deregisterFromOperatorSets(IAllocationManagerTypes.DeregisterParams(operator, avs, ids));
    }

    // ---------------------------------------------------------------- allocations

    function test_AllocationDelayTakesEffectAfterConfigurationDelay() public {
        AllocationManager am = new AllocationManager(delegation, 10, 5);
        vm.prank(address(delegation));
        am.setAllocationDelay(operator, 3);
        (bool isSet,) = am.getAllocationDelay(operator);
        assertFalse(isSet);
        vm.roll(block.number + 5);
        (bool isSetLater, uint32 d) = am.getAllocationDelay(operator);
        assertTrue(isSetLater);
        assertEq(d, 3);
    }

    function test_AllocationIncreaseWaitsForAllocationDelay() public {
        vm.prank(operator);
        delegation.registerAsOperator(address(0), 10, "");
        _createSet(0, _both());
        _allocate(operator, 0, strategyA, 0.6e18);

        IAllocationManagerTypes.Allocation memory a = allocationManager.getAllocation(operator, _set(0), strategyA);
        assertEq(a.currentMagnitude, 0);
        assertEq(a.pendingDiff, int128(0.6e18));
        assertEq(a.effectBlock, block.number + 10);
        assertEq(allocationManager.getEncumberedMagnitude(operator, strategyA), 0.6e18);
        assertEq(allocationManager.getAllocatableMagnitude(operator, strategyA), 0.4e18);

        vm.roll(block.number + 10);
        a = allocationManager.getAllocation(operator, _set(0), strategyA);
        assertEq(a.currentMagnitude, 0.6e18);
        assertEq(a.pendingDiff, 0);
    }

    function test_RevertIf_AllocateBeyondMaxMagnitude() public {
        _registerOperator(operator);
        _createSet(0, _both());
        _createSet(1, _both());
        _allocate(operator, 0, strategyA, 0.7e18);
        IAllocationManagerTypes.AllocateParams[] memory params = new IAllocationManagerTypes.AllocateParams[](1);
        uint64[] memory mags = new uint64[](1);
        mags[0] = 0.4e18;
        params[0] = IAllocationManagerTypes.AllocateParams(_set(1), _one(strategyA), mags);
        vm.prank(operator);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAllocationManagerErrors.InsufficientMagnitude.selector, strategyA, uint64(0.3e18), uint64(0.4e18)
            )
        );
        allocationManager.modifyAllocations(operator, params);
    }

    function test_RevertIf_ModificationPending() public {
        vm.prank(operator);
        delegation.registerAsOperator(address(0), 10, "");
        _createSet(0, _both());
        _allocate(operator, 0, strategyA, 0.5e18);
        IAllocationManagerTypes.AllocateParams[] memory params = new IAllocationManagerTypes.AllocateParams[](1);
        uint64[] memory mags = new uint64[](1);
        mags[0] = 0.2e18;
        params[0] = IAllocationManagerTypes.AllocateParams(_set(0), _one(strategyA), mags);
        vm.prank(operator);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAllocationManagerErrors.ModificationAlreadyPending.selector,
                operator,
                strategyA,
                uint32(block.number + 10)
            )
        );
        allocationManager.modifyAllocations(operator, params);
    }

    function test_RevertIf_AllocateStrategyOutsideSet() public {
        _registerOperator(operator);
        _createSet(0, _one(strategyA));
        IAllocationManagerTypes.AllocateParams[] memory params = new IAllocationManagerTypes.AllocateParams[](1);
        uint64[] memory mags = new uint64[](1);
        mags[0] = 1;
        params[0] = IAllocationManagerTypes.AllocateParams(_set(0), _one(strategyB), mags);
        vm.prank(operator);
        vm.expectRevert(
            abi.encodeWithSelector(IAllocationManagerErrors.StrategyNotInOperatorSet.selector, avs, 0, strategyB)
        );
        allocationManager.modifyAllocations(operator, params);
    }

    function test_DeallocationOfSlashableStakeWaitsDeallocationDelay() public {
        _slashableOperator(operator, alice, 10e18, 0, WAD64);
        _allocate(operator, 1, strategyA, 0.25e18);
        IAllocationManagerTypes.Allocation memory a = allocationManager.getAllocation(operator, _set(1), strategyA);
        assertEq(a.currentMagnitude, WAD, "still slashable in full");
        assertEq(a.effectBlock, block.number + deallocationDelay + 1);
        assertEq(allocationManager.getEncumberedMagnitude(operator, strategyA), WAD);

        vm.roll(block.number + deallocationDelay);
        assertEq(allocationManager.getAllocation(operator, _set(1), strategyA).currentMagnitude, WAD);
        vm.roll(block.number + 1);
        assertEq(allocationManager.getAllocation(operator, _set(1), strategyA).currentMagnitude, 0.25e18);
        assertEq(allocationManager.getAllocatableMagnitude(operator, strategyA), 0.75e18);
    }

    function test_DeallocationWhenNotSlashableIsImmediate() public {
        _registerOperator(operator);
        _createSet(0, _both());
        _allocate(operator, 0, strategyA, 0.5e18);
        _allocate(operator, 0, strategyA, 0);
        assertEq(allocationManager.getEncumberedMagnitude(operator, strategyA), 0);
    }

    function test_DeallocateStrategyRemovedFromSet() public {
        _slashableOperator(operator, alice, 10e18, 0, 0.5e18);
        vm.prank(avs);
        allocationManager.removeStrategiesFromOperatorSet(avs, 1, _one(strategyA));
        // No longer slashable through this set, so the magnitude is freed at once.
        _allocate(operator, 1, strategyA, 0);
        assertEq(allocationManager.getEncumberedMagnitude(operator, strategyA), 0);
        assertEq(allocationManager.getAllocatableMagnitude(operator, strategyA), WAD);
    }

    function test_AllocatedAndMinimumSlashableStake() public {
        _slashableOperator(operator, alice, 4e18, 6e18, 0.5e18);
        address[] memory ops = new address[](1);
        ops[0] = operator;
        uint256[][] memory allocated = allocationManager.getAllocatedStake(_set(1), ops, _one(strategyA));
        assertEq(allocated[0][0], 5e18);

        _allocate(operator, 1, strategyA, 0.2e18); // pending decrease
        uint256[][] memory soon =
            allocationManager.getMinimumSlashableStake(_set(1), ops, _one(strategyA), uint32(block.number + 1));
        assertEq(soon[0][0], 5e18, "decrease not effective yet");
        uint256[][] memory later = allocationManager.getMinimumSlashableStake(
            _set(1), ops, _one(strategyA), uint32(block.number + deallocationDelay + 1)
        );
        assertEq(later[0][0], 2e18, "decrease effective by then");
    }

    // ---------------------------------------------------------------- slashing

    function test_SlashReducesMagnitudeAndShares() public {
        _slashableOperator(operator, alice, 4e18, 6e18, 0.5e18);
        vm.expectEmit(address(allocationManager));
        emit IAllocationManagerEvents.MaxMagnitudeUpdated(operator, strategyA, 0.75e18);
        vm.prank(avs);
        uint256[] memory slashed = allocationManager.slashOperator(avs, _slashParams(operator, 1, strategyA, WAD / 2));

        // Half of a half allocation: a quarter of the operator's stake.
        assertEq(slashed[0], 2.5e18);
        assertEq(allocationManager.getMaxMagnitude(operator, strategyA), 0.75e18);
        assertEq(allocationManager.getAllocation(operator, _set(1), strategyA).currentMagnitude, 0.25e18);
        assertEq(allocationManager.getEncumberedMagnitude(operator, strategyA), 0.25e18);
        assertEq(allocationManager.getAllocatableMagnitude(operator, strategyA), 0.5e18);
        assertEq(delegation.operatorShares(operator, strategyA), 7.5e18);
        assertEq(_withdrawable(alice, strategyA), 4.5e18);

        // History answers for the block before the slash.
        assertEq(allocationManager.getMaxMagnitudeAtBlock(operator, strategyA, uint32(block.number - 1)), WAD);
        assertEq(allocationManager.getMaxMagnitudeAtBlock(operator, strategyA, uint32(block.number)), 0.75e18);
    }

    function test_SlashShrinksPendingDeallocation() public {
        _slashableOperator(operator, alice, 10e18, 0, 0.8e18);
        _allocate(operator, 1, strategyA, 0.4e18); // pending -0.4e18
        vm.prank(avs);
        allocationManager.slashOperator(avs, _slashParams(operator, 1, strategyA, WAD / 2));
        IAllocationManagerTypes.Allocation memory a = allocationManager.getAllocation(operator, _set(1), strategyA);
        assertEq(a.currentMagnitude, 0.4e18);
        assertEq(a.pendingDiff, -0.2e18);
        vm.roll(block.number + deallocationDelay + 1);
        assertEq(allocationManager.getAllocation(operator, _set(1), strategyA).currentMagnitude, 0.2e18);
        assertEq(allocationManager.getAllocatableMagnitude(operator, strategyA), 0.4e18);
    }

    function test_SlashWithNoAllocationSlashesNothing() public {
        _slashableOperator(operator, alice, 10e18, 0, 1);
        _allocate(operator, 1, strategyA, 0); // registered, so a delayed decrease
        vm.roll(block.number + deallocationDelay + 1);
        vm.prank(avs);
        uint256[] memory slashed = allocationManager.slashOperator(avs, _slashParams(operator, 1, strategyA, WAD));
        assertEq(slashed[0], 0);
        assertEq(delegation.operatorShares(operator, strategyA), 10e18);
    }

    function test_SlashAfterDeregistrationWithinDelay() public {
        _slashableOperator(operator, alice, 10e18, 0, WAD64);
        uint32[] memory ids = new uint32[](1);
        ids[0] = 1;
        vm.prank(operator);
        allocationManager.deregisterFromOperatorSets(IAllocationManagerTypes.DeregisterParams(operator, avs, ids));
        vm.roll(block.number + deallocationDelay);
        vm.prank(avs);
        allocationManager.slashOperator(avs, _slashParams(operator, 1, strategyA, WAD / 10));
        assertEq(delegation.operatorShares(operator, strategyA), 9e18);

        vm.roll(block.number + 1);
        vm.prank(avs);
        vm.expectRevert(
            abi.encodeWithSelector(IAllocationManagerErrors.OperatorNotSlashable.selector, operator, avs, 1)
        );
        allocationManager.slashOperator(avs, _slashParams(operator, 1, strategyA, WAD / 10));
    }

    function test_RevertIf_SlashByNonSlasher() public {
        _slashableOperator(operator, alice, 10e18, 0, WAD64);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IAllocationManagerErrors.NotSlasher.selector, alice, avs, avs));
        allocationManager.slashOperator(avs, _slashParams(operator, 1, strategyA, WAD));
    }

    function test_DesignatedSlasherCanSlash() public {
        _slashableOperator(operator, alice, 10e18, 0, WAD64);
        vm.prank(avs);
        allocationManager.setAVSSlasher(avs, alice);
        assertEq(allocationManager.getSlasher(avs), alice);
        vm.prank(alice);
        allocationManager.slashOperator(avs, _slashParams(operator, 1, strategyA, WAD / 2));
        assertEq(delegation.operatorShares(operator, strategyA), 5e18);
    }

    function test_RevertIf_WadOutOfRange() public {
        _slashableOperator(operator, alice, 10e18, 0, WAD64);
        vm.startPrank(avs);
        vm.expectRevert(abi.encodeWithSelector(IAllocationManagerErrors.InvalidWadToSlash.selector, 0));
        allocationManager.slashOperator(avs, _slashParams(operator, 1, strategyA, 0));
        vm.expectRevert(abi.encodeWithSelector(IAllocationManagerErrors.InvalidWadToSlash.selector, WAD + 1));
        allocationManager.slashOperator(avs, _slashParams(operator, 1, strategyA, WAD + 1));
        vm.stopPrank();
    }

    function test_RevertIf_StrategiesNotAscending() public {
        _registerOperator(operator);
        _createSet(0, _both());
        _registerForSet(operator, 0);
        IStrategy[] memory reversed = new IStrategy[](2);
        reversed[0] = strategyB;
        reversed[1] = strategyA;
        uint256[] memory wads = new uint256[](2);
        wads[0] = 1;
        wads[1] = 1;
        vm.prank(avs);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAllocationManagerErrors.StrategiesMustBeInAscendingOrder.selector, strategyB, strategyA
            )
        );
        allocationManager.slashOperator(avs, IAllocationManagerTypes.SlashingParams(operator, 0, reversed, wads, ""));
    }

    /// @notice Slashing never lets the operator's shares fall below what its stakers can withdraw, and the
    ///         magnitude bookkeeping stays consistent (encumbered <= max).
    function testFuzz_RepeatedSlashesKeepInvariants(uint256 stake, uint64 magnitude, uint256[3] memory wads) public {
        stake = bound(stake, 1e9, 1e30);
        magnitude = uint64(bound(magnitude, 1, WAD));
        _slashableOperator(operator, alice, stake, stake / 3 + 1, magnitude);
        for (uint256 i = 0; i < wads.length; ++i) {
            uint256 wad = bound(wads[i], 1, WAD);
            uint64 prevMax = allocationManager.getMaxMagnitude(operator, strategyA);
            uint64 prevCurrent = allocationManager.getAllocation(operator, _set(1), strategyA).currentMagnitude;
            vm.prank(avs);
            allocationManager.slashOperator(avs, _slashParams(operator, 1, strategyA, wad));
            uint64 newMax = allocationManager.getMaxMagnitude(operator, strategyA);
            uint64 newCurrent = allocationManager.getAllocation(operator, _set(1), strategyA).currentMagnitude;
            assertEq(prevMax - newMax, prevCurrent - newCurrent, "max and allocation fall together");
            assertLe(allocationManager.getEncumberedMagnitude(operator, strategyA), newMax, "encumbered within max");
            assertLe(
                _withdrawable(operator, strategyA) + _withdrawable(alice, strategyA),
                delegation.operatorShares(operator, strategyA),
                "operator shares cover stakers"
            );
            vm.roll(block.number + 1);
        }
    }
}
