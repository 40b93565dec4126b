// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FourOperatorFixture} from "./FourOperatorFixture.sol";
import {BN254} from "../../src/libraries/BN254.sol";
import {Merkle} from "../../src/libraries/Merkle.sol";
import {DATypes} from "../../src/da/DATypes.sol";
import {CertVerificationLib} from "../../src/da/CertVerificationLib.sol";

/// @title Builds DA certificates the way the disperser does: a batch of blob certificates, its Merkle root,
///        an inclusion proof and the operators' aggregate signature over the batch header.
abstract contract CertBuilder is FourOperatorFixture {
    using BN254 for BN254.G1Point;

    uint256 internal constant BATCH_SIZE = 3;

    /// @notice Blob certificate `i` of a test batch (distinct commitments, quorums `quorums`).
    function _blobCertificate(uint256 i, uint16 version, bytes memory quorums)
        internal
        view
        returns (DATypes.BlobCertificate memory c)
    {
        c.blobHeader.version = version;
        c.blobHeader.quorumNumbers = quorums;
        c.blobHeader.commitment.commitment = BN254.generatorG1().scalar_mul(i + 7);
        c.blobHeader.commitment.lengthCommitment = BN254.generatorG2();
        c.blobHeader.commitment.lengthProof = BN254.generatorG2();
        c.blobHeader.commitment.length = uint32(16 * (i + 1));
        c.blobHeader.paymentHeaderHash = keccak256(abi.encode("payment", i));
        c.signature = abi.encodePacked(keccak256(abi.encode("disperser signature", i)), bytes1(0x1b));
        c.relayKeys = new uint32[](2);
        (c.relayKeys[0], c.relayKeys[1]) = (0, uint32(i));
    }

    /// @notice A certificate for blob 1 of a 3-blob batch, signed over `signedQuorums` by all but `nonSigners`.
    function _buildCert(
        uint16 version,
        bytes memory blobQuorums,
        bytes memory signedQuorums,
        uint32 referenceBlock,
        uint256[] memory nonSigners
    ) internal view returns (DATypes.DACertV3 memory cert) {
        bytes32[] memory leaves = new bytes32[](BATCH_SIZE);
        for (uint256 i = 0; i < BATCH_SIZE; ++i) {
            DATypes.BlobCertificate memory c = _blobCertificate(i, version, blobQuorums);
            leaves[i] = Merkle.blobLeaf(CertVerificationLib.hashBlobCertificate(c));
            if (i == 1) cert.blobInclusionInfo.blobCertificate = c;
        }
        cert.batchHeader =
            DATypes.BatchHeaderV2({batchRoot: Merkle.merkleizeKeccak(leaves), referenceBlockNumber: referenceBlock});
        cert.blobInclusionInfo.blobIndex = 1;
        cert.blobInclusionInfo.inclusionProof = Merkle.getProofKeccak(leaves, 1);
        cert.signedQuorumNumbers = signedQuorums;
        cert.nonSignerStakesAndSignature = _signAndBuild(
            CertVerificationLib.hashBatchHeaderV2(cert.batchHeader), signedQuorums, referenceBlock, nonSigners
        );
    }
}
