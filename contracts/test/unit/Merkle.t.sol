// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LaminaTest} from "../utils/LaminaTest.sol";
import {Merkle} from "../../src/libraries/Merkle.sol";

contract MerkleTest is LaminaTest {
    function _leaves(uint256 n, uint256 seed) internal pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            leaves[i] = Merkle.blobLeaf(keccak256(abi.encode(seed, i)));
        }
    }

    function test_knownRoot_fourLeaves() public pure {
        bytes32[] memory l = _leaves(4, 7);
        bytes32 expected = keccak256(
            abi.encodePacked(keccak256(abi.encodePacked(l[0], l[1])), keccak256(abi.encodePacked(l[2], l[3])))
        );
        assertEq(Merkle.merkleizeKeccak(l), expected);
    }

    function test_padsWithZeroLeaves() public pure {
        bytes32[] memory l = _leaves(3, 9);
        bytes32 expected = keccak256(
            abi.encodePacked(keccak256(abi.encodePacked(l[0], l[1])), keccak256(abi.encodePacked(l[2], bytes32(0))))
        );
        assertEq(Merkle.merkleizeKeccak(l), expected);
    }

    function test_singleLeafIsRoot() public pure {
        bytes32[] memory l = _leaves(1, 1);
        assertEq(Merkle.merkleizeKeccak(l), l[0]);
        assertEq(Merkle.getProofKeccak(l, 0).length, 0);
        assertTrue(Merkle.verifyInclusionKeccak("", l[0], l[0], 0));
    }

    function testFuzz_proofsVerify(uint256 n, uint256 index, uint256 seed) public pure {
        n = bound(n, 1, 40);
        index = bound(index, 0, n - 1);
        bytes32[] memory l = _leaves(n, seed);
        bytes32 root = Merkle.merkleizeKeccak(l);
        bytes memory proof = Merkle.getProofKeccak(l, index);
        assertTrue(Merkle.verifyInclusionKeccak(proof, root, l[index], index), "valid proof");
        // a wrong index or a wrong leaf fails (n > 1 so the sibling differs)
        if (n > 1) {
            assertFalse(Merkle.verifyInclusionKeccak(proof, root, l[index], index ^ 1), "wrong index");
        }
        assertFalse(Merkle.verifyInclusionKeccak(proof, root, keccak256("other"), index), "wrong leaf");
    }
}
