// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {LaminaSystemFixture} from "../harnesses/LaminaSystemFixture.sol";
import {LaminaServiceManager} from "../../src/da/LaminaServiceManager.sol";
import {ILaminaServiceManagerErrors} from "../../src/da/interfaces/ILaminaServiceManager.sol";
import {IRewardsCoordinatorTypes} from "../../src/interfaces/IRewardsCoordinator.sol";
import {IRewardsCoordinator} from "../../src/interfaces/IRewardsCoordinator.sol";
import {IStrategy} from "../../src/interfaces/IStrategy.sol";
import {Merkle} from "../../src/libraries/Merkle.sol";

/// @title Fees to rewards on the deployed system: on-demand payments collected by the PaymentVault, moved by its
///        owner to the service manager, submitted as rewards to the RewardsCoordinator, claimed by an operator.
contract LaminaRewardsTest is LaminaSystemFixture {
    IERC20 internal native;

    function setUp() public override {
        super.setUp();
        native = d.rewardsCoordinator.NATIVE_TOKEN();
        // interval-aligned time, well past genesis
        vm.warp(1_000_000 * 60);
    }

    /// @notice Quorum 0's strategies, ascending, at 1x.
    function _strategies() internal view returns (IRewardsCoordinatorTypes.StrategyAndMultiplier[] memory s) {
        (IStrategy a, IStrategy b) = (d.strategies[0], d.strategies[1]);
        if (address(a) > address(b)) (a, b) = (b, a);
        s = new IRewardsCoordinatorTypes.StrategyAndMultiplier[](2);
        s[0] = IRewardsCoordinatorTypes.StrategyAndMultiplier(a, 1e18);
        s[1] = IRewardsCoordinatorTypes.StrategyAndMultiplier(b, 1e18);
    }

    function _submissions(uint256 nativeAmount, uint256 tokenAmount)
        internal
        view
        returns (IRewardsCoordinatorTypes.RewardsSubmission[] memory list)
    {
        list = new IRewardsCoordinatorTypes.RewardsSubmission[](2);
        list[0] = IRewardsCoordinatorTypes.RewardsSubmission(
            _strategies(), native, nativeAmount, uint32(block.timestamp), 60 * 60
        );
        list[1] = IRewardsCoordinatorTypes.RewardsSubmission(
            _strategies(), IERC20(address(d.tokens[3])), tokenAmount, uint32(block.timestamp), 60 * 60
        );
    }

    function test_deployment_wiresRewards() public view {
        assertEq(address(d.serviceManager.rewardsCoordinator()), address(d.rewardsCoordinator), "AVS -> coordinator");
        assertEq(d.rewardsCoordinator.rewardsUpdater(), address(this), "devnet updater: the owner");
        assertEq(d.rewardsCoordinator.owner(), address(this), "owner");
        assertEq(d.rewardsCoordinator.defaultOperatorSplitBips(), DEFAULT_OPERATOR_SPLIT_BIPS, "10 %");
        assertEq(d.paymentVault.rewardsRecipient(), address(d.serviceManager), "fees go to the AVS");
    }

    function test_feesBecomeRewards_andAnOperatorClaims() public {
        // 1. a rollup pays on demand; governance moves the fees to the service manager
        address payer = makeAddr("rollup");
        vm.deal(payer, 2 ether);
        vm.prank(payer);
        d.paymentVault.depositOnDemand{value: 2 ether}(payer);
        d.paymentVault.withdrawToRewards(2 ether);
        assertEq(address(d.serviceManager).balance, 2 ether, "fees at the AVS");

        // 2. the AVS submits them (plus 500 of an ERC-20 it holds) as rewards
        d.tokens[3].mint(address(d.serviceManager), 500 * E);
        IRewardsCoordinatorTypes.RewardsSubmission[] memory list = _submissions(2 ether, 500 * E);
        address stranger = makeAddr("stranger");
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(LaminaServiceManager.OnlyOwner.selector, stranger));
        d.serviceManager.createAVSRewardsSubmission(list);
        d.serviceManager.createAVSRewardsSubmission(list);
        assertEq(address(d.rewardsCoordinator).balance, 2 ether, "ether locked");
        assertEq(d.tokens[3].balanceOf(address(d.rewardsCoordinator)), 500 * E, "token locked");
        assertEq(address(d.serviceManager).balance, 0, "nothing left at the AVS");
        assertEq(
            d.tokens[3].allowance(address(d.serviceManager), address(d.rewardsCoordinator)), 0, "no allowance left"
        );
        bytes32 hash = keccak256(abi.encode(address(d.serviceManager), uint256(0), list[0]));
        assertTrue(
            d.rewardsCoordinator.isAVSRewardsSubmissionHash(address(d.serviceManager), hash), "AVS is the submitter"
        );

        // 3. the updater posts operator 1's cumulative earnings; after the delay operator 1 claims both
        IERC20[] memory tokens = new IERC20[](2);
        tokens[0] = native;
        tokens[1] = IERC20(address(d.tokens[3]));
        uint256[] memory amounts = new uint256[](2);
        amounts[0] = 0.3 ether;
        amounts[1] = 80 * E;
        bytes32[] memory tokenLeaves = new bytes32[](2);
        for (uint256 j = 0; j < 2; ++j) {
            tokenLeaves[j] = d.rewardsCoordinator
                .calculateTokenLeafHash(IRewardsCoordinatorTypes.TokenTreeMerkleLeaf(tokens[j], amounts[j]));
        }
        bytes32 tokenRoot = Merkle.merkleizeKeccak(tokenLeaves);
        bytes32[] memory earnerLeaves = new bytes32[](3);
        for (uint256 i = 0; i < 3; ++i) {
            // operators 0 and 2 earn other amounts; only their leaves matter here
            earnerLeaves[i] = d.rewardsCoordinator
                .calculateEarnerLeafHash(
                    IRewardsCoordinatorTypes.EarnerTreeMerkleLeaf(ops[i], i == 1 ? tokenRoot : keccak256(abi.encode(i)))
                );
        }
        vm.warp(block.timestamp + 60 * 60 + 1);
        d.rewardsCoordinator.submitRoot(Merkle.merkleizeKeccak(earnerLeaves), uint32(block.timestamp - 1));
        vm.warp(block.timestamp + DEVNET_REWARDS_ACTIVATION_DELAY);

        IRewardsCoordinatorTypes.RewardsMerkleClaim memory claim;
        claim.earnerIndex = 1;
        claim.earnerTreeProof = Merkle.getProofKeccak(earnerLeaves, 1);
        claim.earnerLeaf = IRewardsCoordinatorTypes.EarnerTreeMerkleLeaf(ops[1], tokenRoot);
        claim.tokenIndices = new uint32[](2);
        claim.tokenTreeProofs = new bytes[](2);
        claim.tokenLeaves = new IRewardsCoordinatorTypes.TokenTreeMerkleLeaf[](2);
        for (uint256 j = 0; j < 2; ++j) {
            // forge-lint: disable-next-line(unsafe-typecast) -- j < 2
            claim.tokenIndices[j] = uint32(j);
            claim.tokenTreeProofs[j] = Merkle.getProofKeccak(tokenLeaves, j);
            claim.tokenLeaves[j] = IRewardsCoordinatorTypes.TokenTreeMerkleLeaf(tokens[j], amounts[j]);
        }
        address wallet = makeAddr("operator-1-wallet");
        vm.prank(ops[1]);
        d.rewardsCoordinator.processClaim(claim, wallet);
        assertEq(wallet.balance, 0.3 ether, "ether claimed");
        assertEq(d.tokens[3].balanceOf(wallet), 80 * E, "token claimed");
        assertEq(address(d.rewardsCoordinator).balance, 1.7 ether, "the rest stays for the others");
    }

    /// @notice Operator-directed rewards from the AVS's token balance: the coordinator pulls exactly the sum.
    function test_operatorDirectedSubmission_fundedFromTheAVSBalance() public {
        d.tokens[2].mint(address(d.serviceManager), 100 * E);
        (address low, address high) = ops[0] < ops[2] ? (ops[0], ops[2]) : (ops[2], ops[0]);
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[] memory list =
            new IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[](1);
        list[0].strategiesAndMultipliers = _strategies();
        list[0].token = IERC20(address(d.tokens[2]));
        list[0].operatorRewards = new IRewardsCoordinatorTypes.OperatorReward[](2);
        list[0].operatorRewards[0] = IRewardsCoordinatorTypes.OperatorReward(low, 25 * E);
        list[0].operatorRewards[1] = IRewardsCoordinatorTypes.OperatorReward(high, 35 * E);
        list[0].startTimestamp = uint32(block.timestamp - 2 hours);
        list[0].duration = 1 hours;
        list[0].description = "signed batches";
        d.serviceManager.createOperatorDirectedAVSRewardsSubmission(list);
        assertEq(d.tokens[2].balanceOf(address(d.rewardsCoordinator)), 60 * E, "the sum is locked");
        assertEq(d.tokens[2].balanceOf(address(d.serviceManager)), 40 * E, "the rest stays with the AVS");
        assertEq(
            d.tokens[2].allowance(address(d.serviceManager), address(d.rewardsCoordinator)), 0, "no allowance left"
        );
        bytes32 hash = keccak256(abi.encode(address(d.serviceManager), uint256(0), list[0]));
        assertTrue(
            d.rewardsCoordinator.isOperatorDirectedAVSRewardsSubmissionHash(address(d.serviceManager), hash), "recorded"
        );
    }

    function test_RevertIf_submittingWithoutCoordinator() public {
        LaminaServiceManager bare = new LaminaServiceManager(
            d.core.avsDirectory, d.registryCoordinator, d.thresholdRegistry, d.core.allocationManager, 50, address(this)
        );
        IRewardsCoordinatorTypes.RewardsSubmission[] memory list = _submissions(1, 1);
        vm.expectRevert(ILaminaServiceManagerErrors.RewardsCoordinatorNotSet.selector);
        bare.createAVSRewardsSubmission(list);
        address stranger = makeAddr("stranger");
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(LaminaServiceManager.OnlyOwner.selector, stranger));
        bare.setRewardsCoordinator(IRewardsCoordinator(address(d.rewardsCoordinator)));
    }
}
