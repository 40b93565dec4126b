// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {RewardsCoordinatorFixture} from "../harnesses/RewardsCoordinatorFixture.sol";
import {RewardsCoordinatorHandler} from "./RewardsCoordinatorHandler.sol";

/// @notice The coordinator's money under random sequences of submissions, roots, disables, time and claims.
contract RewardsCoordinatorInvariantsTest is RewardsCoordinatorFixture {
    RewardsCoordinatorHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new RewardsCoordinatorHandler(rewards, avs, address(this), strategyA);
    }

    /// @notice forge's invariant runner calls only the handler.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice Total claimed never exceeds total submitted, per token, and every wei is accounted for: what the
    ///         coordinator holds is what was submitted minus what claims paid.
    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 40
    function invariant_ClaimedNeverExceedsSubmitted() public view {
        for (uint256 t = 0; t < 2; ++t) {
            uint256 submitted = handler.ghostSubmitted(t);
            uint256 paid = handler.ghostPaid(t);
            assertTrue(paid <= submitted, "claimed <= submitted");
            assertEq(handler.token(t).balanceOf(address(rewards)), submitted - paid, "balance = submitted - paid");
            uint256 claimed = 0;
            for (uint256 e = 0; e < 3; ++e) {
                claimed += rewards.cumulativeClaimed(handler.earner(e), handler.token(t));
            }
            assertEq(claimed, paid, "cumulativeClaimed adds up to what was paid");
        }
    }

    /// @notice No earner is ever paid beyond what the updater attested for it, and no forged claim or claim against
    ///         a disabled or inactive root pays.
    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 40
    function invariant_ClaimsBoundedByAttestedEarnings() public view {
        for (uint256 e = 0; e < 3; ++e) {
            for (uint256 t = 0; t < 2; ++t) {
                assertTrue(
                    rewards.cumulativeClaimed(handler.earner(e), handler.token(t)) <= handler.attestedOf(e, t),
                    "claimed <= attested"
                );
            }
        }
        assertEq(handler.ghostForgedClaimsPaid(), 0, "forged claims paid");
        assertEq(handler.ghostInactiveRootClaimsPaid(), 0, "claims against disabled or inactive roots paid");
    }
}
