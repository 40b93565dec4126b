// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LaminaTest} from "../utils/LaminaTest.sol";
import {SlashingLib} from "../../src/libraries/SlashingLib.sol";

/// @notice SlashingLib against its defining properties (the math is the naive twin: exact rationals bound it).
contract SlashingLibTest is LaminaTest {
    uint256 internal constant WAD = 1e18;

    function test_UnslashedIsIdentity() public pure {
        assertEq(SlashingLib.calcWithdrawable(123e18, WAD, WAD), 123e18);
        assertEq(SlashingLib.updateDepositScalingFactor(WAD, 0, 5, WAD), WAD);
        assertEq(SlashingLib.scaleForCompletion(SlashingLib.scaleForQueue(7e18, WAD), WAD), 7e18);
    }

    function test_FirstDepositUnderSlashedOperatorIsWhole() public pure {
        // Operator at 40%: a fresh deposit of 10 must still be worth 10.
        uint256 dsf = SlashingLib.updateDepositScalingFactor(WAD, 0, 10e18, 0.4e18);
        assertEq(dsf, 2.5e18);
        assertEq(SlashingLib.calcWithdrawable(10e18, dsf, 0.4e18), 10e18);
    }

    function test_MulWadRoundUp() public pure {
        assertEq(SlashingLib.mulWadRoundUp(3, 0.5e18), 2);
        assertEq(SlashingLib.mulWadRoundUp(4, 0.5e18), 2);
        assertEq(SlashingLib.mulWadRoundUp(0, WAD), 0);
    }

    /// @notice Adding shares grows withdrawable shares by at most `added`, and by at least `added` minus the
    ///         WAD precision of the scaling factor.
    function testFuzz_UpdateAddsExactlyTheNewShares(uint256 prev, uint256 added, uint256 dsf, uint256 factor)
        public
        pure
    {
        prev = bound(prev, 0, 1e32);
        added = bound(added, 1, 1e32);
        dsf = bound(dsf, WAD / 4, 4 * WAD);
        factor = bound(factor, 1e9, WAD);

        uint256 before = SlashingLib.calcWithdrawable(prev, dsf, factor);
        uint256 newDsf = SlashingLib.updateDepositScalingFactor(dsf, prev, added, factor);
        uint256 afterAdd = SlashingLib.calcWithdrawable(prev + added, newDsf, factor);

        assertLe(afterAdd, before + added, "never more than added");
        // floor(q) loses < 1 of q = newW * WAD / newD, the second floor < 1 of the factor; carried through
        // the two floors of calcWithdrawable that is < newD / WAD + newD * factor / WAD^2 + 2 <= 2 newD / WAD + 2.
        uint256 tolerance = 3 + 2 * (prev + added) / WAD;
        assertApproxEqAbs(afterAdd, before + added, tolerance, "added shares arrive");
    }

    /// @notice Withdrawable shares are monotone in the slashing factor and never exceed deposit * dsf.
    function testFuzz_WithdrawableMonotoneInFactor(uint256 shares, uint256 dsf, uint256 f1, uint256 f2) public pure {
        shares = bound(shares, 0, 1e38);
        dsf = bound(dsf, 1, 1e36);
        f1 = bound(f1, 0, WAD);
        f2 = bound(f2, f1, WAD);
        uint256 w1 = SlashingLib.calcWithdrawable(shares, dsf, f1);
        uint256 w2 = SlashingLib.calcWithdrawable(shares, dsf, f2);
        assertLe(w1, w2);
        assertLe(w2, SlashingLib.scaleForQueue(shares, dsf));
    }
}
