// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title WAD fixed-point share math of slashing (EigenLayer's SlashingLib, lean).
/// @notice A staker's withdrawable shares are `depositShares * depositScalingFactor * slashingFactor / WAD^2`,
///         where the slashing factor is the operator's max magnitude (WAD = never slashed). Every rounding
///         goes against the staker, so the sum of withdrawable shares never exceeds what the operator holds.
library SlashingLib {
    /// @notice Fixed-point one: a magnitude of WAD is the operator's whole stake.
    uint256 internal constant WAD = 1e18;

    /// @notice Withdrawable shares for `depositShares` under `depositScalingFactor` and `slashingFactor`.
    function calcWithdrawable(uint256 depositShares, uint256 depositScalingFactor, uint256 slashingFactor)
        internal
        pure
        returns (uint256)
    {
        return Math.mulDiv(Math.mulDiv(depositShares, depositScalingFactor, WAD), slashingFactor, WAD);
    }

    /// @notice Scaled shares stored in a queued withdrawal: deposit shares with the scaling factor applied,
    ///         but not the slashing factor, which is applied at completion.
    function scaleForQueue(uint256 depositShares, uint256 depositScalingFactor) internal pure returns (uint256) {
        return Math.mulDiv(depositShares, depositScalingFactor, WAD);
    }

    /// @notice Shares a queued withdrawal of `scaledShares` is worth under `slashingFactor`.
    function scaleForCompletion(uint256 scaledShares, uint256 slashingFactor) internal pure returns (uint256) {
        return Math.mulDiv(scaledShares, slashingFactor, WAD);
    }

    /// @notice The deposit scaling factor after adding `addedShares` to `prevDepositShares` such that the
    ///         withdrawable shares grow by exactly `addedShares` (up to rounding down).
    /// @dev `slashingFactor` must be non-zero (callers revert with `FullySlashed` first).
    function updateDepositScalingFactor(
        uint256 prevDepositScalingFactor,
        uint256 prevDepositShares,
        uint256 addedShares,
        uint256 slashingFactor
    ) internal pure returns (uint256) {
        if (prevDepositShares == 0) return Math.mulDiv(WAD, WAD, slashingFactor);
        uint256 currentWithdrawable = calcWithdrawable(prevDepositShares, prevDepositScalingFactor, slashingFactor);
        uint256 newWithdrawable = currentWithdrawable + addedShares;
        uint256 newDepositShares = prevDepositShares + addedShares;
        return Math.mulDiv(Math.mulDiv(newWithdrawable, WAD, newDepositShares), WAD, slashingFactor);
    }

    /// @notice `x * wad / WAD`, rounded up (slashes round up so the slashed party never keeps a remainder).
    function mulWadRoundUp(uint256 x, uint256 wad) internal pure returns (uint256) {
        return Math.mulDiv(x, wad, WAD, Math.Rounding.Ceil);
    }
}
