// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {LaminaTest} from "../utils/LaminaTest.sol";
import {StrategyBase} from "../../src/core/StrategyBase.sol";
import {TestToken} from "../../src/test/TestToken.sol";

/// @notice StrategyBase with this test contract standing in for the StrategyManager.
contract StrategyBaseTest is LaminaTest {
    TestToken internal token;
    StrategyBase internal strategy;
    address internal alice;
    address internal attacker;

    function setUp() public {
        token = new TestToken("Staked", "ST");
        strategy = new StrategyBase(address(this), IERC20(address(token)));
        alice = makeAddr("alice");
        attacker = makeAddr("attacker");
    }

    /// @dev What the StrategyManager does: move tokens in, then call deposit.
    function _deposit(uint256 amount) internal returns (uint256) {
        token.mint(address(strategy), amount);
        return strategy.deposit(IERC20(address(token)), amount);
    }

    function test_FirstDepositMintsOneToOne() public {
        assertEq(_deposit(5e18), 5e18);
        assertEq(strategy.totalShares(), 5e18);
        assertEq(strategy.sharesToUnderlyingView(5e18), 5e18);
        assertEq(strategy.underlyingToSharesView(1e18), 1e18);
    }

    function test_WithdrawSendsTokens() public {
        _deposit(10e18);
        strategy.withdraw(alice, IERC20(address(token)), 4e18);
        assertEq(token.balanceOf(alice), 4e18);
        assertEq(strategy.totalShares(), 6e18);
    }

    function test_YieldAccruesToShares() public {
        _deposit(10e18);
        token.mint(address(strategy), 10e18); // rewards double the balance
        // Virtual offsets take a dust-sized cut: (20e18 + 1e3) / (10e18 + 1e3).
        assertApproxEqAbs(strategy.sharesToUnderlyingView(10e18), 20e18, 1e4);
    }

    function test_RevertIf_CallerNotStrategyManager() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(StrategyBase.OnlyStrategyManager.selector, alice));
        strategy.deposit(IERC20(address(token)), 1);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(StrategyBase.OnlyStrategyManager.selector, alice));
        strategy.withdraw(alice, IERC20(address(token)), 1);
    }

    function test_RevertIf_WrongToken() public {
        TestToken other = new TestToken("Other", "O");
        vm.expectRevert(
            abi.encodeWithSelector(StrategyBase.OnlyUnderlyingToken.selector, address(token), address(other))
        );
        strategy.deposit(IERC20(address(other)), 1);
    }

    function test_RevertIf_WithdrawMoreThanTotal() public {
        _deposit(100);
        vm.expectRevert(abi.encodeWithSelector(StrategyBase.WithdrawalAmountExceedsTotalDeposits.selector, 101, 100));
        strategy.withdraw(alice, IERC20(address(token)), 101);
    }

    function test_RevertIf_DepositBeyondCap() public {
        uint256 max = strategy.MAX_TOTAL_SHARES();
        token.mint(address(strategy), max + 1);
        vm.expectRevert(abi.encodeWithSelector(StrategyBase.TotalSharesExceedsMax.selector, max + 1));
        strategy.deposit(IERC20(address(token)), max + 1);
    }

    /// @notice The classic attack: deposit 1 wei, donate a lot, hope the victim's shares round to zero.
    ///         With 1e3 virtual shares and tokens, the victim keeps nearly everything and the attacker loses.
    function test_InflationAttackDefeated() public {
        uint256 attackerShares = _deposit(1);
        token.mint(address(strategy), 1e18); // donation, no shares minted

        uint256 victimShares = _deposit(1e18);
        assertGt(victimShares, 0, "victim must get shares");
        uint256 victimValue = strategy.sharesToUnderlyingView(victimShares);
        // The victim loses at most ~1/1000 of the donation's effect on its deposit.
        assertGe(victimValue, 1e18 * 499 / 1000, "victim keeps at least half");

        uint256 attackerValue = strategy.sharesToUnderlyingView(attackerShares);
        assertLt(attackerValue, 1e18 + 1, "attacker cannot recover its donation");
        assertLt(attackerValue, 1e18 / 100, "attacker loses almost all of its donation");
    }

    function testFuzz_InflationAttackUnprofitable(uint256 seed, uint256 donation, uint256 victimDeposit) public {
        seed = bound(seed, 1, 1e18);
        donation = bound(donation, 1, 1e30);
        victimDeposit = bound(victimDeposit, 1e9, 1e30);

        uint256 attackerShares = _deposit(seed);
        token.mint(address(strategy), donation);
        token.mint(address(strategy), victimDeposit);
        uint256 victimShares;
        try strategy.deposit(IERC20(address(token)), victimDeposit) returns (uint256 shares) {
            victimShares = shares;
        } catch (bytes memory reason) {
            // Zero shares: the StrategyManager reverts the whole deposit, the victim loses nothing.
            assertEq(reason, abi.encodeWithSelector(StrategyBase.NewSharesZero.selector, victimDeposit));
            return;
        }
        // The victim loses at most one share's worth, and a share is worth at most 1 + donation / 1e3 tokens.
        uint256 victimValue = strategy.sharesToUnderlyingView(victimShares);
        assertGe(victimValue + donation / 1e3 + 3, victimDeposit, "victim loss bounded by donation / 1e3");
        uint256 attackerValue = strategy.sharesToUnderlyingView(attackerShares);
        assertLe(attackerValue, seed + donation, "attacker never profits");
    }

    function testFuzz_RoundTripNeverGainsTokens(uint256 existing, uint256 yield, uint256 amount) public {
        existing = bound(existing, 0, 1e30);
        yield = bound(yield, 0, 1e30);
        amount = bound(amount, 1, 1e30);
        if (existing > 0) _deposit(existing);
        token.mint(address(strategy), yield);

        token.mint(address(strategy), amount);
        try strategy.deposit(IERC20(address(token)), amount) returns (uint256 shares) {
            strategy.withdraw(alice, IERC20(address(token)), shares);
            assertLe(token.balanceOf(alice), amount, "round trip returned more than deposited");
        } catch (bytes memory reason) {
            assertEq(reason, abi.encodeWithSelector(StrategyBase.NewSharesZero.selector, amount));
        }
    }

    function testFuzz_SharesNeverWorthMoreThanBalance(uint256[4] memory deposits, uint256 yield) public {
        uint256 total;
        for (uint256 i = 0; i < deposits.length; ++i) {
            deposits[i] = bound(deposits[i], 1e6, 1e30);
            total += _deposit(deposits[i]);
        }
        token.mint(address(strategy), bound(yield, 0, 1e30));
        assertLe(strategy.sharesToUnderlyingView(total), token.balanceOf(address(strategy)));
    }

    function testFuzz_ConversionsAreInverse(uint256 existing, uint256 amount) public {
        existing = bound(existing, 1, 1e30);
        amount = bound(amount, 0, 1e30);
        _deposit(existing);
        uint256 shares = strategy.underlyingToSharesView(amount);
        assertLe(strategy.sharesToUnderlyingView(shares), amount, "rounding favours the strategy");
    }
}
