// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {RewardsCoordinatorFixture} from "../harnesses/RewardsCoordinatorFixture.sol";
import {
    IRewardsCoordinatorTypes,
    IRewardsCoordinatorErrors,
    IRewardsCoordinatorEvents
} from "../../src/interfaces/IRewardsCoordinator.sol";
import {IStrategy} from "../../src/interfaces/IStrategy.sol";
import {StrategyBase} from "../../src/core/StrategyBase.sol";
import {TestToken} from "../../src/test/TestToken.sol";

/// @notice Rewards submissions (by stake, and operator-directed): what is locked, what is recorded, what is refused.
contract RewardsCoordinatorSubmissionsTest is RewardsCoordinatorFixture, IRewardsCoordinatorEvents {
    // ---------------------------------------------------------------- createAVSRewardsSubmission

    function test_createAVSRewardsSubmission_locksTokensAndRecordsHash() public {
        IRewardsCoordinatorTypes.RewardsSubmission[] memory list = _submission(_token(0), 700e18);
        rewardTokens[0].mint(avs, 700e18);
        vm.prank(avs);
        rewardTokens[0].approve(address(rewards), 700e18);
        bytes32 hash = keccak256(abi.encode(avs, uint256(0), list[0]));

        vm.expectEmit(true, true, true, true, address(rewards));
        emit AVSRewardsSubmissionCreated(avs, 0, hash, list[0]);
        vm.prank(avs);
        rewards.createAVSRewardsSubmission(list);

        assertEq(rewardTokens[0].balanceOf(address(rewards)), 700e18, "locked");
        assertEq(rewardTokens[0].balanceOf(avs), 0, "pulled from the AVS");
        assertTrue(rewards.isAVSRewardsSubmissionHash(avs, hash), "hash recorded");
        assertEq(rewards.submissionNonce(avs), 1, "nonce");
    }

    function test_createAVSRewardsSubmission_severalInOneCall_distinctNonces() public {
        IRewardsCoordinatorTypes.RewardsSubmission[] memory list = new IRewardsCoordinatorTypes.RewardsSubmission[](2);
        list[0] = _submission(_token(0), 5)[0];
        list[1] = _submission(_token(0), 5)[0];
        rewardTokens[0].mint(avs, 10);
        vm.startPrank(avs);
        rewardTokens[0].approve(address(rewards), 10);
        rewards.createAVSRewardsSubmission(list);
        vm.stopPrank();
        assertTrue(rewards.isAVSRewardsSubmissionHash(avs, keccak256(abi.encode(avs, uint256(0), list[0]))), "first");
        assertTrue(rewards.isAVSRewardsSubmissionHash(avs, keccak256(abi.encode(avs, uint256(1), list[1]))), "second");
        assertEq(rewardTokens[0].balanceOf(address(rewards)), 10, "both locked");
    }

    function test_createAVSRewardsSubmission_nativeToken_paidByValue() public {
        IRewardsCoordinatorTypes.RewardsSubmission[] memory list = _submission(rewards.NATIVE_TOKEN(), 3 ether);
        vm.deal(avs, 3 ether);
        vm.prank(avs);
        rewards.createAVSRewardsSubmission{value: 3 ether}(list);
        assertEq(address(rewards).balance, 3 ether);
    }

    function test_RevertIf_nativeValueMismatch() public {
        IRewardsCoordinatorTypes.RewardsSubmission[] memory list = _submission(rewards.NATIVE_TOKEN(), 3 ether);
        vm.deal(avs, 5 ether);
        vm.prank(avs);
        vm.expectRevert(
            abi.encodeWithSelector(IRewardsCoordinatorErrors.NativeValueMismatch.selector, 3 ether, 2 ether)
        );
        rewards.createAVSRewardsSubmission{value: 2 ether}(list);
        // ether alongside an ERC-20 submission would be stuck: refused as well
        IRewardsCoordinatorTypes.RewardsSubmission[] memory erc20 = _submission(_token(0), 1);
        rewardTokens[0].mint(avs, 1);
        vm.startPrank(avs);
        rewardTokens[0].approve(address(rewards), 1);
        vm.expectRevert(abi.encodeWithSelector(IRewardsCoordinatorErrors.NativeValueMismatch.selector, 0, 1));
        rewards.createAVSRewardsSubmission{value: 1}(erc20);
        vm.stopPrank();
    }

    function test_RevertIf_zeroOrHugeAmount() public {
        vm.startPrank(avs);
        vm.expectRevert(IRewardsCoordinatorErrors.ZeroAmount.selector);
        rewards.createAVSRewardsSubmission(_submission(_token(0), 0));
        uint256 max = rewards.MAX_REWARDS_AMOUNT();
        vm.expectRevert(abi.encodeWithSelector(IRewardsCoordinatorErrors.AmountTooLarge.selector, max + 1, max));
        rewards.createAVSRewardsSubmission(_submission(_token(0), max + 1));
        vm.stopPrank();
    }

    function test_RevertIf_strategiesEmptyUnsortedDuplicatedOrNotWhitelisted() public {
        IRewardsCoordinatorTypes.RewardsSubmission[] memory list = _submission(_token(0), 1);
        list[0].strategiesAndMultipliers = new IRewardsCoordinatorTypes.StrategyAndMultiplier[](0);
        vm.prank(avs);
        vm.expectRevert(IRewardsCoordinatorErrors.NoStrategies.selector);
        rewards.createAVSRewardsSubmission(list);

        list = _submission(_token(0), 1);
        (list[0].strategiesAndMultipliers[0], list[0].strategiesAndMultipliers[1]) =
        (list[0].strategiesAndMultipliers[1], list[0].strategiesAndMultipliers[0]);
        vm.prank(avs);
        vm.expectRevert(abi.encodeWithSelector(IRewardsCoordinatorErrors.StrategiesNotAscending.selector, strategyA));
        rewards.createAVSRewardsSubmission(list);

        list = _submission(_token(0), 1);
        list[0].strategiesAndMultipliers[1].strategy = strategyA;
        vm.prank(avs);
        vm.expectRevert(abi.encodeWithSelector(IRewardsCoordinatorErrors.StrategiesNotAscending.selector, strategyA));
        rewards.createAVSRewardsSubmission(list);

        StrategyBase unlisted = new StrategyBase(address(strategyManager), IERC20(address(tokenA)));
        list = _submission(_token(0), 1);
        list[0].strategiesAndMultipliers = new IRewardsCoordinatorTypes.StrategyAndMultiplier[](1);
        list[0].strategiesAndMultipliers[0] = IRewardsCoordinatorTypes.StrategyAndMultiplier(unlisted, 1e18);
        vm.prank(avs);
        vm.expectRevert(abi.encodeWithSelector(IRewardsCoordinatorErrors.StrategyNotWhitelisted.selector, unlisted));
        rewards.createAVSRewardsSubmission(list);

        list = _submission(_token(0), 1);
        list[0].strategiesAndMultipliers[0].multiplier = 0;
        vm.prank(avs);
        vm.expectRevert(abi.encodeWithSelector(IRewardsCoordinatorErrors.ZeroMultiplier.selector, strategyA));
        rewards.createAVSRewardsSubmission(list);
    }

    function test_RevertIf_periodBreaksTheTimeRules() public {
        IRewardsCoordinatorTypes.RewardsSubmission[] memory list = _submission(_token(0), 1);
        list[0].duration = 0;
        vm.prank(avs);
        vm.expectRevert(IRewardsCoordinatorErrors.ZeroDuration.selector);
        rewards.createAVSRewardsSubmission(list);

        list[0].duration = MAX_DURATION + INTERVAL;
        vm.prank(avs);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRewardsCoordinatorErrors.DurationTooLong.selector, MAX_DURATION + INTERVAL, MAX_DURATION
            )
        );
        rewards.createAVSRewardsSubmission(list);

        list[0].duration = INTERVAL + 1;
        vm.prank(avs);
        vm.expectRevert(
            abi.encodeWithSelector(IRewardsCoordinatorErrors.NotIntervalAligned.selector, INTERVAL + 1, INTERVAL)
        );
        rewards.createAVSRewardsSubmission(list);

        list[0].duration = INTERVAL;
        list[0].startTimestamp = START + 1;
        vm.prank(avs);
        vm.expectRevert(
            abi.encodeWithSelector(IRewardsCoordinatorErrors.NotIntervalAligned.selector, START + 1, INTERVAL)
        );
        rewards.createAVSRewardsSubmission(list);

        list[0].startTimestamp = START - MAX_RETROACTIVE - INTERVAL;
        vm.prank(avs);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRewardsCoordinatorErrors.StartTooEarly.selector,
                START - MAX_RETROACTIVE - INTERVAL,
                START - MAX_RETROACTIVE
            )
        );
        rewards.createAVSRewardsSubmission(list);

        list[0].startTimestamp = START + MAX_FUTURE + INTERVAL;
        vm.prank(avs);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRewardsCoordinatorErrors.StartTooLate.selector, START + MAX_FUTURE + INTERVAL, START + MAX_FUTURE
            )
        );
        rewards.createAVSRewardsSubmission(list);
    }

    function test_RevertIf_startBeforeGenesis() public {
        vm.warp(GENESIS + 5 days);
        IRewardsCoordinatorTypes.RewardsSubmission[] memory list = _submission(_token(0), 1);
        list[0].startTimestamp = GENESIS - INTERVAL;
        vm.prank(avs);
        vm.expectRevert(
            abi.encodeWithSelector(IRewardsCoordinatorErrors.StartTooEarly.selector, GENESIS - INTERVAL, GENESIS)
        );
        rewards.createAVSRewardsSubmission(list);
    }

    // ---------------------------------------------------------------- createOperatorDirectedAVSRewardsSubmission

    function _directed(address[] memory operators, uint256[] memory amounts)
        internal
        view
        returns (IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[] memory list)
    {
        list = new IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[](1);
        list[0].strategiesAndMultipliers = _strategies();
        list[0].token = _token(1);
        list[0].operatorRewards = new IRewardsCoordinatorTypes.OperatorReward[](operators.length);
        for (uint256 i = 0; i < operators.length; ++i) {
            list[0].operatorRewards[i] = IRewardsCoordinatorTypes.OperatorReward(operators[i], amounts[i]);
        }
        list[0].startTimestamp = START - 8 days;
        list[0].duration = 7 days;
        list[0].description = "batches signed, week 14";
    }

    function _twoOperators() internal pure returns (address[] memory ops) {
        ops = new address[](2);
        ops[0] = address(0x1000);
        ops[1] = address(0x2000);
    }

    function _amounts(uint256 a, uint256 b) internal pure returns (uint256[] memory list) {
        list = new uint256[](2);
        list[0] = a;
        list[1] = b;
    }

    function test_createOperatorDirected_locksTheSumAndRecordsHash() public {
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[] memory list =
            _directed(_twoOperators(), _amounts(30, 12));
        rewardTokens[1].mint(avs, 42);
        vm.prank(avs);
        rewardTokens[1].approve(address(rewards), 42);
        bytes32 hash = keccak256(abi.encode(avs, uint256(0), list[0]));
        vm.expectEmit(true, true, true, true, address(rewards));
        emit OperatorDirectedAVSRewardsSubmissionCreated(avs, 0, hash, list[0]);
        vm.prank(avs);
        rewards.createOperatorDirectedAVSRewardsSubmission(list);
        assertEq(rewardTokens[1].balanceOf(address(rewards)), 42, "sum locked");
        assertTrue(rewards.isOperatorDirectedAVSRewardsSubmissionHash(avs, hash), "hash recorded");
        assertFalse(rewards.isAVSRewardsSubmissionHash(avs, hash), "not a stake-weighted submission");
    }

    function test_RevertIf_directedPeriodNotElapsed() public {
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[] memory list =
            _directed(_twoOperators(), _amounts(1, 1));
        list[0].startTimestamp = START - INTERVAL;
        list[0].duration = INTERVAL;
        vm.prank(avs);
        vm.expectRevert(abi.encodeWithSelector(IRewardsCoordinatorErrors.PeriodNotElapsed.selector, START, START));
        rewards.createOperatorDirectedAVSRewardsSubmission(list);
    }

    function test_RevertIf_directedOperatorsUnsortedOrZero() public {
        address[] memory ops = _twoOperators();
        (ops[0], ops[1]) = (ops[1], ops[0]);
        vm.prank(avs);
        vm.expectRevert(
            abi.encodeWithSelector(IRewardsCoordinatorErrors.OperatorsNotAscending.selector, address(0x1000))
        );
        rewards.createOperatorDirectedAVSRewardsSubmission(_directed(ops, _amounts(1, 1)));

        vm.prank(avs);
        vm.expectRevert(IRewardsCoordinatorErrors.ZeroAmount.selector);
        rewards.createOperatorDirectedAVSRewardsSubmission(_directed(_twoOperators(), _amounts(1, 0)));

        vm.prank(avs);
        vm.expectRevert(IRewardsCoordinatorErrors.NoOperatorRewards.selector);
        rewards.createOperatorDirectedAVSRewardsSubmission(_directed(new address[](0), new uint256[](0)));

        uint256 max = rewards.MAX_REWARDS_AMOUNT();
        vm.prank(avs);
        vm.expectRevert(abi.encodeWithSelector(IRewardsCoordinatorErrors.AmountTooLarge.selector, max + 1, max));
        rewards.createOperatorDirectedAVSRewardsSubmission(_directed(_twoOperators(), _amounts(max, 1)));
    }

    // ---------------------------------------------------------------- operator splits

    function test_operatorSplit_defaultThenChangedAfterDelay() public {
        address operator = makeAddr("split-operator");
        _registerOperator(operator);
        assertEq(rewards.getOperatorAVSSplit(operator, avs), DEFAULT_SPLIT_BIPS, "default 10 %");

        vm.expectEmit(true, true, false, true, address(rewards));
        emit OperatorAVSSplitBipsSet(operator, avs, START + ACTIVATION_DELAY, DEFAULT_SPLIT_BIPS, 2500);
        vm.prank(operator);
        rewards.setOperatorAVSSplit(operator, avs, 2500);
        assertEq(rewards.getOperatorAVSSplit(operator, avs), DEFAULT_SPLIT_BIPS, "old split until activation");

        vm.prank(operator);
        vm.expectRevert(
            abi.encodeWithSelector(IRewardsCoordinatorErrors.PreviousSplitPending.selector, START + ACTIVATION_DELAY)
        );
        rewards.setOperatorAVSSplit(operator, avs, 0);

        vm.warp(START + ACTIVATION_DELAY);
        assertEq(rewards.getOperatorAVSSplit(operator, avs), 2500, "new split from activation");
        // the owner's later default does not touch an operator that chose its own split
        rewards.setDefaultOperatorSplit(0);
        assertEq(rewards.getOperatorAVSSplit(operator, avs), 2500, "own split kept");
        assertEq(rewards.getOperatorAVSSplit(operator, address(0xA5)), 0, "other AVS follows the default");
    }

    function test_RevertIf_splitSetByOtherOrNonOperatorOrTooLarge() public {
        address operator = makeAddr("split-operator");
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IRewardsCoordinatorErrors.NotOperator.selector, operator));
        rewards.setOperatorAVSSplit(operator, avs, 100);

        _registerOperator(operator);
        vm.expectRevert(
            abi.encodeWithSelector(IRewardsCoordinatorErrors.OnlyOperator.selector, address(this), operator)
        );
        rewards.setOperatorAVSSplit(operator, avs, 100);

        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IRewardsCoordinatorErrors.SplitTooLarge.selector, 10_001));
        rewards.setOperatorAVSSplit(operator, avs, 10_001);
    }

    function test_ownerSetters_updateAndEmit() public {
        address next = makeAddr("next-updater");
        vm.expectEmit(true, true, false, true, address(rewards));
        emit RewardsUpdaterSet(updater, next);
        rewards.setRewardsUpdater(next);
        assertEq(rewards.rewardsUpdater(), next, "updater");

        vm.expectEmit(false, false, false, true, address(rewards));
        emit ActivationDelaySet(ACTIVATION_DELAY, 7 days);
        rewards.setActivationDelay(7 days);
        assertEq(rewards.activationDelay(), 7 days, "delay");

        vm.expectEmit(false, false, false, true, address(rewards));
        emit DefaultOperatorSplitBipsSet(DEFAULT_SPLIT_BIPS, 500);
        rewards.setDefaultOperatorSplit(500);
        assertEq(rewards.defaultOperatorSplitBips(), 500, "default split");
        vm.expectRevert(abi.encodeWithSelector(IRewardsCoordinatorErrors.SplitTooLarge.selector, 10_001));
        rewards.setDefaultOperatorSplit(10_001);
    }

    function test_RevertIf_ownerSettersCalledByOthers() public {
        address stranger = makeAddr("stranger");
        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSignature("OwnableUnauthorizedAccount(address)", stranger));
        rewards.setRewardsUpdater(stranger);
        vm.expectRevert(abi.encodeWithSignature("OwnableUnauthorizedAccount(address)", stranger));
        rewards.setActivationDelay(0);
        vm.expectRevert(abi.encodeWithSignature("OwnableUnauthorizedAccount(address)", stranger));
        rewards.setDefaultOperatorSplit(0);
        vm.stopPrank();
    }
}
