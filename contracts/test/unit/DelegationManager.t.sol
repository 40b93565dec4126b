// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {CoreFixture} from "../utils/CoreFixture.sol";
import {IStrategy} from "../../src/interfaces/IStrategy.sol";
import {ISignatureUtils} from "../../src/interfaces/ISignatureUtils.sol";
import {IStrategyManagerErrors} from "../../src/interfaces/IStrategyManager.sol";
import {
    IDelegationManagerTypes,
    IDelegationManagerErrors,
    IDelegationManagerEvents
} from "../../src/interfaces/IDelegationManager.sol";

contract DelegationManagerTest is CoreFixture {
    bytes32 internal constant SALT = "salt";

    address internal operator;
    address internal alice;
    address internal bob;
    address internal approver;
    uint256 internal approverKey;
    uint32 internal delay;

    function setUp() public override {
        super.setUp();
        operator = makeAddr("operator");
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        (approver, approverKey) = makeAddrAndKey("approver");
        delay = delegation.minWithdrawalDelayBlocks();
    }

    // ---------------------------------------------------------------- operators

    function test_RegisterAsOperator() public {
        vm.expectEmit(address(delegation));
        emit IDelegationManagerEvents.OperatorRegistered(operator, approver);
        vm.prank(operator);
        delegation.registerAsOperator(approver, 7, "ipfs://op");
        assertTrue(delegation.isOperator(operator));
        assertEq(delegation.delegatedTo(operator), operator);
        assertEq(delegation.delegationApprover(operator), approver);
        (bool isSet, uint32 allocationDelay) = allocationManager.getAllocationDelay(operator);
        assertTrue(isSet);
        assertEq(allocationDelay, 7);
    }

    function test_RegisterAsOperatorDelegatesOwnDeposits() public {
        _deposit(operator, strategyA, 5e18);
        _registerOperator(operator);
        assertEq(delegation.operatorShares(operator, strategyA), 5e18);
    }

    function test_RevertIf_RegisterTwice() public {
        _registerOperator(operator);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IDelegationManagerErrors.ActivelyDelegated.selector, operator, operator));
        delegation.registerAsOperator(address(0), 0, "");
    }

    function test_RevertIf_ModifyDetailsByNonOperator() public {
        _registerOperator(operator);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDelegationManagerErrors.CallerNotOperator.selector, alice, operator));
        delegation.modifyOperatorDetails(operator, alice);
    }

    // ---------------------------------------------------------------- delegation

    function test_DelegateMovesDepositsToOperator() public {
        _registerOperator(operator);
        _deposit(alice, strategyA, 4e18);
        _deposit(alice, strategyB, 6e18);
        vm.expectEmit(address(delegation));
        emit IDelegationManagerEvents.StakerDelegated(alice, operator);
        _delegateTo(alice, operator);
        assertEq(delegation.delegatedTo(alice), operator);
        IStrategy[] memory both = new IStrategy[](2);
        both[0] = strategyA;
        both[1] = strategyB;
        uint256[] memory shares = delegation.getOperatorShares(operator, both);
        assertEq(shares[0], 4e18);
        assertEq(shares[1], 6e18);
    }

    function test_RevertIf_DelegateToNonOperator() public {
        ISignatureUtils.SignatureWithExpiry memory noSig;
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDelegationManagerErrors.OperatorNotRegistered.selector, bob));
        delegation.delegateTo(bob, noSig, bytes32(0));
    }

    function test_RevertIf_DelegateTwice() public {
        _registerOperator(operator);
        _delegateTo(alice, operator);
        ISignatureUtils.SignatureWithExpiry memory noSig;
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDelegationManagerErrors.ActivelyDelegated.selector, alice, operator));
        delegation.delegateTo(operator, noSig, bytes32(0));
    }

    function _approverSig(address staker, bytes32 salt, uint256 expiry)
        internal
        view
        returns (ISignatureUtils.SignatureWithExpiry memory)
    {
        bytes32 digest = delegation.calculateDelegationApprovalDigestHash(staker, operator, approver, salt, expiry);
        return ISignatureUtils.SignatureWithExpiry(signDigest(approverKey, digest), expiry);
    }

    function _registerWithApprover() internal {
        vm.prank(operator);
        delegation.registerAsOperator(approver, 0, "");
    }

    function test_DelegateWithApproverSignature() public {
        _registerWithApprover();
        ISignatureUtils.SignatureWithExpiry memory sig = _approverSig(alice, "salt", block.timestamp + 1);
        vm.prank(alice);
        delegation.delegateTo(operator, sig, "salt");
        assertEq(delegation.delegatedTo(alice), operator);
        assertTrue(delegation.delegationApproverSaltIsSpent(approver, "salt"));
    }

    function test_RevertIf_ApproverSignatureExpired() public {
        _registerWithApprover();
        uint256 expiry = block.timestamp - 1;
        ISignatureUtils.SignatureWithExpiry memory sig = _approverSig(alice, "salt", expiry);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IDelegationManagerErrors.SignatureExpired.selector, expiry, block.timestamp)
        );
        delegation.delegateTo(operator, sig, "salt");
    }

    function test_RevertIf_ApproverSaltReused() public {
        _registerWithApprover();
        ISignatureUtils.SignatureWithExpiry memory sig = _approverSig(alice, "salt", block.timestamp + 100);
        vm.prank(alice);
        delegation.delegateTo(operator, sig, "salt");
        vm.prank(alice);
        delegation.undelegate(alice);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDelegationManagerErrors.SaltSpent.selector, approver, SALT));
        delegation.delegateTo(operator, sig, "salt");
    }

    function test_RevertIf_ApproverSignatureForOtherStaker() public {
        _registerWithApprover();
        ISignatureUtils.SignatureWithExpiry memory sig = _approverSig(bob, "salt", block.timestamp + 1);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDelegationManagerErrors.InvalidSignature.selector, approver));
        delegation.delegateTo(operator, sig, "salt");
    }

    // ---------------------------------------------------------------- undelegation

    function test_UndelegateQueuesEverything() public {
        _registerOperator(operator);
        _deposit(alice, strategyA, 4e18);
        _deposit(alice, strategyB, 6e18);
        _delegateTo(alice, operator);

        vm.prank(alice);
        bytes32[] memory roots = delegation.undelegate(alice);
        assertEq(roots.length, 2);
        assertTrue(delegation.pendingWithdrawals(roots[0]));
        assertTrue(delegation.pendingWithdrawals(roots[1]));
        assertEq(delegation.delegatedTo(alice), address(0));
        assertEq(delegation.operatorShares(operator, strategyA), 0);
        assertEq(delegation.operatorShares(operator, strategyB), 0);
        assertEq(strategyManager.stakerDepositShares(alice, strategyA), 0);
        assertEq(delegation.cumulativeWithdrawalsQueued(alice), 2);
    }

    function test_OperatorCanForceUndelegate() public {
        _registerOperator(operator);
        _deposit(alice, strategyA, 1e18);
        _delegateTo(alice, operator);
        vm.expectEmit(address(delegation));
        emit IDelegationManagerEvents.StakerForceUndelegated(alice, operator);
        vm.prank(operator);
        delegation.undelegate(alice);
        assertFalse(delegation.isDelegated(alice));
    }

    function test_RevertIf_ThirdPartyUndelegates() public {
        _registerOperator(operator);
        _delegateTo(alice, operator);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDelegationManagerErrors.CallerCannotUndelegate.selector, bob, alice));
        delegation.undelegate(alice);
    }

    function test_RevertIf_OperatorUndelegatesItself() public {
        _registerOperator(operator);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IDelegationManagerErrors.OperatorsCannotUndelegate.selector, operator));
        delegation.undelegate(operator);
    }

    function test_RevertIf_UndelegateWhenNotDelegated() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDelegationManagerErrors.NotActivelyDelegated.selector, alice));
        delegation.undelegate(alice);
    }

    // ---------------------------------------------------------------- withdrawals

    function test_WithdrawalDelayEnforced() public {
        _registerOperator(operator);
        _deposit(alice, strategyA, 10e18);
        _delegateTo(alice, operator);
        (IDelegationManagerTypes.Withdrawal memory w, bytes32 root) = _queueWithdrawal(alice, strategyA, 4e18);
        assertEq(delegation.operatorShares(operator, strategyA), 6e18);

        uint32 slashableUntil = w.startBlock + delay;
        vm.roll(slashableUntil);
        IERC20[] memory tokens = new IERC20[](1);
        tokens[0] = IERC20(address(tokenA));
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDelegationManagerErrors.WithdrawalDelayNotElapsed.selector, root, slashableUntil, slashableUntil
            )
        );
        delegation.completeQueuedWithdrawal(w, tokens, true);

        vm.roll(slashableUntil + 1);
        _completeAsTokens(w);
        assertEq(tokenA.balanceOf(alice), 4e18);
        assertFalse(delegation.pendingWithdrawals(root));
    }

    function test_CompleteAsSharesRedelegates() public {
        _registerOperator(operator);
        _deposit(alice, strategyA, 10e18);
        _delegateTo(alice, operator);
        (IDelegationManagerTypes.Withdrawal memory w,) = _queueWithdrawal(alice, strategyA, 4e18);
        vm.roll(block.number + delay + 1);
        vm.prank(alice);
        delegation.completeQueuedWithdrawal(w, new IERC20[](0), false);
        assertEq(strategyManager.stakerDepositShares(alice, strategyA), 10e18);
        assertEq(delegation.operatorShares(operator, strategyA), 10e18);
    }

    function test_RevertIf_CompleteTwice() public {
        _deposit(alice, strategyA, 1e18);
        (IDelegationManagerTypes.Withdrawal memory w, bytes32 root) = _queueWithdrawal(alice, strategyA, 1e18);
        vm.roll(block.number + delay + 1);
        _completeAsTokens(w);
        IERC20[] memory tokens = new IERC20[](1);
        tokens[0] = IERC20(address(tokenA));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDelegationManagerErrors.WithdrawalNotQueued.selector, root));
        delegation.completeQueuedWithdrawal(w, tokens, true);
    }

    function test_RevertIf_CompletedByOther() public {
        _deposit(alice, strategyA, 1e18);
        (IDelegationManagerTypes.Withdrawal memory w,) = _queueWithdrawal(alice, strategyA, 1e18);
        vm.roll(block.number + delay + 1);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDelegationManagerErrors.WithdrawerNotCaller.selector, alice, bob));
        delegation.completeQueuedWithdrawal(w, new IERC20[](1), true);
    }

    function test_RevertIf_QueueMoreThanHeld() public {
        _deposit(alice, strategyA, 1e18);
        IDelegationManagerTypes.QueuedWithdrawalParams[] memory params =
            new IDelegationManagerTypes.QueuedWithdrawalParams[](1);
        params[0] = IDelegationManagerTypes.QueuedWithdrawalParams(_one(strategyA), _oneU(1e18 + 1), alice);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStrategyManagerErrors.SharesAmountTooHigh.selector, alice, strategyA, 1e18 + 1, 1e18
            )
        );
        delegation.queueWithdrawals(params);
    }

    function test_RevertIf_WithdrawerNotStaker() public {
        _deposit(alice, strategyA, 1e18);
        IDelegationManagerTypes.QueuedWithdrawalParams[] memory params =
            new IDelegationManagerTypes.QueuedWithdrawalParams[](1);
        params[0] = IDelegationManagerTypes.QueuedWithdrawalParams(_one(strategyA), _oneU(1e18), bob);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDelegationManagerErrors.WithdrawerNotStaker.selector, bob, alice));
        delegation.queueWithdrawals(params);
    }

    // ---------------------------------------------------------------- slashing

    function test_SlashScalesOperatorAndStakerShares() public {
        _slashableOperator(operator, alice, 2e18, 8e18, WAD64);
        assertEq(delegation.operatorShares(operator, strategyA), 10e18);

        vm.prank(avs);
        allocationManager.slashOperator(avs, _slashParams(operator, 1, strategyA, WAD / 2));

        assertEq(delegation.operatorShares(operator, strategyA), 5e18);
        assertEq(_withdrawable(alice, strategyA), 4e18);
        assertEq(_withdrawable(operator, strategyA), 1e18);
        // Deposit shares are untouched; the slash lives in the operator's magnitude.
        assertEq(strategyManager.stakerDepositShares(alice, strategyA), 8e18);
        assertEq(strategyManager.getBurnableShares(strategyA), 5e18);
    }

    function test_SlashReachesQueuedWithdrawal() public {
        _slashableOperator(operator, alice, 0, 8e18, WAD64);
        (IDelegationManagerTypes.Withdrawal memory w,) = _queueWithdrawal(alice, strategyA, 8e18);
        assertEq(delegation.operatorShares(operator, strategyA), 0);
        assertEq(delegation.getSlashableSharesInQueue(operator, strategyA), 8e18);

        vm.roll(block.number + delay); // last slashable block
        vm.prank(avs);
        allocationManager.slashOperator(avs, _slashParams(operator, 1, strategyA, WAD / 4));
        assertEq(strategyManager.getBurnableShares(strategyA), 2e18, "queued shares burned");

        vm.roll(block.number + 1);
        _completeAsTokens(w);
        assertEq(tokenA.balanceOf(alice), 6e18, "withdrawal slashed by a quarter");
    }

    function test_SlashAfterDelayMissesCompletableWithdrawal() public {
        _slashableOperator(operator, alice, 1e18, 8e18, WAD64);
        (IDelegationManagerTypes.Withdrawal memory w,) = _queueWithdrawal(alice, strategyA, 8e18);
        vm.roll(block.number + delay + 1);
        assertEq(delegation.getSlashableSharesInQueue(operator, strategyA), 0);
        vm.prank(avs);
        allocationManager.slashOperator(avs, _slashParams(operator, 1, strategyA, WAD / 2));
        // Only the operator's own 1e18 was still delegated.
        assertEq(strategyManager.getBurnableShares(strategyA), 0.5e18);
        _completeAsTokens(w);
        assertEq(tokenA.balanceOf(alice), 8e18, "withdrawal past its delay is not slashed");
    }

    function test_DepositAfterSlashKeepsNewSharesWhole() public {
        _slashableOperator(operator, alice, 0, 8e18, WAD64);
        vm.prank(avs);
        allocationManager.slashOperator(avs, _slashParams(operator, 1, strategyA, WAD / 2));
        _deposit(alice, strategyA, 4e18);
        // The deposit scaling factor is a WAD: re-expressing 4e18 + 4e18 over 12e18 deposit shares loses a few wei.
        assertApproxEqAbs(_withdrawable(alice, strategyA), 8e18, 10);
        assertLe(_withdrawable(alice, strategyA), 8e18);
        assertEq(delegation.operatorShares(operator, strategyA), 8e18);
    }

    function test_RedelegationAfterSlashPreservesShares() public {
        _slashableOperator(operator, alice, 0, 8e18, WAD64);
        vm.prank(avs);
        allocationManager.slashOperator(avs, _slashParams(operator, 1, strategyA, WAD / 2));
        // Alice leaves, completes as shares, and joins a fresh operator with her 4e18 left.
        vm.prank(alice);
        bytes32[] memory roots = delegation.undelegate(alice);
        assertEq(roots.length, 1);
        IDelegationManagerTypes.Withdrawal memory w = IDelegationManagerTypes.Withdrawal({
            staker: alice,
            delegatedTo: operator,
            withdrawer: alice,
            nonce: 0,
            startBlock: uint32(block.number),
            strategies: _one(strategyA),
            scaledShares: _oneU(8e18)
        });
        assertEq(delegation.calculateWithdrawalRoot(w), roots[0]);
        vm.roll(block.number + delay + 1);
        vm.prank(alice);
        delegation.completeQueuedWithdrawal(w, new IERC20[](0), false);
        assertEq(_withdrawable(alice, strategyA), 4e18);

        address operator2 = makeAddr("operator2");
        _registerOperator(operator2);
        _delegateTo(alice, operator2);
        assertEq(delegation.operatorShares(operator2, strategyA), 4e18);
        assertEq(_withdrawable(alice, strategyA), 4e18);
    }

    function test_RevertIf_DelegateToFullySlashedOperator() public {
        _slashableOperator(operator, alice, 1e18, 0, WAD64);
        vm.prank(avs);
        allocationManager.slashOperator(avs, _slashParams(operator, 1, strategyA, WAD));
        assertEq(allocationManager.getMaxMagnitude(operator, strategyA), 0);
        _deposit(bob, strategyA, 1e18);
        ISignatureUtils.SignatureWithExpiry memory noSig;
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDelegationManagerErrors.FullySlashed.selector, operator, strategyA));
        delegation.delegateTo(operator, noSig, bytes32(0));
    }

    function test_RevertIf_SlashSharesNotAllocationManager() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDelegationManagerErrors.OnlyAllocationManager.selector, alice));
        delegation.slashOperatorShares(operator, strategyA, WAD64, 0);
    }

    function test_RevertIf_IncreaseDelegatedSharesNotStrategyManager() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDelegationManagerErrors.OnlyStrategyManager.selector, alice));
        delegation.increaseDelegatedShares(alice, strategyA, 0, 1);
    }

    // ---------------------------------------------------------------- fuzz

    /// @notice Deposit, get slashed (or not), withdraw: never more tokens out than in, and the operator's shares
    ///         always cover what its stakers can withdraw.
    function testFuzz_SlashedRoundTripNeverGains(uint256 ownStake, uint256 aliceStake, uint256 bobStake, uint256 wad)
        public
    {
        ownStake = bound(ownStake, 1, 1e30);
        aliceStake = bound(aliceStake, 1, 1e30);
        bobStake = bound(bobStake, 1, 1e30);
        wad = bound(wad, 1, WAD - 1);
        _slashableOperator(operator, alice, ownStake, aliceStake, WAD64);
        _deposit(bob, strategyA, bobStake);
        _delegateTo(bob, operator);

        vm.prank(avs);
        allocationManager.slashOperator(avs, _slashParams(operator, 1, strategyA, wad));

        uint256 sum =
            _withdrawable(operator, strategyA) + _withdrawable(alice, strategyA) + _withdrawable(bob, strategyA);
        assertLe(sum, delegation.operatorShares(operator, strategyA), "operator shares cover stakers");

        // Bob deposits again after the slash, then everyone leaves.
        uint256 more = bound(uint256(keccak256(abi.encode(wad))), 1, 1e30);
        _deposit(bob, strategyA, more);
        (IDelegationManagerTypes.Withdrawal memory wa,) =
            _queueWithdrawal(alice, strategyA, strategyManager.stakerDepositShares(alice, strategyA));
        (IDelegationManagerTypes.Withdrawal memory wb,) =
            _queueWithdrawal(bob, strategyA, strategyManager.stakerDepositShares(bob, strategyA));
        vm.roll(block.number + delay + 1);
        _completeAsTokens(wa);
        _completeAsTokens(wb);

        assertLe(tokenA.balanceOf(alice), aliceStake - aliceStake * wad / WAD + 1, "alice got at most her share");
        // Bob keeps his slashed stake plus his whole new deposit, up to the WAD precision of the deposit
        // scaling factor (about 2 wei per 1e18 deposit shares).
        uint256 bobExpected = bobStake * (WAD - wad) / WAD + more;
        assertLe(tokenA.balanceOf(bob), bobExpected + 1, "bob never gains");
        assertApproxEqAbs(tokenA.balanceOf(bob), bobExpected, 4 + 2 * (bobStake + more) / 1e18, "bob's deposit whole");
    }

    /// @notice After several slashes (one landing on a queued withdrawal) and burns, every staker can still leave
    ///         in full: burning never takes shares that back a claim, and only dust stays in the strategy.
    function testFuzz_EveryoneExitsAfterSlashesAndBurns(uint256[3] memory stakes, uint256[3] memory wads) public {
        for (uint256 i = 0; i < 3; ++i) {
            stakes[i] = bound(stakes[i], 1, 1e27);
            wads[i] = bound(wads[i], 1, WAD / 2);
        }
        _slashableOperator(operator, alice, stakes[0], stakes[1], WAD64);
        _deposit(bob, strategyA, stakes[2]);
        _delegateTo(bob, operator);

        vm.prank(avs);
        allocationManager.slashOperator(avs, _slashParams(operator, 1, strategyA, wads[0]));
        (IDelegationManagerTypes.Withdrawal memory wAlice,) =
            _queueWithdrawal(alice, strategyA, strategyManager.stakerDepositShares(alice, strategyA));
        strategyManager.burnShares(strategyA);
        vm.roll(block.number + 1);
        vm.prank(avs);
        allocationManager.slashOperator(avs, _slashParams(operator, 1, strategyA, wads[1]));
        strategyManager.burnShares(strategyA);
        _deposit(bob, strategyA, stakes[0]);
        vm.roll(block.number + 1);
        vm.prank(avs);
        allocationManager.slashOperator(avs, _slashParams(operator, 1, strategyA, wads[2]));
        strategyManager.burnShares(strategyA);

        (IDelegationManagerTypes.Withdrawal memory wBob,) =
            _queueWithdrawal(bob, strategyA, strategyManager.stakerDepositShares(bob, strategyA));
        (IDelegationManagerTypes.Withdrawal memory wOp,) =
            _queueWithdrawal(operator, strategyA, strategyManager.stakerDepositShares(operator, strategyA));
        vm.roll(block.number + delay + 1);
        _completeAsTokens(wAlice);
        _completeAsTokens(wBob);
        _completeAsTokens(wOp);
        strategyManager.burnShares(strategyA);

        uint256 deposited = stakes[0] * 2 + stakes[1] + stakes[2];
        uint256 out = tokenA.balanceOf(alice) + tokenA.balanceOf(bob) + tokenA.balanceOf(operator)
            + tokenA.balanceOf(strategyManager.BURN_ADDRESS());
        assertLe(out, deposited, "no tokens from thin air");
        // Left behind: rounding dust, a few wei per staker and slash plus the WAD precision of the factors.
        assertApproxEqAbs(out, deposited, 20 + 4 * deposited / 1e18, "only dust stays in the strategy");
    }

    /// @notice Without slashing, queue + complete returns exactly what was deposited (no virtual-offset loss at
    ///         a 1:1 exchange rate).
    function testFuzz_RoundTripExact(uint256 amount, uint256 part) public {
        amount = bound(amount, 1, 1e30);
        part = bound(part, 1, amount);
        _registerOperator(operator);
        _deposit(alice, strategyA, amount);
        _delegateTo(alice, operator);
        (IDelegationManagerTypes.Withdrawal memory w,) = _queueWithdrawal(alice, strategyA, part);
        assertEq(delegation.operatorShares(operator, strategyA), amount - part);
        vm.roll(block.number + delay + 1);
        _completeAsTokens(w);
        assertEq(tokenA.balanceOf(alice), part);
    }
}
