// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LaminaTest} from "../utils/LaminaTest.sol";
import {RewardsSplit} from "../../src/libraries/RewardsSplit.sol";

/// @notice Exposes the library's internal functions so reverts can be expected on an external call.
contract RewardsSplitHarness {
    function operatorSplit(uint256 amount, uint256 splitBips) external pure returns (uint256, uint256) {
        return RewardsSplit.operatorSplit(amount, splitBips);
    }

    function amountForInterval(uint256 amount, uint256 intervals, uint256 index) external pure returns (uint256) {
        return RewardsSplit.amountForInterval(amount, intervals, index);
    }

    function proRata(uint256 amount, uint256[] memory weights, uint256 remainderTo)
        external
        pure
        returns (uint256[] memory)
    {
        return RewardsSplit.proRata(amount, weights, remainderTo);
    }
}

/// @notice The split arithmetic conserves wei exactly: nothing created, nothing lost, rounding bounded.
contract RewardsSplitTest is LaminaTest {
    uint256 internal constant MAX_AMOUNT = 1e38 - 1;
    RewardsSplitHarness internal harness;

    function setUp() public {
        harness = new RewardsSplitHarness();
    }

    function testFuzz_operatorSplit_conserves(uint256 amount, uint256 splitBips) public view {
        amount = bound(amount, 0, MAX_AMOUNT);
        splitBips = bound(splitBips, 0, 10_000);
        (uint256 commission, uint256 stakers) = harness.operatorSplit(amount, splitBips);
        assertEq(commission + stakers, amount, "commission + stakers' part = amount");
        // floor: the commission is at most the exact share and less than one wei below it
        assertTrue(commission * 10_000 <= amount * splitBips, "commission not above the exact share");
        assertTrue(amount * splitBips < (commission + 1) * 10_000, "commission within one wei of the exact share");
    }

    function test_operatorSplit_defaultTenPercent() public view {
        (uint256 commission, uint256 stakers) = harness.operatorSplit(1e18 + 9, 1000);
        assertEq(commission, 1e17, "10 %, rounded down");
        assertEq(stakers, 9e17 + 9, "the rounding stays with the stakers");
    }

    function test_RevertIf_splitAbove10000() public {
        vm.expectRevert(abi.encodeWithSelector(RewardsSplit.SplitTooLarge.selector, 10_001));
        harness.operatorSplit(1, 10_001);
    }

    function testFuzz_amountForInterval_sumsToAmount(uint256 amount, uint256 intervals) public view {
        amount = bound(amount, 0, MAX_AMOUNT);
        intervals = bound(intervals, 1, 64);
        uint256 sum = 0;
        for (uint256 i = 0; i < intervals; ++i) {
            uint256 part = harness.amountForInterval(amount, intervals, i);
            if (i + 1 < intervals) assertEq(part, amount / intervals, "equal parts before the last");
            sum += part;
        }
        assertEq(sum, amount, "intervals add up to the amount");
    }

    function testFuzz_proRata_conservesAndIsFair(
        uint256 amount,
        uint256[8] memory rawWeights,
        uint256 count,
        uint256 remainderTo
    ) public view {
        amount = bound(amount, 0, MAX_AMOUNT);
        count = bound(count, 1, 8);
        remainderTo = bound(remainderTo, 0, count - 1);
        uint256[] memory weights = new uint256[](count);
        uint256 total = 0;
        for (uint256 i = 0; i < count; ++i) {
            // shares as EigenLayer strategies hold them: up to 2^128
            weights[i] = bound(rawWeights[i], 0, type(uint128).max);
            total += weights[i];
        }
        if (total == 0) weights[0] = total = 1;
        uint256[] memory shares = harness.proRata(amount, weights, remainderTo);
        uint256 sum = 0;
        for (uint256 i = 0; i < count; ++i) {
            sum += shares[i];
            uint256 exactFloor = amount * weights[i] / total; // amount < 2^127, weight < 2^128: no overflow
            if (i == remainderTo) {
                assertTrue(shares[i] >= exactFloor, "remainder recipient gets at least its share");
                assertTrue(shares[i] - exactFloor < count, "remainder is fewer wei than recipients");
            } else {
                assertEq(shares[i], exactFloor, "everyone else gets exactly the floor of its share");
            }
        }
        assertEq(sum, amount, "shares add up to the amount");
    }

    function test_RevertIf_proRataHasNobodyOrBadIndex() public {
        uint256[] memory zero = new uint256[](2);
        vm.expectRevert(RewardsSplit.ZeroTotalWeight.selector);
        harness.proRata(5, zero, 0);
        vm.expectRevert(abi.encodeWithSelector(RewardsSplit.InvalidRemainderIndex.selector, 2, 2));
        harness.proRata(5, zero, 2);
        vm.expectRevert(RewardsSplit.ZeroIntervals.selector);
        harness.amountForInterval(5, 0, 0);
    }
}
