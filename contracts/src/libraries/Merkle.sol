// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title Keccak binary Merkle trees with EigenDA's conventions.
/// @notice EigenDA v2 (and EigenLayer's `Merkle` library) build the batch tree as follows:
///         - leaf i = keccak256(abi.encodePacked(keccak256(blobCertificate_i))): the certificate hash is hashed
///           once more so a leaf can never be mistaken for an inner node's 64-byte preimage;
///         - the leaf list is padded with bytes32(0) to the next power of two;
///         - parent = keccak256(left || right); the proof is the concatenation of the siblings from the leaf
///           up (32 bytes each), and bit k of the leaf index says whether the running hash is a right child
///           (1) or a left child (0) at height k.
library Merkle {
    /// @notice The proof is not a whole number of 32-byte siblings: `length` bytes.
    error InvalidProofLength(uint256 length);
    /// @notice Leaf index `index` is outside a tree of `leafCount` (padded) leaves.
    error InvalidIndex(uint256 index, uint256 leafCount);

    /// @notice The leaf EigenDA stores for a blob certificate hash.
    function blobLeaf(bytes32 blobCertificateHash) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(blobCertificateHash));
    }

    /// @notice Whether `proof` takes `leaf` at `index` to `root`.
    function verifyInclusionKeccak(bytes memory proof, bytes32 root, bytes32 leaf, uint256 index)
        internal
        pure
        returns (bool)
    {
        return processInclusionProofKeccak(proof, leaf, index) == root;
    }

    /// @notice The root obtained by walking `proof` up from `leaf` at `index` (the leaf itself for an empty proof).
    function processInclusionProofKeccak(bytes memory proof, bytes32 leaf, uint256 index)
        internal
        pure
        returns (bytes32 computed)
    {
        if (proof.length % 32 != 0) revert InvalidProofLength(proof.length);
        computed = leaf;
        for (uint256 offset = 32; offset <= proof.length; offset += 32) {
            assembly ("memory-safe") {
                let sibling := mload(add(proof, offset))
                // even index: we are the left child; odd: the right child
                switch and(index, 1)
                case 0 {
                    mstore(0x00, computed)
                    mstore(0x20, sibling)
                }
                default {
                    mstore(0x00, sibling)
                    mstore(0x20, computed)
                }
                computed := keccak256(0x00, 0x40)
                index := shr(1, index)
            }
        }
    }

    /// @notice Root of the tree over `leaves`, zero-padded to a power of two (the root of one leaf is the leaf).
    function merkleizeKeccak(bytes32[] memory leaves) internal pure returns (bytes32) {
        bytes32[] memory layer = _paddedLayer(leaves);
        for (uint256 width = layer.length; width > 1; width /= 2) {
            for (uint256 i = 0; i < width / 2; ++i) {
                layer[i] = keccak256(abi.encodePacked(layer[2 * i], layer[2 * i + 1]));
            }
        }
        return layer[0];
    }

    /// @notice The inclusion proof of leaf `index` in the tree `merkleizeKeccak(leaves)` commits to.
    function getProofKeccak(bytes32[] memory leaves, uint256 index) internal pure returns (bytes memory proof) {
        bytes32[] memory layer = _paddedLayer(leaves);
        if (index >= layer.length) revert InvalidIndex(index, layer.length);
        for (uint256 width = layer.length; width > 1; width /= 2) {
            proof = abi.encodePacked(proof, layer[index ^ 1]);
            index /= 2;
            for (uint256 i = 0; i < width / 2; ++i) {
                layer[i] = keccak256(abi.encodePacked(layer[2 * i], layer[2 * i + 1]));
            }
        }
    }

    function _paddedLayer(bytes32[] memory leaves) private pure returns (bytes32[] memory layer) {
        uint256 width = 1;
        while (width < leaves.length) width *= 2;
        layer = new bytes32[](width);
        for (uint256 i = 0; i < leaves.length; ++i) {
            layer[i] = leaves[i];
        }
    }
}
