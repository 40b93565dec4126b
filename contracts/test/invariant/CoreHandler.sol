// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Vm} from "../utils/Vm.sol";
import {IStrategy} from "../../src/interfaces/IStrategy.sol";
import {ISignatureUtils} from "../../src/interfaces/ISignatureUtils.sol";
import {IDelegationManagerTypes} from "../../src/interfaces/IDelegationManager.sol";
import {IAllocationManagerTypes} from "../../src/interfaces/IAllocationManager.sol";
import {StrategyBase} from "../../src/core/StrategyBase.sol";
import {StrategyManager} from "../../src/core/StrategyManager.sol";
import {DelegationManager} from "../../src/core/DelegationManager.sol";
import {AllocationManager} from "../../src/core/AllocationManager.sol";
import {TestToken} from "../../src/test/TestToken.sol";

/// @notice Random walks over the restaking core: deposits, delegation, undelegation, withdrawals, slashes and
///         time. Two operators (actors 0, 1, fully allocated to set 1 of `avs`) and three stakers (actors 2..4),
///         one strategy. Keeps the pending withdrawals and ghost totals the invariants need.
contract CoreHandler {
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
    uint256 internal constant WAD = 1e18;

    StrategyManager public immutable strategyManager;
    DelegationManager public immutable delegation;
    AllocationManager public immutable allocationManager;
    StrategyBase public immutable strategy;
    TestToken public immutable token;
    address public immutable avs;

    address[5] internal _actors;
    IDelegationManagerTypes.Withdrawal[] internal _pending;

    uint256 public ghostDeposited;
    uint256 public ghostWithdrawn;
    uint256 public slashes;

    constructor(
        StrategyManager strategyManager_,
        DelegationManager delegation_,
        AllocationManager allocationManager_,
        StrategyBase strategy_,
        address avs_,
        address[5] memory actors_
    ) {
        strategyManager = strategyManager_;
        delegation = delegation_;
        allocationManager = allocationManager_;
        strategy = strategy_;
        token = TestToken(address(strategy_.underlyingToken()));
        avs = avs_;
        _actors = actors_;
    }

    // ---------------------------------------------------------------- actions

    function deposit(uint256 actorSeed, uint256 amount) external {
        address actor = _actors[actorSeed % 5];
        amount = _bound(amount, 1, 1e24);
        address operator = delegation.delegatedTo(actor);
        if (operator != address(0) && allocationManager.getMaxMagnitude(operator, strategy) == 0) return;
        token.mint(actor, amount);
        vm.startPrank(actor);
        token.approve(address(strategyManager), amount);
        strategyManager.depositIntoStrategy(strategy, IERC20(address(token)), amount);
        vm.stopPrank();
        ghostDeposited += amount;
    }

    function delegate(uint256 stakerSeed, uint256 operatorSeed) external {
        address staker = _actors[2 + stakerSeed % 3];
        address operator = _actors[operatorSeed % 2];
        if (delegation.isDelegated(staker)) return;
        if (allocationManager.getMaxMagnitude(operator, strategy) == 0) return;
        ISignatureUtils.SignatureWithExpiry memory noSig;
        vm.prank(staker);
        delegation.delegateTo(operator, noSig, bytes32(0));
    }

    function undelegate(uint256 stakerSeed) external {
        address staker = _actors[2 + stakerSeed % 3];
        address operator = delegation.delegatedTo(staker);
        if (operator == address(0)) return;
        uint256 shares = strategyManager.stakerDepositShares(staker, strategy);
        IDelegationManagerTypes.Withdrawal memory w = _predict(staker, operator, shares);
        vm.prank(staker);
        bytes32[] memory roots = delegation.undelegate(staker);
        if (shares != 0) {
            require(roots.length == 1 && roots[0] == delegation.calculateWithdrawalRoot(w), "predicted root");
            _pending.push(w);
        }
    }

    function queue(uint256 actorSeed, uint256 part) external {
        address actor = _actors[actorSeed % 5];
        uint256 held = strategyManager.stakerDepositShares(actor, strategy);
        if (held == 0) return;
        uint256 shares = _bound(part, 1, held);
        IDelegationManagerTypes.Withdrawal memory w = _predict(actor, delegation.delegatedTo(actor), shares);
        IDelegationManagerTypes.QueuedWithdrawalParams[] memory params =
            new IDelegationManagerTypes.QueuedWithdrawalParams[](1);
        params[0] = IDelegationManagerTypes.QueuedWithdrawalParams(w.strategies, _one(shares), actor);
        vm.prank(actor);
        bytes32 root = delegation.queueWithdrawals(params)[0];
        require(root == delegation.calculateWithdrawalRoot(w), "predicted root");
        _pending.push(w);
    }

    function complete(uint256 index) external {
        if (_pending.length == 0) return;
        index %= _pending.length;
        IDelegationManagerTypes.Withdrawal memory w = _pending[index];
        uint256 completable = uint256(w.startBlock) + delegation.minWithdrawalDelayBlocks() + 1;
        if (block.number < completable) vm.roll(completable);
        IERC20[] memory tokens = new IERC20[](1);
        tokens[0] = IERC20(address(token));
        uint256 before = token.balanceOf(w.withdrawer);
        vm.prank(w.withdrawer);
        delegation.completeQueuedWithdrawal(w, tokens, true);
        ghostWithdrawn += token.balanceOf(w.withdrawer) - before;
        _pending[index] = _pending[_pending.length - 1];
        _pending.pop();
    }

    function slash(uint256 operatorSeed, uint256 wad) external {
        address operator = _actors[operatorSeed % 2];
        IAllocationManagerTypes.OperatorSet memory set = IAllocationManagerTypes.OperatorSet(avs, 1);
        if (allocationManager.getAllocation(operator, set, strategy).currentMagnitude == 0) return;
        uint256[] memory wads = _one(_bound(wad, 1, WAD / 2));
        IStrategy[] memory strategies = new IStrategy[](1);
        strategies[0] = strategy;
        vm.prank(avs);
        allocationManager.slashOperator(
            avs, IAllocationManagerTypes.SlashingParams(operator, 1, strategies, wads, "invariant")
        );
        ++slashes;
    }

    /// @notice Burns the slashed shares; later withdrawals must still be fully backed.
    function burn() external {
        strategyManager.burnShares(strategy);
    }

    function advance(uint256 blocks) external {
        vm.roll(block.number + _bound(blocks, 1, 60));
    }

    // ---------------------------------------------------------------- views for the invariants

    function actor(uint256 i) external view returns (address) {
        return _actors[i];
    }

    function pendingCount() external view returns (uint256) {
        return _pending.length;
    }

    /// @notice Upper bound on what pending withdrawal `i` will pay: its scaled shares at the magnitude of
    ///         `min(now, slashableUntil)` (exact once past the delay; magnitudes only fall before it).
    function pendingValue(uint256 i) external view returns (uint256) {
        IDelegationManagerTypes.Withdrawal memory w = _pending[i];
        if (w.delegatedTo == address(0)) return w.scaledShares[0];
        uint256 slashableUntil = uint256(w.startBlock) + delegation.minWithdrawalDelayBlocks();
        uint32 at = uint32(block.number < slashableUntil ? block.number : slashableUntil);
        return w.scaledShares[0] * allocationManager.getMaxMagnitudeAtBlock(w.delegatedTo, strategy, at) / WAD;
    }

    // ---------------------------------------------------------------- internals

    function _predict(address staker, address operator, uint256 shares)
        internal
        view
        returns (IDelegationManagerTypes.Withdrawal memory w)
    {
        IStrategy[] memory strategies = new IStrategy[](1);
        strategies[0] = strategy;
        w = IDelegationManagerTypes.Withdrawal({
            staker: staker,
            delegatedTo: operator,
            withdrawer: staker,
            nonce: delegation.cumulativeWithdrawalsQueued(staker),
            startBlock: uint32(block.number),
            strategies: strategies,
            scaledShares: _one(shares * delegation.depositScalingFactor(staker, strategy) / WAD)
        });
    }

    function _one(uint256 value) internal pure returns (uint256[] memory list) {
        list = new uint256[](1);
        list[0] = value;
    }

    function _bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        return min + x % (max - min + 1);
    }
}
