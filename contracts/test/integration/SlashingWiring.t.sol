// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LaminaSystemFixture} from "../harnesses/LaminaSystemFixture.sol";
import {IStrategy} from "../../src/interfaces/IStrategy.sol";
import {IAVSRegistrar} from "../../src/interfaces/IAVSRegistrar.sol";
import {IAllocationManager, IAllocationManagerTypes} from "../../src/interfaces/IAllocationManager.sol";
import {LaminaServiceManager} from "../../src/da/LaminaServiceManager.sol";
import {
    ILaminaServiceManagerErrors,
    ILaminaServiceManagerEvents
} from "../../src/da/interfaces/ILaminaServiceManager.sol";

/// @notice The slashing wiring `DeployLamina` leaves behind: who may slash, which operator sets exist, who may
///         join them, and the ordering of every reference-block window against the core's delays.
contract SlashingWiringTest is LaminaSystemFixture, ILaminaServiceManagerEvents {
    IAllocationManager internal am;
    address internal avs;

    function setUp() public override {
        super.setUp();
        am = IAllocationManager(address(d.core.allocationManager));
        avs = address(d.serviceManager);
    }

    function _set(uint32 id) internal view returns (IAllocationManagerTypes.OperatorSet memory) {
        return IAllocationManagerTypes.OperatorSet(avs, id);
    }

    /// @notice Stake that signed at reference block R must still be slashable when a request queued by the end
    ///         of the stake-use window is fulfilled after the veto window, whatever window accepted the signature.
    function test_deployedWindowsAreOrdered() public view {
        uint256 stakeUse = d.vetoableSlasher.STAKE_USE_WINDOW_BLOCKS();
        uint256 veto = d.vetoableSlasher.VETO_WINDOW_BLOCKS();
        uint256 withdrawal = d.core.delegationManager.minWithdrawalDelayBlocks();
        uint256 deallocation = am.DEALLOCATION_DELAY();
        uint256 staleStakes = d.serviceManager.staleStakesWindowBlocks();

        assertEq(stakeUse, DEVNET_STAKE_USE_WINDOW_BLOCKS);
        assertEq(veto, DEVNET_VETO_WINDOW_BLOCKS);
        assertLt(stakeUse + veto, withdrawal, "stake-use + veto < withdrawal delay");
        assertLt(stakeUse + veto, deallocation, "stake-use + veto < deallocation delay");
        assertLe(d.serviceManager.BLOCK_STALE_MEASURE(), stakeUse, "confirmBatch window <= stake-use window");
        assertLe(staleStakes, stakeUse, "stale-stakes window <= stake-use window");
        // stakes recorded at U back signatures at R <= U + staleStakes - 1, slashed by R + stakeUse + veto,
        // while stake leaving at U is slashable through U + delay
        assertLe(staleStakes + stakeUse + veto, withdrawal, "stale-stakes chain vs withdrawal delay");
        assertLe(staleStakes + stakeUse + veto, deallocation, "stale-stakes chain vs deallocation delay");
        assertGt(staleStakes, 0, "a zero window would reject every signature once enforced");
    }

    function test_vetoableSlasherAppointed() public view {
        assertEq(am.getSlasher(avs), address(d.vetoableSlasher));
        assertEq(d.vetoableSlasher.avs(), avs);
        assertEq(address(d.vetoableSlasher.allocationManager()), address(am));
        assertEq(d.vetoableSlasher.slasher(), address(this), "owner holds the slasher role");
        assertEq(d.vetoableSlasher.vetoCommittee(), address(this), "owner is the veto committee");
        assertEq(address(d.serviceManager.allocationManager()), address(am));
    }

    function test_operatorSetsMirrorQuorums() public view {
        for (uint32 q = 0; q < 2; ++q) {
            assertTrue(am.isOperatorSet(_set(q)));
            IStrategy[] memory strategies = am.getStrategiesInOperatorSet(_set(q));
            assertEq(strategies.length, 2);
            assertEq(address(strategies[0]), address(d.strategies[2 * q]));
            assertEq(address(strategies[1]), address(d.strategies[2 * q + 1]));
        }
    }

    function test_setSlasher_reappoints() public {
        address next = address(0x5EE5);
        vm.expectEmit(address(d.serviceManager));
        emit SlasherAppointed(next);
        d.serviceManager.setSlasher(next);
        assertEq(am.getSlasher(avs), next);
    }

    function test_operatorSetStrategies_addAndRemove() public {
        IAllocationManagerTypes.CreateSetParams[] memory sets = new IAllocationManagerTypes.CreateSetParams[](1);
        sets[0].operatorSetId = 7;
        d.serviceManager.createOperatorSets(sets);
        IStrategy[] memory strategies = new IStrategy[](1);
        strategies[0] = d.strategies[3];
        d.serviceManager.addStrategiesToOperatorSet(7, strategies);
        assertEq(am.getStrategiesInOperatorSet(_set(7)).length, 1);
        d.serviceManager.removeStrategiesFromOperatorSet(7, strategies);
        assertEq(am.getStrategiesInOperatorSet(_set(7)).length, 0);
    }

    function test_RevertIf_notOwner() public {
        address stranger = address(0xBAD);
        IAllocationManagerTypes.CreateSetParams[] memory sets = new IAllocationManagerTypes.CreateSetParams[](0);
        IStrategy[] memory strategies = new IStrategy[](0);
        bytes memory onlyOwner = abi.encodeWithSelector(LaminaServiceManager.OnlyOwner.selector, stranger);

        vm.prank(stranger);
        vm.expectRevert(onlyOwner);
        d.serviceManager.setSlasher(stranger);
        vm.prank(stranger);
        vm.expectRevert(onlyOwner);
        d.serviceManager.createOperatorSets(sets);
        vm.prank(stranger);
        vm.expectRevert(onlyOwner);
        d.serviceManager.addStrategiesToOperatorSet(0, strategies);
        vm.prank(stranger);
        vm.expectRevert(onlyOwner);
        d.serviceManager.removeStrategiesFromOperatorSet(0, strategies);
    }

    function test_registeredOperatorJoinsSet() public {
        uint32[] memory ids = new uint32[](2);
        ids[1] = 1;
        vm.prank(ops[0]);
        am.registerForOperatorSets(
            ops[0], IAllocationManagerTypes.RegisterParams({avs: avs, operatorSetIds: ids, data: ""})
        );
        assertTrue(am.isMemberOfOperatorSet(ops[0], _set(0)));
        assertTrue(am.isMemberOfOperatorSet(ops[0], _set(1)));

        IAllocationManagerTypes.DeregisterParams memory leave =
            IAllocationManagerTypes.DeregisterParams({operator: ops[0], avs: avs, operatorSetIds: ids});
        vm.prank(ops[0]);
        am.deregisterFromOperatorSets(leave);
        assertFalse(am.isMemberOfOperatorSet(ops[0], _set(0)));
        assertTrue(am.isOperatorSlashable(ops[0], _set(0)), "slashable through the deallocation delay");
    }

    function test_RevertIf_operatorNotRegisteredWithCoordinator() public {
        address outsider = address(0x0C7);
        vm.prank(outsider);
        d.core.delegationManager.registerAsOperator(address(0), 0, "");
        uint32[] memory ids = new uint32[](1);
        vm.prank(outsider);
        vm.expectRevert(abi.encodeWithSelector(ILaminaServiceManagerErrors.OperatorNotRegistered.selector, outsider));
        am.registerForOperatorSets(
            outsider, IAllocationManagerTypes.RegisterParams({avs: avs, operatorSetIds: ids, data: ""})
        );
    }

    function test_RevertIf_registrarCalledByOthers() public {
        uint32[] memory ids = new uint32[](1);
        vm.expectRevert(
            abi.encodeWithSelector(ILaminaServiceManagerErrors.OnlyAllocationManager.selector, address(this))
        );
        d.serviceManager.registerOperator(ops[0], avs, ids, "");
        vm.expectRevert(
            abi.encodeWithSelector(ILaminaServiceManagerErrors.OnlyAllocationManager.selector, address(this))
        );
        d.serviceManager.deregisterOperator(ops[0], avs, ids);
    }

    function test_RevertIf_registrarForAnotherAVS() public {
        // another AVS naming Lamina's service manager as its registrar cannot enrol operators through it
        address other = address(0xA55);
        IAllocationManagerTypes.CreateSetParams[] memory sets = new IAllocationManagerTypes.CreateSetParams[](1);
        vm.startPrank(other);
        am.createOperatorSets(other, sets);
        am.setAVSRegistrar(other, IAVSRegistrar(avs));
        vm.stopPrank();
        uint32[] memory ids = new uint32[](1);
        vm.prank(ops[0]);
        vm.expectRevert(abi.encodeWithSelector(ILaminaServiceManagerErrors.NotThisAVS.selector, other));
        am.registerForOperatorSets(
            ops[0], IAllocationManagerTypes.RegisterParams({avs: other, operatorSetIds: ids, data: ""})
        );
    }
}
