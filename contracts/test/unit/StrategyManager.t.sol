// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {CoreFixture} from "../utils/CoreFixture.sol";
import {IStrategy} from "../../src/interfaces/IStrategy.sol";
import {IStrategyManagerErrors, IStrategyManagerEvents} from "../../src/interfaces/IStrategyManager.sol";
import {IDelegationManagerCore} from "../../src/interfaces/IDelegationManager.sol";
import {StrategyBase} from "../../src/core/StrategyBase.sol";
import {StrategyManager} from "../../src/core/StrategyManager.sol";
import {TestToken} from "../../src/test/TestToken.sol";

contract StrategyManagerTest is CoreFixture {
    address internal alice;

    function setUp() public override {
        super.setUp();
        alice = makeAddr("alice");
    }

    function test_DepositCreditsShares() public {
        tokenA.mint(alice, 3e18);
        vm.startPrank(alice);
        tokenA.approve(address(strategyManager), 3e18);
        vm.expectEmit(address(strategyManager));
        emit IStrategyManagerEvents.Deposit(alice, strategyA, 3e18, 3e18);
        uint256 shares = strategyManager.depositIntoStrategy(strategyA, IERC20(address(tokenA)), 3e18);
        vm.stopPrank();
        assertEq(shares, 3e18);
        assertEq(strategyManager.stakerDepositShares(alice, strategyA), 3e18);
        assertEq(tokenA.balanceOf(address(strategyA)), 3e18);
        (IStrategy[] memory strategies, uint256[] memory deposits) = strategyManager.getDeposits(alice);
        assertEq(strategies.length, 1);
        assertEq(address(strategies[0]), address(strategyA));
        assertEq(deposits[0], 3e18);
    }

    function test_DepositIntoTwoStrategiesListsBoth() public {
        _deposit(alice, strategyA, 1e18);
        _deposit(alice, strategyB, 2e18);
        _deposit(alice, strategyA, 1e18);
        IStrategy[] memory list = strategyManager.getStakerStrategyList(alice);
        assertEq(list.length, 2);
        assertEq(strategyManager.stakerDepositShares(alice, strategyA), 2e18);
        assertEq(strategyManager.stakerDepositShares(alice, strategyB), 2e18);
    }

    function test_DepositWhileDelegatedIncreasesOperatorShares() public {
        address operator = makeAddr("operator");
        _registerOperator(operator);
        _delegateTo(alice, operator);
        _deposit(alice, strategyA, 7e18);
        assertEq(delegation.operatorShares(operator, strategyA), 7e18);
    }

    function test_RevertIf_StrategyNotWhitelisted() public {
        TestToken other = new TestToken("Other", "O");
        StrategyBase unlisted = new StrategyBase(address(strategyManager), IERC20(address(other)));
        other.mint(alice, 1e18);
        vm.startPrank(alice);
        other.approve(address(strategyManager), 1e18);
        vm.expectRevert(abi.encodeWithSelector(IStrategyManagerErrors.StrategyNotWhitelisted.selector, unlisted));
        strategyManager.depositIntoStrategy(unlisted, IERC20(address(other)), 1e18);
        vm.stopPrank();
    }

    function test_RevertIf_DepositAfterRemovalFromWhitelist() public {
        strategyManager.removeStrategiesFromDepositWhitelist(_one(strategyA));
        assertFalse(strategyManager.strategyIsWhitelistedForDeposit(strategyA));
        tokenA.mint(alice, 1);
        vm.startPrank(alice);
        tokenA.approve(address(strategyManager), 1);
        vm.expectRevert(abi.encodeWithSelector(IStrategyManagerErrors.StrategyNotWhitelisted.selector, strategyA));
        strategyManager.depositIntoStrategy(strategyA, IERC20(address(tokenA)), 1);
        vm.stopPrank();
    }

    function test_RevertIf_WhitelistByNonOwner() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        strategyManager.addStrategiesToDepositWhitelist(_one(strategyA));
    }

    function test_RevertIf_HooksCalledByOthers() public {
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(IStrategyManagerErrors.OnlyDelegationManager.selector, alice));
        strategyManager.removeDepositShares(alice, strategyA, 1);
        vm.expectRevert(abi.encodeWithSelector(IStrategyManagerErrors.OnlyDelegationManager.selector, alice));
        strategyManager.addShares(alice, strategyA, 1);
        vm.expectRevert(abi.encodeWithSelector(IStrategyManagerErrors.OnlyDelegationManager.selector, alice));
        strategyManager.withdrawSharesAsTokens(alice, strategyA, IERC20(address(tokenA)), 1);
        vm.expectRevert(abi.encodeWithSelector(IStrategyManagerErrors.OnlyDelegationManager.selector, alice));
        strategyManager.increaseBurnableShares(strategyA, 1);
        vm.stopPrank();
    }

    function test_RevertIf_InitializedTwice() public {
        vm.expectRevert(IStrategyManagerErrors.AlreadyInitialized.selector);
        strategyManager.initialize(IDelegationManagerCore(address(delegation)));
    }

    function test_RevertIf_InitializedByNonDeployer() public {
        StrategyManager fresh = new StrategyManager(address(this));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IStrategyManagerErrors.OnlyDeployer.selector, alice));
        fresh.initialize(IDelegationManagerCore(address(delegation)));
    }

    function test_RevertIf_DepositBeforeInitialize() public {
        StrategyManager fresh = new StrategyManager(address(this));
        vm.expectRevert(IStrategyManagerErrors.NotInitialized.selector);
        fresh.depositIntoStrategy(strategyA, IERC20(address(tokenA)), 1);
    }

    function test_RevertIf_MoreThanMaxStrategies() public {
        uint256 max = strategyManager.MAX_STAKER_STRATEGY_LIST_LENGTH();
        // strategyA and strategyB count already once used below.
        _deposit(alice, strategyA, 1);
        _deposit(alice, strategyB, 1);
        StrategyBase last;
        for (uint256 i = 2; i <= max; ++i) {
            TestToken t = new TestToken("T", "T");
            last = _deployStrategy(core, IERC20(address(t)));
            if (i < max) _deposit(alice, last, 1);
        }
        TestToken lastToken = TestToken(address(last.underlyingToken()));
        lastToken.mint(alice, 1);
        vm.startPrank(alice);
        lastToken.approve(address(strategyManager), 1);
        vm.expectRevert(abi.encodeWithSelector(IStrategyManagerErrors.MaxStrategiesExceeded.selector, alice, max));
        strategyManager.depositIntoStrategy(last, IERC20(address(lastToken)), 1);
        vm.stopPrank();
    }

    function test_BurnSharesSendsSlashedTokensToBurnAddress() public {
        address operator = makeAddr("operator");
        _slashableOperator(operator, alice, 10e18, 0, WAD64);
        vm.prank(avs);
        allocationManager.slashOperator(avs, _slashParams(operator, 1, strategyA, WAD / 4));
        assertEq(strategyManager.getBurnableShares(strategyA), 2.5e18);

        vm.expectEmit(address(strategyManager));
        emit IStrategyManagerEvents.BurnableSharesDecreased(strategyA, 2.5e18);
        strategyManager.burnShares(strategyA);
        assertEq(strategyManager.getBurnableShares(strategyA), 0);
        assertEq(tokenA.balanceOf(strategyManager.BURN_ADDRESS()), 2.5e18);
        assertEq(strategyA.totalShares(), 7.5e18);
        // A second call has nothing to burn.
        strategyManager.burnShares(strategyA);
        assertEq(tokenA.balanceOf(strategyManager.BURN_ADDRESS()), 2.5e18);
    }
}
