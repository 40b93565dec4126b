// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BN254} from "../../src/libraries/BN254.sol";
import {Merkle} from "../../src/libraries/Merkle.sol";
import {DATypes} from "../../src/da/DATypes.sol";
import {CertVerificationLib} from "../../src/da/CertVerificationLib.sol";

/// @title Exposes the contracts' internal hashing, hash-to-curve and Merkle code to `eth_call`, so that
///        lamina-core's Rust implementations can be compared with them on random inputs (differential tests in
///        `core/tests/chain_differential.rs`).
contract CoreDifferentialHarness {
    /// @notice BN254.hashToG1.
    function hashToG1(bytes32 h) external view returns (BN254.G1Point memory) {
        return BN254.hashToG1(h);
    }

    /// @notice BN254.hashG1Point: the operator id of a G1 public key.
    function hashG1Point(BN254.G1Point memory p) external pure returns (bytes32) {
        return BN254.hashG1Point(p);
    }

    /// @notice The blob key.
    function hashBlobHeaderV2(DATypes.BlobHeaderV2 memory header) external pure returns (bytes32) {
        return CertVerificationLib.hashBlobHeaderV2(header);
    }

    /// @notice The blob certificate hash.
    function hashBlobCertificate(DATypes.BlobCertificate memory cert) external pure returns (bytes32) {
        return CertVerificationLib.hashBlobCertificate(cert);
    }

    /// @notice The batch header hash operators sign.
    function hashBatchHeaderV2(DATypes.BatchHeaderV2 memory header) external pure returns (bytes32) {
        return CertVerificationLib.hashBatchHeaderV2(header);
    }

    /// @notice The Merkle leaf of a certificate hash.
    function blobLeaf(bytes32 certHash) external pure returns (bytes32) {
        return Merkle.blobLeaf(certHash);
    }

    /// @notice Root of the zero-padded keccak tree over `leaves`.
    function merkleizeKeccak(bytes32[] memory leaves) external pure returns (bytes32) {
        return Merkle.merkleizeKeccak(leaves);
    }

    /// @notice Merkle.verifyInclusionKeccak.
    function verifyInclusionKeccak(bytes memory proof, bytes32 root, bytes32 leaf, uint256 index)
        external
        pure
        returns (bool)
    {
        return Merkle.verifyInclusionKeccak(proof, root, leaf, index);
    }

    /// @notice Decodes `abi.encode(DACertV3)` as CertVerifier.checkDACert does and returns the hashes the check
    ///         uses: batch header hash, blob key, certificate hash.
    function decodeCertAndHash(bytes calldata data) external pure returns (bytes32, bytes32, bytes32) {
        DATypes.DACertV3 memory cert = abi.decode(data, (DATypes.DACertV3));
        return (
            CertVerificationLib.hashBatchHeaderV2(cert.batchHeader),
            CertVerificationLib.hashBlobHeaderV2(cert.blobInclusionInfo.blobCertificate.blobHeader),
            CertVerificationLib.hashBlobCertificate(cert.blobInclusionInfo.blobCertificate)
        );
    }
}
