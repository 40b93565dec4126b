// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {RewardsCoordinatorFixture} from "../harnesses/RewardsCoordinatorFixture.sol";
import {
    IRewardsCoordinatorTypes,
    IRewardsCoordinatorErrors,
    IRewardsCoordinatorEvents
} from "../../src/interfaces/IRewardsCoordinator.sol";

/// @notice A token that calls back into the coordinator while transferring, to try a second claim.
contract ReenteringRecipient {
    address internal immutable COORDINATOR;
    bytes internal reentry;
    bool public reentryFailed;

    constructor(address coordinator) {
        COORDINATOR = coordinator;
    }

    function arm(bytes memory call) external {
        reentry = call;
    }

    function claim(bytes memory call) external {
        (bool ok, bytes memory ret) = COORDINATOR.call(call);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }

    receive() external payable {
        (bool ok,) = COORDINATOR.call(reentry);
        reentryFailed = !ok;
    }
}

/// @notice Distribution roots (posting, activation, disabling) and claims (proofs, claimers, cumulative payouts).
contract RewardsCoordinatorClaimsTest is RewardsCoordinatorFixture, IRewardsCoordinatorEvents {
    address internal alice;
    address internal bob;
    address internal carol;

    function setUp() public override {
        super.setUp();
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        carol = makeAddr("carol");
        _fundAndSubmit(avs, 0, 1000);
        _fundAndSubmit(avs, 1, 1000);
    }

    /// @notice alice: 100 of token 0 and 40 of token 1; bob: 30 of token 0; carol: 7 of token 1.
    function _firstEarnings() internal view returns (Earnings[] memory all) {
        all = new Earnings[](3);
        all[0].earner = alice;
        all[0].tokens = new IERC20[](2);
        all[0].tokens[0] = _token(0);
        all[0].tokens[1] = _token(1);
        all[0].cumulative = new uint256[](2);
        all[0].cumulative[0] = 100;
        all[0].cumulative[1] = 40;
        all[1] = _earning(bob, _token(0), 30);
        all[2] = _earning(carol, _token(1), 7);
    }

    // ---------------------------------------------------------------- roots

    function test_submitRoot_activatesAfterDelay() public {
        vm.warp(START + 1 days);
        vm.expectEmit(true, true, true, true, address(rewards));
        emit DistributionRootSubmitted(0, bytes32(uint256(1)), START, START + 1 days + ACTIVATION_DELAY);
        vm.prank(updater);
        rewards.submitRoot(bytes32(uint256(1)), START);

        IRewardsCoordinatorTypes.DistributionRoot memory root = rewards.getCurrentDistributionRoot();
        assertEq(root.root, bytes32(uint256(1)), "root");
        assertEq(root.activatedAt, START + 1 days + ACTIVATION_DELAY, "activatedAt");
        assertEq(rewards.currRewardsCalculationEndTimestamp(), START, "calculation end");
        assertEq(rewards.getDistributionRootsLength(), 1, "length");
    }

    function test_RevertIf_rootByOtherOrForOldOrFuturePeriod() public {
        vm.expectRevert(abi.encodeWithSelector(IRewardsCoordinatorErrors.OnlyRewardsUpdater.selector, address(this)));
        rewards.submitRoot(bytes32(uint256(1)), START - 1);

        vm.startPrank(updater);
        vm.expectRevert(abi.encodeWithSelector(IRewardsCoordinatorErrors.RootPeriodNotElapsed.selector, START, START));
        rewards.submitRoot(bytes32(uint256(1)), START);
        rewards.submitRoot(bytes32(uint256(1)), START - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IRewardsCoordinatorErrors.RootNotForNewPeriod.selector, START - 1, START - 1)
        );
        rewards.submitRoot(bytes32(uint256(2)), START - 1);
        vm.stopPrank();
    }

    function test_disableRoot_beforeActivation_blocksClaims() public {
        Earnings[] memory all = _firstEarnings();
        bytes32 root = _root(all);
        IRewardsCoordinatorTypes.RewardsMerkleClaim memory claim = _claim(all, 1, 0);
        vm.warp(START + 1);
        vm.prank(updater);
        rewards.submitRoot(root, START);
        vm.expectEmit(true, false, false, true, address(rewards));
        emit DistributionRootDisabled(0);
        rewards.disableRoot(0);

        vm.warp(START + 1 + ACTIVATION_DELAY);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IRewardsCoordinatorErrors.RootDisabled.selector, 0));
        rewards.processClaim(claim, bob);
        vm.expectRevert(abi.encodeWithSelector(IRewardsCoordinatorErrors.RootDisabled.selector, 0));
        rewards.disableRoot(0);
    }

    function test_RevertIf_disableAfterActivationOrByOther() public {
        uint32 index = _postAndActivate(bytes32(uint256(1)));
        vm.prank(updater);
        vm.expectRevert(abi.encodeWithSignature("OwnableUnauthorizedAccount(address)", updater));
        rewards.disableRoot(index);
        IRewardsCoordinatorTypes.DistributionRoot memory root = rewards.getDistributionRootAtIndex(index);
        vm.expectRevert(
            abi.encodeWithSelector(IRewardsCoordinatorErrors.RootAlreadyActivated.selector, index, root.activatedAt)
        );
        rewards.disableRoot(index);
        vm.expectRevert(abi.encodeWithSelector(IRewardsCoordinatorErrors.InvalidRootIndex.selector, 7, 1));
        rewards.disableRoot(7);
    }

    // ---------------------------------------------------------------- claims

    function test_processClaim_paysCumulativeDifference() public {
        Earnings[] memory all = _firstEarnings();
        bytes32 root = _root(all);
        uint32 first = _postAndActivate(root);
        IRewardsCoordinatorTypes.RewardsMerkleClaim memory claim = _claim(all, 0, first);

        vm.expectEmit(true, true, true, true, address(rewards));
        emit RewardsClaimed(root, alice, alice, alice, _token(0), 100);
        vm.prank(alice);
        rewards.processClaim(claim, alice);
        assertEq(rewardTokens[0].balanceOf(alice), 100, "token 0");
        assertEq(rewardTokens[1].balanceOf(alice), 40, "token 1");
        assertEq(rewards.cumulativeClaimed(alice, _token(0)), 100, "recorded");

        // next period: alice's token-0 earnings grow to 250; she is paid the 150 difference only
        all[0].cumulative[0] = 250;
        all[0].cumulative[1] = 41;
        uint32 second = _postAndActivate(_root(all));
        claim = _claim(all, 0, second);
        vm.prank(alice);
        rewards.processClaim(claim, alice);
        assertEq(rewardTokens[0].balanceOf(alice), 250, "token 0 after the second root");
        assertEq(rewardTokens[1].balanceOf(alice), 41, "token 1 after the second root");
    }

    function test_processClaim_twice_paysNothingMore() public {
        Earnings[] memory all = _firstEarnings();
        uint32 index = _postAndActivate(_root(all));
        IRewardsCoordinatorTypes.RewardsMerkleClaim memory claim = _claim(all, 1, index);
        vm.startPrank(bob);
        rewards.processClaim(claim, bob);
        vm.expectRevert(
            abi.encodeWithSelector(IRewardsCoordinatorErrors.EarningsNotGreaterThanClaimed.selector, _token(0), 30, 30)
        );
        rewards.processClaim(claim, bob);
        vm.stopPrank();
        assertEq(rewardTokens[0].balanceOf(bob), 30, "paid once");
    }

    function test_processClaim_olderRootAfterNewerPaysNothing() public {
        Earnings[] memory all = _firstEarnings();
        uint32 older = _postAndActivate(_root(all));
        all[1].cumulative[0] = 60;
        uint32 newer = _postAndActivate(_root(all));
        IRewardsCoordinatorTypes.RewardsMerkleClaim memory newClaim = _claim(all, 1, newer);
        all[1].cumulative[0] = 30;
        IRewardsCoordinatorTypes.RewardsMerkleClaim memory oldClaim = _claim(all, 1, older);
        vm.startPrank(bob);
        rewards.processClaim(newClaim, bob);
        vm.expectRevert(
            abi.encodeWithSelector(IRewardsCoordinatorErrors.EarningsNotGreaterThanClaimed.selector, _token(0), 30, 60)
        );
        rewards.processClaim(oldClaim, bob);
        vm.stopPrank();
        assertEq(rewardTokens[0].balanceOf(bob), 60, "the newer root's total, once");
    }

    function test_processClaim_byDesignatedClaimer_toAnyRecipient() public {
        Earnings[] memory all = _firstEarnings();
        uint32 index = _postAndActivate(_root(all));
        address claimer = makeAddr("claimer");
        address wallet = makeAddr("wallet");
        vm.expectEmit(true, true, true, true, address(rewards));
        emit ClaimerForSet(carol, address(0), claimer);
        vm.prank(carol);
        rewards.setClaimerFor(claimer);

        IRewardsCoordinatorTypes.RewardsMerkleClaim memory claim = _claim(all, 2, index);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IRewardsCoordinatorErrors.UnauthorizedClaimer.selector, carol, carol));
        rewards.processClaim(claim, carol);

        vm.prank(claimer);
        rewards.processClaim(claim, wallet);
        assertEq(rewardTokens[1].balanceOf(wallet), 7, "paid to the chosen recipient");
    }

    function test_RevertIf_claimBeforeActivation() public {
        Earnings[] memory all = _firstEarnings();
        bytes32 root = _root(all);
        IRewardsCoordinatorTypes.RewardsMerkleClaim memory claim = _claim(all, 1, 0);
        vm.warp(START + 1);
        vm.prank(updater);
        rewards.submitRoot(root, START);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(IRewardsCoordinatorErrors.RootNotActivated.selector, 0, START + 1 + ACTIVATION_DELAY)
        );
        rewards.processClaim(claim, bob);
    }

    function test_RevertIf_proofsDoNotMatch() public {
        Earnings[] memory all = _firstEarnings();
        uint32 index = _postAndActivate(_root(all));

        // inflated earnings: the token leaf no longer hashes to the earner's token root
        IRewardsCoordinatorTypes.RewardsMerkleClaim memory claim = _claim(all, 1, index);
        claim.tokenLeaves[0].cumulativeEarnings = 31;
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(IRewardsCoordinatorErrors.InvalidTokenClaimProof.selector, bob, _token(0))
        );
        rewards.processClaim(claim, bob);

        // a stranger presenting bob's token root as its own
        address mallory = makeAddr("mallory");
        claim = _claim(all, 1, index);
        claim.earnerLeaf.earner = mallory;
        vm.prank(mallory);
        vm.expectRevert(abi.encodeWithSelector(IRewardsCoordinatorErrors.InvalidEarnerClaimProof.selector, mallory));
        rewards.processClaim(claim, mallory);

        // an index beyond the proof's height
        claim = _claim(all, 1, index);
        claim.earnerIndex = 1 + 4;
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IRewardsCoordinatorErrors.InvalidLeafIndex.selector, 5, 64));
        rewards.processClaim(claim, bob);

        claim = _claim(all, 1, index);
        claim.tokenIndices = new uint32[](0);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IRewardsCoordinatorErrors.TokenLengthMismatch.selector, 0, 1, 1));
        rewards.processClaim(claim, bob);

        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IRewardsCoordinatorErrors.InvalidRootIndex.selector, 9, 1));
        claim.rootIndex = 9;
        rewards.processClaim(claim, bob);
    }

    function test_checkClaim_trueForValidClaim() public {
        Earnings[] memory all = _firstEarnings();
        uint32 index = _postAndActivate(_root(all));
        assertTrue(rewards.checkClaim(_claim(all, 0, index)), "valid");
    }

    function test_processClaims_batch_forSeveralEarners() public {
        Earnings[] memory all = _firstEarnings();
        uint32 index = _postAndActivate(_root(all));
        vm.prank(bob);
        rewards.setClaimerFor(alice);
        IRewardsCoordinatorTypes.RewardsMerkleClaim[] memory claims =
            new IRewardsCoordinatorTypes.RewardsMerkleClaim[](2);
        claims[0] = _claim(all, 0, index);
        claims[1] = _claim(all, 1, index);
        vm.prank(alice);
        rewards.processClaims(claims, alice);
        assertEq(rewardTokens[0].balanceOf(alice), 130, "alice's 100 and bob's 30 of token 0");
        assertEq(rewardTokens[1].balanceOf(alice), 40, "alice's token 1");
        assertEq(rewards.cumulativeClaimed(bob, _token(0)), 30, "bob's claim recorded under bob");
    }

    // ---------------------------------------------------------------- ether

    function test_processClaim_nativeToken_andReentryRefused() public {
        IERC20 native = rewards.NATIVE_TOKEN();
        vm.deal(avs, 5 ether);
        vm.prank(avs);
        rewards.createAVSRewardsSubmission{value: 5 ether}(_submission(native, 5 ether));

        ReenteringRecipient earner = new ReenteringRecipient(address(rewards));
        Earnings[] memory all = new Earnings[](1);
        all[0] = _earning(address(earner), native, 2 ether);
        uint32 index = _postAndActivate(_root(all));
        IRewardsCoordinatorTypes.RewardsMerkleClaim memory claim = _claim(all, 0, index);
        bytes memory call = abi.encodeCall(rewards.processClaim, (claim, address(earner)));
        earner.arm(call);
        earner.claim(call);
        assertEq(address(earner).balance, 2 ether, "paid once");
        assertTrue(earner.reentryFailed(), "re-entry refused");
        assertEq(address(rewards).balance, 3 ether, "rest stays locked");
    }
}
