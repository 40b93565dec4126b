// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {CoreFixture} from "../utils/CoreFixture.sol";
import {RewardsCoordinator} from "../../src/core/RewardsCoordinator.sol";
import {IRewardsCoordinatorTypes} from "../../src/interfaces/IRewardsCoordinator.sol";
import {IDelegationManager} from "../../src/interfaces/IDelegationManager.sol";
import {IStrategyManager} from "../../src/interfaces/IStrategyManager.sol";
import {Merkle} from "../../src/libraries/Merkle.sol";
import {TestToken} from "../../src/test/TestToken.sol";

/// @title The restaking core plus a RewardsCoordinator (1-day intervals, 2-hour activation delay, 10 % default
///        split) owned by the test contract, four reward tokens, and Merkle helpers that build earner and token
///        trees exactly as the off-chain calculator must (docs/architecture.md, "Rewards").
abstract contract RewardsCoordinatorFixture is CoreFixture {
    uint32 internal constant INTERVAL = 1 days;
    uint32 internal constant ACTIVATION_DELAY = 2 hours;
    uint16 internal constant DEFAULT_SPLIT_BIPS = 1000;
    uint32 internal constant MAX_DURATION = 30 days;
    uint32 internal constant MAX_RETROACTIVE = 90 days;
    uint32 internal constant MAX_FUTURE = 30 days;
    /// @notice Genesis of the test chain's rewards: day 10 (test time starts at day 100).
    uint32 internal constant GENESIS = 10 days;
    /// @notice Test time at setUp: day 100, interval-aligned.
    uint32 internal constant START = 100 days;

    RewardsCoordinator internal rewards;
    address internal updater;
    TestToken[4] internal rewardTokens;

    function setUp() public virtual override {
        super.setUp();
        vm.warp(START);
        updater = makeAddr("rewards-updater");
        rewards = new RewardsCoordinator(
            IDelegationManager(address(delegation)),
            IStrategyManager(address(strategyManager)),
            address(this),
            updater,
            ACTIVATION_DELAY,
            DEFAULT_SPLIT_BIPS,
            RewardsCoordinator.TimeParams({
                calculationIntervalSeconds: INTERVAL,
                maxRewardsDuration: MAX_DURATION,
                maxRetroactiveLength: MAX_RETROACTIVE,
                maxFutureLength: MAX_FUTURE,
                genesisRewardsTimestamp: GENESIS
            })
        );
        for (uint256 i = 0; i < 4; ++i) {
            rewardTokens[i] = new TestToken(string.concat("Reward ", vm.toString(i)), "RWD");
        }
    }

    // ---------------------------------------------------------------- submissions

    /// @notice Strategies A and B (ascending), multiplier 1e18 each.
    function _strategies() internal view returns (IRewardsCoordinatorTypes.StrategyAndMultiplier[] memory s) {
        s = new IRewardsCoordinatorTypes.StrategyAndMultiplier[](2);
        s[0] = IRewardsCoordinatorTypes.StrategyAndMultiplier(strategyA, 1e18);
        s[1] = IRewardsCoordinatorTypes.StrategyAndMultiplier(strategyB, 1e18);
    }

    /// @notice One submission of `amount` of `token` over [START, START + 7 days).
    function _submission(IERC20 token, uint256 amount)
        internal
        view
        returns (IRewardsCoordinatorTypes.RewardsSubmission[] memory list)
    {
        list = new IRewardsCoordinatorTypes.RewardsSubmission[](1);
        list[0] = IRewardsCoordinatorTypes.RewardsSubmission({
            strategiesAndMultipliers: _strategies(),
            token: token,
            amount: amount,
            startTimestamp: START,
            duration: 7 days
        });
    }

    /// @notice Mints `amount` of reward token `t` to `avs_`, approves the coordinator and submits it.
    function _fundAndSubmit(address avs_, uint256 t, uint256 amount) internal {
        rewardTokens[t].mint(avs_, amount);
        vm.startPrank(avs_);
        rewardTokens[t].approve(address(rewards), amount);
        rewards.createAVSRewardsSubmission(_submission(IERC20(address(rewardTokens[t])), amount));
        vm.stopPrank();
    }

    /// @notice Posts `root` for the period ending one interval before now and waits out the activation delay.
    function _postAndActivate(bytes32 root) internal returns (uint32 rootIndex) {
        rootIndex = uint32(rewards.getDistributionRootsLength());
        vm.warp(block.timestamp + 1);
        vm.prank(updater);
        rewards.submitRoot(root, uint32(block.timestamp - 1));
        vm.warp(block.timestamp + ACTIVATION_DELAY);
    }

    // ---------------------------------------------------------------- Merkle trees

    /// @notice One earner's cumulative earnings per token (tokens in the order of their token leaves).
    struct Earnings {
        address earner;
        IERC20[] tokens;
        uint256[] cumulative;
    }

    function _tokenLeaves(Earnings memory e) internal view returns (bytes32[] memory leaves) {
        leaves = new bytes32[](e.tokens.length);
        for (uint256 j = 0; j < leaves.length; ++j) {
            leaves[j] = rewards.calculateTokenLeafHash(
                IRewardsCoordinatorTypes.TokenTreeMerkleLeaf(e.tokens[j], e.cumulative[j])
            );
        }
    }

    function _earnerLeaves(Earnings[] memory all) internal view returns (bytes32[] memory leaves) {
        leaves = new bytes32[](all.length);
        for (uint256 i = 0; i < all.length; ++i) {
            bytes32 tokenRoot = Merkle.merkleizeKeccak(_tokenLeaves(all[i]));
            leaves[i] = rewards.calculateEarnerLeafHash(
                IRewardsCoordinatorTypes.EarnerTreeMerkleLeaf(all[i].earner, tokenRoot)
            );
        }
    }

    /// @notice The distribution root over `all` (earner k is leaf k).
    function _root(Earnings[] memory all) internal view returns (bytes32) {
        return Merkle.merkleizeKeccak(_earnerLeaves(all));
    }

    /// @notice A claim of every token of earner `k` against root `rootIndex`, built over `all`.
    function _claim(Earnings[] memory all, uint256 k, uint32 rootIndex)
        internal
        view
        returns (IRewardsCoordinatorTypes.RewardsMerkleClaim memory claim)
    {
        bytes32[] memory tokenLeaves = _tokenLeaves(all[k]);
        uint256 n = tokenLeaves.length;
        claim.rootIndex = rootIndex;
        // forge-lint: disable-next-line(unsafe-typecast) -- k < 1000 earners in tests
        claim.earnerIndex = uint32(k);
        claim.earnerTreeProof = Merkle.getProofKeccak(_earnerLeaves(all), k);
        claim.earnerLeaf =
            IRewardsCoordinatorTypes.EarnerTreeMerkleLeaf(all[k].earner, Merkle.merkleizeKeccak(tokenLeaves));
        claim.tokenIndices = new uint32[](n);
        claim.tokenTreeProofs = new bytes[](n);
        claim.tokenLeaves = new IRewardsCoordinatorTypes.TokenTreeMerkleLeaf[](n);
        for (uint256 j = 0; j < n; ++j) {
            // forge-lint: disable-next-line(unsafe-typecast) -- j < 4 tokens
            claim.tokenIndices[j] = uint32(j);
            claim.tokenTreeProofs[j] = Merkle.getProofKeccak(tokenLeaves, j);
            claim.tokenLeaves[j] = IRewardsCoordinatorTypes.TokenTreeMerkleLeaf(all[k].tokens[j], all[k].cumulative[j]);
        }
    }

    /// @notice An earner with one token.
    function _earning(address earner, IERC20 token, uint256 cumulative) internal pure returns (Earnings memory e) {
        e.earner = earner;
        e.tokens = new IERC20[](1);
        e.tokens[0] = token;
        e.cumulative = new uint256[](1);
        e.cumulative[0] = cumulative;
    }

    function _token(uint256 t) internal view returns (IERC20) {
        return IERC20(address(rewardTokens[t]));
    }
}
