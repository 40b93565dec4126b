// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CoreFixture} from "../utils/CoreFixture.sol";
import {CoreHandler} from "./CoreHandler.sol";

/// @notice Invariants of the restaking core's share accounting under random operation sequences.
contract CoreInvariantsTest is CoreFixture {
    CoreHandler internal handler;

    function setUp() public override {
        super.setUp();
        address[5] memory actors = [
            makeAddr("operator0"), makeAddr("operator1"), makeAddr("staker0"), makeAddr("staker1"), makeAddr("staker2")
        ];
        for (uint256 i = 0; i < 2; ++i) {
            _registerOperator(actors[i]);
            if (i == 0) _createSet(1, _one(strategyA));
            _registerForSet(actors[i], 1);
            _allocate(actors[i], 1, strategyA, WAD64);
        }
        handler = new CoreHandler(strategyManager, delegation, allocationManager, strategyA, avs, actors);
    }

    /// @notice forge's invariant runner calls only the handler.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice Every handler action must succeed: a revert (say, a withdrawal no longer backed after a burn)
    ///         is a failure, not a skipped call.
    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 40
    function invariant_ActionsNeverRevert() public view {
        assertLe(handler.ghostWithdrawn(), handler.ghostDeposited(), "never more out than in");
    }

    /// @notice Each operator's delegated shares cover what its delegators can withdraw.
    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 40
    /// forge-config: ci.invariant.runs = 128
    function invariant_OperatorSharesCoverDelegators() public view {
        for (uint256 o = 0; o < 2; ++o) {
            address operator = handler.actor(o);
            uint256 sum;
            for (uint256 i = 0; i < 5; ++i) {
                address a = handler.actor(i);
                if (delegation.delegatedTo(a) == operator) sum += _withdrawable(a, strategyA);
            }
            assertLe(sum, delegation.operatorShares(operator, strategyA), "operator shares cover delegators");
        }
    }

    /// @notice No shares from thin air: what stakers can withdraw, what pending withdrawals will pay and what
    ///         waits to be burned never exceed the strategy's shares (and the exchange rate stays 1:1).
    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 40
    /// forge-config: ci.invariant.runs = 128
    function invariant_SharesConserved() public view {
        uint256 claims = strategyManager.getBurnableShares(strategyA);
        for (uint256 i = 0; i < 5; ++i) {
            claims += _withdrawable(handler.actor(i), strategyA);
        }
        uint256 pending = handler.pendingCount();
        for (uint256 i = 0; i < pending; ++i) {
            claims += handler.pendingValue(i);
        }
        assertLe(claims, strategyA.totalShares(), "claims within strategy shares");
        assertEq(tokenA.balanceOf(address(strategyA)), strategyA.totalShares(), "1:1 exchange rate");
        assertLe(handler.ghostWithdrawn(), handler.ghostDeposited(), "never more out than in");
    }
}
