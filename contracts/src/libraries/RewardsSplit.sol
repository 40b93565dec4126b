// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title The split arithmetic the off-chain rewards calculator must follow, as executable reference.
/// @notice The RewardsCoordinator only locks submissions and pays claims; how a submission becomes per-earner
///         earnings is computed off-chain. This library pins that arithmetic so the Rust calculator can be checked
///         against it (docs/architecture.md, "Rewards"). Every function conserves wei exactly: rounding is always
///         floor, and each remainder has a named owner instead of being lost:
///         - a submission's amount over `n` intervals: `amount / n` per interval, the last interval also takes
///           `amount % n`;
///         - an amount over weights (operators by weighted stake, or stakers by shares): each gets
///           `floor(amount * weight_i / totalWeight)` and the remainder (fewer wei than there are recipients) goes to
///           the recipient with index `remainderTo` (the calculator uses the largest weight, lowest index on ties);
///         - an operator's amount: commission `floor(amount * splitBips / 10000)`, stakers' part the rest.
library RewardsSplit {
    /// @notice Split basis points above 10000.
    error SplitTooLarge(uint256 splitBips);
    /// @notice No intervals to spread an amount over.
    error ZeroIntervals();
    /// @notice The weights sum to zero: nobody to pay.
    error ZeroTotalWeight();
    /// @notice `remainderTo` is not an index of the weights (there are `length`).
    error InvalidRemainderIndex(uint256 remainderTo, uint256 length);

    /// @notice Basis-point denominator.
    uint256 internal constant BIPS = 10_000;

    /// @notice The operator's commission and the stakers' part of `amount` at `splitBips`.
    function operatorSplit(uint256 amount, uint256 splitBips)
        internal
        pure
        returns (uint256 commission, uint256 stakersPart)
    {
        if (splitBips > BIPS) revert SplitTooLarge(splitBips);
        commission = Math.mulDiv(amount, splitBips, BIPS);
        stakersPart = amount - commission;
    }

    /// @notice The amount of interval `index` (0-based) when `amount` is spread over `intervals` intervals.
    function amountForInterval(uint256 amount, uint256 intervals, uint256 index) internal pure returns (uint256) {
        if (intervals == 0) revert ZeroIntervals();
        uint256 each = amount / intervals;
        return index == intervals - 1 ? each + amount % intervals : each;
    }

    /// @notice `amount` split in proportion to `weights`; the rounding remainder goes to `weights[remainderTo]`.
    function proRata(uint256 amount, uint256[] memory weights, uint256 remainderTo)
        internal
        pure
        returns (uint256[] memory shares)
    {
        if (remainderTo >= weights.length) revert InvalidRemainderIndex(remainderTo, weights.length);
        uint256 totalWeight = 0;
        for (uint256 i = 0; i < weights.length; ++i) {
            totalWeight += weights[i];
        }
        if (totalWeight == 0) revert ZeroTotalWeight();
        shares = new uint256[](weights.length);
        uint256 paid = 0;
        for (uint256 i = 0; i < weights.length; ++i) {
            // full-precision product: no intermediate overflow whatever the weights
            shares[i] = Math.mulDiv(amount, weights[i], totalWeight);
            paid += shares[i];
        }
        shares[remainderTo] += amount - paid;
    }
}
