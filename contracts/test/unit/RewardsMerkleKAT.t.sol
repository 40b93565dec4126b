// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {RewardsCoordinatorFixture} from "../harnesses/RewardsCoordinatorFixture.sol";
import {IRewardsCoordinatorTypes} from "../../src/interfaces/IRewardsCoordinator.sol";
import {Merkle} from "../../src/libraries/Merkle.sol";

/// @title The known-answer vector of docs/architecture.md ("Rewards"), which the off-chain calculator must
///        reproduce byte for byte. The hashes were computed independently of Solidity with `cast keccak` over the
///        packed preimages (see the doc); this test checks the coordinator and `Merkle` agree, then claims with it.
contract RewardsMerkleKATTest is RewardsCoordinatorFixture {
    address internal constant T0 = 0x1111111111111111111111111111111111111111;
    address internal constant T1 = 0x2222222222222222222222222222222222222222;
    address internal constant EARNER_A = 0xaAaAaAaaAaAaAaaAaAAAAAAAAaaaAaAaAaaAaaAa;
    address internal constant EARNER_B = 0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB;
    address internal constant EARNER_C = 0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC;

    bytes32 internal constant TOKEN_LEAF_A_T0 = 0x432cf5dd28cf2cf9e780c8ecee9187eacade1b2058a980622784eb2fe4ce9cca;
    bytes32 internal constant TOKEN_LEAF_A_T1 = 0xf0f616672bed3bbcabb3f9fb28a144d14653346a0799d61b72c1547ed0447979;
    bytes32 internal constant TOKEN_ROOT_A = 0x14a21716105051ba1cd0cf0df5bb5bc00183d7935ae1ffa13c328c6ed8a552eb;
    bytes32 internal constant TOKEN_ROOT_B = 0xdfd9451f4881b9ed558eaa6f636faf9aabffa000b58faccc6e53a3cb1e257a79;
    bytes32 internal constant TOKEN_ROOT_C = 0xd067245fe3e2a9111e4dc84beeb39f26ae955405855458110f7b6ec5cb6f8ed9;
    bytes32 internal constant EARNER_LEAF_A = 0x6bc74e06301b0ed95aa1bc9f8ae6eaeea49f2f0c4d497435630e9a07775aa078;
    bytes32 internal constant EARNER_LEAF_B = 0x4ff3ad48a98385d35a27d3987650af11b41104101e4122a6ab18b3756ba844ee;
    bytes32 internal constant EARNER_LEAF_C = 0x5bd000e5682cb26fb81cf88526d2334d4ac3a388625e602b4c95f9b0a9f3af9d;
    bytes32 internal constant NODE_AB = 0xe13615f29038f61f2ad80e47ebbae96cfa3af772eeaec920f5175eb8cbbf5180;
    bytes32 internal constant NODE_C0 = 0x841ac4f57ff21265a6d574ceb9fbe4f96f3923a511f0efea29fa9c9b8e01162f;
    bytes32 internal constant ROOT = 0xea308d676507bc1b79d884e6aadea9b3a6430c1d662a46aa69e0cd3a94e0d5c8;

    function _vector() internal pure returns (Earnings[] memory all) {
        all = new Earnings[](3);
        all[0].earner = EARNER_A;
        all[0].tokens = new IERC20[](2);
        all[0].tokens[0] = IERC20(T0);
        all[0].tokens[1] = IERC20(T1);
        all[0].cumulative = new uint256[](2);
        all[0].cumulative[0] = 1000;
        all[0].cumulative[1] = 2500;
        all[1] = _earning(EARNER_B, IERC20(T0), 7);
        all[2] = _earning(EARNER_C, IERC20(T1), 123456789);
    }

    function test_kat_leavesNodesAndRoot() public view {
        Earnings[] memory all = _vector();
        bytes32[] memory tokenLeavesA = _tokenLeaves(all[0]);
        assertEq(tokenLeavesA[0], TOKEN_LEAF_A_T0, "token leaf (A, T0, 1000)");
        assertEq(tokenLeavesA[1], TOKEN_LEAF_A_T1, "token leaf (A, T1, 2500)");
        assertEq(Merkle.merkleizeKeccak(tokenLeavesA), TOKEN_ROOT_A, "token root A");
        assertEq(Merkle.merkleizeKeccak(_tokenLeaves(all[1])), TOKEN_ROOT_B, "token root B = its one leaf");
        assertEq(Merkle.merkleizeKeccak(_tokenLeaves(all[2])), TOKEN_ROOT_C, "token root C = its one leaf");
        bytes32[] memory earnerLeaves = _earnerLeaves(all);
        assertEq(earnerLeaves[0], EARNER_LEAF_A, "earner leaf A");
        assertEq(earnerLeaves[1], EARNER_LEAF_B, "earner leaf B");
        assertEq(earnerLeaves[2], EARNER_LEAF_C, "earner leaf C");
        assertEq(keccak256(abi.encodePacked(EARNER_LEAF_A, EARNER_LEAF_B)), NODE_AB, "node (A, B)");
        assertEq(keccak256(abi.encodePacked(EARNER_LEAF_C, bytes32(0))), NODE_C0, "node (C, zero pad)");
        assertEq(_root(all), ROOT, "root");
    }

    function test_kat_proofs() public view {
        Earnings[] memory all = _vector();
        assertEq(
            Merkle.getProofKeccak(_earnerLeaves(all), 2), abi.encodePacked(bytes32(0), NODE_AB), "earner C's proof"
        );
        assertEq(Merkle.getProofKeccak(_tokenLeaves(all[0]), 1), abi.encodePacked(TOKEN_LEAF_A_T0), "A's T1 proof");
        assertEq(Merkle.getProofKeccak(_tokenLeaves(all[1]), 0), bytes(""), "B's single token: empty proof");
    }

    /// @notice The vector's claim for earner C verifies on chain: earner index 2, proof [0, NODE_AB].
    function test_kat_claimVerifies() public {
        _postAndActivate(ROOT);
        IRewardsCoordinatorTypes.RewardsMerkleClaim memory claim;
        claim.rootIndex = 0;
        claim.earnerIndex = 2;
        claim.earnerTreeProof = abi.encodePacked(bytes32(0), NODE_AB);
        claim.earnerLeaf = IRewardsCoordinatorTypes.EarnerTreeMerkleLeaf(EARNER_C, TOKEN_ROOT_C);
        claim.tokenIndices = new uint32[](1);
        claim.tokenTreeProofs = new bytes[](1);
        claim.tokenLeaves = new IRewardsCoordinatorTypes.TokenTreeMerkleLeaf[](1);
        claim.tokenLeaves[0] = IRewardsCoordinatorTypes.TokenTreeMerkleLeaf(IERC20(T1), 123456789);
        assertTrue(rewards.checkClaim(claim), "earner C");

        claim.earnerIndex = 0;
        claim.earnerTreeProof = abi.encodePacked(EARNER_LEAF_B, NODE_C0);
        claim.earnerLeaf = IRewardsCoordinatorTypes.EarnerTreeMerkleLeaf(EARNER_A, TOKEN_ROOT_A);
        claim.tokenIndices[0] = 1;
        claim.tokenTreeProofs[0] = abi.encodePacked(TOKEN_LEAF_A_T0);
        claim.tokenLeaves[0] = IRewardsCoordinatorTypes.TokenTreeMerkleLeaf(IERC20(T1), 2500);
        assertTrue(rewards.checkClaim(claim), "earner A, token T1");
    }
}
