// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LaminaTest} from "../utils/LaminaTest.sol";
import {DelegationManagerMock} from "../harnesses/DelegationManagerMock.sol";
import {IStrategy} from "../../src/interfaces/IStrategy.sol";
import {IDelegationManager} from "../../src/interfaces/IDelegationManager.sol";
import {StakeRegistry} from "../../src/middleware/StakeRegistry.sol";
import {IStakeRegistry, IStakeRegistryErrors} from "../../src/middleware/interfaces/IStakeRegistry.sol";

/// @notice The test contract plays the RegistryCoordinator (and its owner) to drive the registry directly.
contract StakeRegistryTest is LaminaTest {
    StakeRegistry internal registry;
    DelegationManagerMock internal delegation;
    IStrategy internal s0 = IStrategy(address(0x5000));
    IStrategy internal s1 = IStrategy(address(0x5001));
    address internal op = address(0x0111);
    bytes32 internal constant ID = keccak256("op");

    function owner() external view returns (address) {
        return address(this);
    }

    function setUp() public {
        delegation = new DelegationManagerMock();
        registry = new StakeRegistry(address(this), IDelegationManager(address(delegation)));
        IStakeRegistry.StrategyParams[] memory p = new IStakeRegistry.StrategyParams[](2);
        p[0] = IStakeRegistry.StrategyParams(s0, 1e18);
        p[1] = IStakeRegistry.StrategyParams(s1, 3e17);
        registry.initializeQuorum(0, 100, p);
        vm.roll(10);
    }

    function testFuzz_weightIsSumOfSharesTimesMultiplier(uint256 a, uint256 b, uint96 m0, uint96 m1) public {
        a = bound(a, 0, 1e30);
        b = bound(b, 0, 1e30);
        m0 = uint96(bound(m0, 1, 1e20));
        m1 = uint96(bound(m1, 1, 1e20));
        uint256[] memory idx = new uint256[](2);
        (idx[0], idx[1]) = (0, 1);
        uint96[] memory mult = new uint96[](2);
        (mult[0], mult[1]) = (m0, m1);
        registry.modifyStrategyParams(0, idx, mult);
        delegation.setOperatorShares(op, s0, a);
        delegation.setOperatorShares(op, s1, b);
        // naive twin: per-strategy floor, saturating at uint96 max
        uint256 expected = a * m0 / 1e18 + b * m1 / 1e18;
        if (expected > type(uint96).max) expected = type(uint96).max;
        assertEq(registry.weightOfOperatorForQuorum(0, op), expected);
    }

    function test_registerRecordsStakeAndTotal() public {
        delegation.setOperatorShares(op, s0, 1000);
        delegation.setOperatorShares(op, s1, 1000);
        (uint96[] memory stakes, uint96[] memory totals) = registry.registerOperator(op, ID, hex"00");
        assertEq(stakes[0], 1300);
        assertEq(totals[0], 1300);
        assertEq(registry.getCurrentStake(ID, 0), 1300);
        assertEq(registry.getCurrentTotalStake(0), 1300);
    }

    function test_RevertIf_belowMinimum() public {
        delegation.setOperatorShares(op, s0, 99);
        vm.expectRevert(abi.encodeWithSelector(IStakeRegistryErrors.BelowMinimumStakeRequirement.selector, 0, 99, 100));
        registry.registerOperator(op, ID, hex"00");
    }

    function test_historyByBlock() public {
        delegation.setOperatorShares(op, s0, 500);
        registry.registerOperator(op, ID, hex"00"); // block 10: 500
        vm.roll(20);
        delegation.setOperatorShares(op, s0, 800);
        registry.updateOperatorStake(op, ID, hex"00"); // block 20: 800
        vm.roll(30);
        registry.deregisterOperator(ID, hex"00"); // block 30: 0

        assertEq(registry.getStakeAtBlockNumber(ID, 0, 15), 500);
        assertEq(registry.getStakeAtBlockNumber(ID, 0, 20), 800);
        assertEq(registry.getStakeAtBlockNumber(ID, 0, 31), 0);
        assertEq(registry.getStakeUpdateIndexAtBlockNumber(ID, 0, 25), 1);
        assertEq(registry.getStakeAtBlockNumberAndIndex(0, 25, ID, 1), 800);

        uint32[] memory totalIdx = registry.getTotalStakeIndicesAtBlockNumber(19, hex"00");
        assertEq(registry.getTotalStakeAtBlockNumberFromIndex(0, 19, totalIdx[0]), 500);

        vm.expectRevert(abi.encodeWithSelector(IStakeRegistryErrors.BlockNumberNotLatest.selector, 25, 20));
        registry.getStakeAtBlockNumberAndIndex(0, 25, ID, 0);
        vm.expectRevert(abi.encodeWithSelector(IStakeRegistryErrors.InvalidBlockNumber.selector, 15, 20));
        registry.getStakeAtBlockNumberAndIndex(0, 15, ID, 1);
        vm.expectRevert(abi.encodeWithSelector(IStakeRegistryErrors.NoStakeAtBlockNumber.selector, ID, 0, 5));
        registry.getStakeUpdateIndexAtBlockNumber(ID, 0, 5);
    }

    function test_RevertIf_indexPastEnd() public {
        delegation.setOperatorShares(op, s0, 500);
        registry.registerOperator(op, ID, hex"00");
        vm.expectRevert(abi.encodeWithSelector(IStakeRegistryErrors.IndexOutOfRange.selector, 1, 1));
        registry.getStakeAtBlockNumberAndIndex(0, 10, ID, 1);
        vm.expectRevert(abi.encodeWithSelector(IStakeRegistryErrors.IndexOutOfRange.selector, uint256(1) << 32, 1));
        registry.getStakeAtBlockNumberAndIndex(0, 10, ID, uint256(1) << 32);
        vm.expectRevert(abi.encodeWithSelector(IStakeRegistryErrors.IndexOutOfRange.selector, 2, 2));
        registry.getTotalStakeAtBlockNumberFromIndex(0, 10, 2);
    }

    function test_updatesInOneBlockCollapse() public {
        delegation.setOperatorShares(op, s0, 500);
        registry.registerOperator(op, ID, hex"00");
        delegation.setOperatorShares(op, s0, 700);
        registry.updateOperatorStake(op, ID, hex"00");
        assertEq(registry.getStakeHistory(ID, 0).length, 1);
        assertEq(registry.getCurrentStake(ID, 0), 700);
        assertEq(registry.getTotalStakeHistoryLength(0), 2, "init entry + this block");
    }

    function test_updateBelowMinimumFlagsQuorumAndZeroes() public {
        delegation.setOperatorShares(op, s0, 500);
        registry.registerOperator(op, ID, hex"00");
        vm.roll(11);
        delegation.setOperatorShares(op, s0, 50);
        uint192 toRemove = registry.updateOperatorStake(op, ID, hex"00");
        assertEq(toRemove, 1);
        assertEq(registry.getCurrentStake(ID, 0), 0);
        assertEq(registry.getCurrentTotalStake(0), 0);
    }

    function test_strategyAdmin() public {
        IStakeRegistry.StrategyParams[] memory p = new IStakeRegistry.StrategyParams[](1);
        p[0] = IStakeRegistry.StrategyParams(s0, 1e18);
        vm.expectRevert(abi.encodeWithSelector(IStakeRegistryErrors.InputDuplicateStrategy.selector, address(s0)));
        registry.addStrategies(0, p);
        p[0] = IStakeRegistry.StrategyParams(IStrategy(address(0x5002)), 0);
        vm.expectRevert(IStakeRegistryErrors.InputMultiplierZero.selector);
        registry.addStrategies(0, p);
        uint256[] memory idx = new uint256[](1);
        registry.removeStrategies(0, idx);
        assertEq(registry.strategyParamsLength(0), 1);
        assertEq(address(registry.strategyParamsByIndex(0, 0).strategy), address(s1));
    }

    function test_RevertIf_notCoordinator() public {
        vm.prank(address(0xBAD));
        vm.expectRevert(abi.encodeWithSelector(IStakeRegistryErrors.OnlyRegistryCoordinator.selector, address(0xBAD)));
        registry.registerOperator(op, ID, hex"00");
        vm.prank(address(0xBAD));
        vm.expectRevert(
            abi.encodeWithSelector(IStakeRegistryErrors.OnlyRegistryCoordinatorOwner.selector, address(0xBAD))
        );
        registry.setMinimumStakeForQuorum(0, 1);
    }

    function test_RevertIf_quorumMissing() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeRegistryErrors.QuorumDoesNotExist.selector, 1));
        registry.registerOperator(op, ID, hex"01");
    }
}
