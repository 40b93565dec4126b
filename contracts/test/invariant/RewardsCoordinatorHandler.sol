// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {LaminaTest} from "../utils/LaminaTest.sol";
import {RewardsCoordinator} from "../../src/core/RewardsCoordinator.sol";
import {IRewardsCoordinatorTypes} from "../../src/interfaces/IRewardsCoordinator.sol";
import {IStrategy} from "../../src/interfaces/IStrategy.sol";
import {Merkle} from "../../src/libraries/Merkle.sol";
import {TestToken} from "../../src/test/TestToken.sol";

/// @notice Drives a RewardsCoordinator with random submissions, roots from an honest updater (which never attests
///         more than was submitted), owner disables, time, honest claims against any root (old, new, disabled,
///         not yet active, repeated) and forged claims (inflated earnings), keeping ghost totals to compare with.
contract RewardsCoordinatorHandler is LaminaTest {
    uint256 internal constant EARNERS = 3;
    uint256 internal constant TOKENS = 2;

    RewardsCoordinator internal immutable COORDINATOR;
    address internal immutable AVS;
    address internal immutable UPDATER;
    address internal immutable OWNER;
    IStrategy internal immutable STRATEGY;
    TestToken[TOKENS] internal tokens;
    address[EARNERS] internal earners;

    /// @notice Sum of successful submissions per token.
    uint256[TOKENS] public ghostSubmitted;
    /// @notice Sum of what claims paid out per token (recipient balance increases).
    uint256[TOKENS] public ghostPaid;
    /// @notice The honest updater's latest cumulative earnings per earner and token.
    uint256[TOKENS][EARNERS] internal attested;
    /// @notice Cumulative earnings per root, earner and token, as posted.
    mapping(uint256 rootIndex => uint256[TOKENS][EARNERS] cumulative) internal postedEarnings;
    /// @notice Forged claims that did not revert (must stay 0).
    uint256 public ghostForgedClaimsPaid;
    /// @notice Claims that paid although their root was disabled or not yet active (must stay 0).
    uint256 public ghostInactiveRootClaimsPaid;
    /// @notice Claims that paid (shows the runs exercise payouts, not only reverts).
    uint256 public ghostClaimsPaid;

    constructor(RewardsCoordinator coordinator, address avs, address owner, IStrategy strategy) {
        COORDINATOR = coordinator;
        AVS = avs;
        OWNER = owner;
        UPDATER = coordinator.rewardsUpdater();
        STRATEGY = strategy;
        for (uint256 t = 0; t < TOKENS; ++t) {
            tokens[t] = new TestToken("Reward", "RWD");
        }
        earners = [makeAddr("earner0"), makeAddr("earner1"), makeAddr("earner2")];
    }

    function token(uint256 t) external view returns (IERC20) {
        return IERC20(address(tokens[t]));
    }

    function earner(uint256 i) external view returns (address) {
        return earners[i];
    }

    function attestedOf(uint256 e, uint256 t) external view returns (uint256) {
        return attested[e][t];
    }

    // ---------------------------------------------------------------- actions

    function submit(uint256 tokenSeed, uint256 amount) external {
        uint256 t = tokenSeed % TOKENS;
        amount = bound(amount, 1, 1e30);
        IRewardsCoordinatorTypes.RewardsSubmission[] memory list = new IRewardsCoordinatorTypes.RewardsSubmission[](1);
        list[0].strategiesAndMultipliers = new IRewardsCoordinatorTypes.StrategyAndMultiplier[](1);
        list[0].strategiesAndMultipliers[0] = IRewardsCoordinatorTypes.StrategyAndMultiplier(STRATEGY, 1e18);
        list[0].token = IERC20(address(tokens[t]));
        list[0].amount = amount;
        uint32 interval = COORDINATOR.CALCULATION_INTERVAL_SECONDS();
        // forge-lint: disable-next-line(unsafe-typecast) -- test timestamps stay far below 2^32
        list[0].startTimestamp = uint32(block.timestamp / interval * interval);
        list[0].duration = interval;
        tokens[t].mint(AVS, amount);
        vm.startPrank(AVS);
        tokens[t].approve(address(COORDINATOR), amount);
        COORDINATOR.createAVSRewardsSubmission(list);
        vm.stopPrank();
        ghostSubmitted[t] += amount;
    }

    /// @notice The honest updater hands out part of what is submitted but not yet attested, then posts the root.
    function postRoot(uint256 seed) external {
        for (uint256 t = 0; t < TOKENS; ++t) {
            uint256 attestedTotal = 0;
            for (uint256 e = 0; e < EARNERS; ++e) {
                attestedTotal += attested[e][t];
            }
            uint256 unallocated = ghostSubmitted[t] - attestedTotal;
            for (uint256 e = 0; e < EARNERS; ++e) {
                uint256 grant = bound(uint256(keccak256(abi.encode(seed, t, e))), 0, unallocated);
                attested[e][t] += grant;
                unallocated -= grant;
            }
        }
        vm.warp(block.timestamp + 1);
        uint256 rootIndex = COORDINATOR.getDistributionRootsLength();
        postedEarnings[rootIndex] = attested;
        bytes32 root = Merkle.merkleizeKeccak(_earnerLeaves(rootIndex));
        vm.prank(UPDATER);
        // forge-lint: disable-next-line(unsafe-typecast) -- test timestamps stay far below 2^32
        COORDINATOR.submitRoot(root, uint32(block.timestamp - 1));
    }

    function disableRoot(uint256 seed) external {
        uint256 length = COORDINATOR.getDistributionRootsLength();
        if (length == 0) return;
        // forge-lint: disable-next-line(unsafe-typecast) -- seed % length < 2^32
        uint32 rootIndex = uint32(seed % length);
        vm.prank(OWNER);
        try COORDINATOR.disableRoot(rootIndex) {} catch {}
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 0, 3 hours));
    }

    function claim(uint256 earnerSeed, uint256 rootSeed, uint256 tokenSeed) external {
        (IRewardsCoordinatorTypes.RewardsMerkleClaim memory c, uint256 e, bool usable) =
            _buildClaim(earnerSeed, rootSeed, tokenSeed);
        if (!usable) return;
        address recipient = earners[e];
        uint256[TOKENS] memory before;
        for (uint256 t = 0; t < TOKENS; ++t) {
            before[t] = tokens[t].balanceOf(recipient);
        }
        IRewardsCoordinatorTypes.DistributionRoot memory root = COORDINATOR.getDistributionRootAtIndex(c.rootIndex);
        vm.prank(recipient);
        try COORDINATOR.processClaim(c, recipient) {
            // forge-lint: disable-next-line(block-timestamp) -- the handler warps time itself
            if (root.disabled || block.timestamp < root.activatedAt) ++ghostInactiveRootClaimsPaid;
            ++ghostClaimsPaid;
            for (uint256 t = 0; t < TOKENS; ++t) {
                ghostPaid[t] += tokens[t].balanceOf(recipient) - before[t];
            }
        } catch {}
    }

    /// @notice A claim whose first token leaf is inflated by `extra`: the proofs cannot hold.
    function forgedClaim(uint256 earnerSeed, uint256 rootSeed, uint256 tokenSeed, uint256 extra) external {
        (IRewardsCoordinatorTypes.RewardsMerkleClaim memory c, uint256 e, bool usable) =
            _buildClaim(earnerSeed, rootSeed, tokenSeed);
        if (!usable) return;
        c.tokenLeaves[0].cumulativeEarnings += bound(extra, 1, 1e30);
        vm.prank(earners[e]);
        try COORDINATOR.processClaim(c, earners[e]) {
            ++ghostForgedClaimsPaid;
        } catch {}
    }

    // ---------------------------------------------------------------- trees

    function _tokenLeaves(uint256 rootIndex, uint256 e) internal view returns (bytes32[] memory leaves) {
        leaves = new bytes32[](TOKENS);
        for (uint256 t = 0; t < TOKENS; ++t) {
            leaves[t] = COORDINATOR.calculateTokenLeafHash(
                IRewardsCoordinatorTypes.TokenTreeMerkleLeaf(
                    IERC20(address(tokens[t])), postedEarnings[rootIndex][e][t]
                )
            );
        }
    }

    function _earnerLeaves(uint256 rootIndex) internal view returns (bytes32[] memory leaves) {
        leaves = new bytes32[](EARNERS);
        for (uint256 e = 0; e < EARNERS; ++e) {
            leaves[e] = COORDINATOR.calculateEarnerLeafHash(
                IRewardsCoordinatorTypes.EarnerTreeMerkleLeaf(
                    earners[e], Merkle.merkleizeKeccak(_tokenLeaves(rootIndex, e))
                )
            );
        }
    }

    /// @dev Claims one token (tokenSeed even: token 0 or 1 alone) or both (tokenSeed odd) of one earner.
    function _buildClaim(uint256 earnerSeed, uint256 rootSeed, uint256 tokenSeed)
        internal
        view
        returns (IRewardsCoordinatorTypes.RewardsMerkleClaim memory c, uint256 e, bool usable)
    {
        uint256 length = COORDINATOR.getDistributionRootsLength();
        if (length == 0) return (c, 0, false);
        uint256 rootIndex = rootSeed % length;
        e = earnerSeed % EARNERS;
        bytes32[] memory tokenLeaves = _tokenLeaves(rootIndex, e);
        uint256 first = (tokenSeed / 2) % TOKENS;
        uint256 count = tokenSeed % 2 == 1 ? TOKENS : 1;
        // forge-lint: disable-next-line(unsafe-typecast) -- small indices
        c.rootIndex = uint32(rootIndex);
        // forge-lint: disable-next-line(unsafe-typecast) -- e < 3
        c.earnerIndex = uint32(e);
        c.earnerTreeProof = Merkle.getProofKeccak(_earnerLeaves(rootIndex), e);
        c.earnerLeaf = IRewardsCoordinatorTypes.EarnerTreeMerkleLeaf(earners[e], Merkle.merkleizeKeccak(tokenLeaves));
        c.tokenIndices = new uint32[](count);
        c.tokenTreeProofs = new bytes[](count);
        c.tokenLeaves = new IRewardsCoordinatorTypes.TokenTreeMerkleLeaf[](count);
        for (uint256 j = 0; j < count; ++j) {
            uint256 t = (first + j) % TOKENS;
            // forge-lint: disable-next-line(unsafe-typecast) -- t < 2
            c.tokenIndices[j] = uint32(t);
            c.tokenTreeProofs[j] = Merkle.getProofKeccak(tokenLeaves, t);
            c.tokenLeaves[j] = IRewardsCoordinatorTypes.TokenTreeMerkleLeaf(
                IERC20(address(tokens[t])), postedEarnings[rootIndex][e][t]
            );
        }
        usable = true;
    }
}
