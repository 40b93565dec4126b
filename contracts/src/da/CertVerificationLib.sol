// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BitmapUtils} from "../libraries/BitmapUtils.sol";
import {Merkle} from "../libraries/Merkle.sol";
import {IBLSSignatureChecker} from "../middleware/interfaces/IBLSSignatureChecker.sol";
import {DATypes} from "./DATypes.sol";
import {IThresholdRegistry} from "./interfaces/IThresholdRegistry.sol";

/// @title The checks behind `CertVerifier.checkDACert`, and EigenDA's v2 hashing of batch and blob headers.
/// @notice Every failed check reverts with a custom error; `CertVerifier` maps those to a status code.
library CertVerificationLib {
    /// @notice Percent denominator.
    uint256 internal constant THRESHOLD_DENOMINATOR = 100;
    /// @notice At most this many signed quorums per certificate (EigenDA: 5).
    uint256 internal constant MAX_QUORUM_COUNT = 5;
    /// @notice At most this many (non-signer, quorum) pairs per certificate (EigenDA: 415).
    uint256 internal constant MAX_NONSIGNER_COUNT_ALL_QUORUM = 415;

    /// @notice The blob certificate (leaf `leaf`) is not at `blobIndex` under `root`.
    error InvalidInclusionProof(uint32 blobIndex, bytes32 leaf, bytes32 root);
    /// @notice Blob version `version` is unknown (valid versions are below `nextBlobVersion`).
    error InvalidBlobVersion(uint16 version, uint16 nextBlobVersion);
    /// @notice The blob version's parameters are not safe under the verifier's thresholds.
    error SecurityAssumptionsNotMet(
        uint8 confirmationThreshold,
        uint8 adversaryThreshold,
        uint8 codingRate,
        uint32 numChunks,
        uint32 maxNumOperators
    );
    /// @notice The blob's quorums (`blobQuorumsBitmap`) are not all confirmed (`confirmedQuorumsBitmap`).
    error BlobQuorumsNotSubset(uint256 blobQuorumsBitmap, uint256 confirmedQuorumsBitmap);
    /// @notice The required quorums (`requiredQuorumsBitmap`) are not all among the blob's quorums.
    error RequiredQuorumsNotSubset(uint256 requiredQuorumsBitmap, uint256 blobQuorumsBitmap);
    /// @notice More than `MAX_QUORUM_COUNT` signed quorums: `count`.
    error QuorumCountExceedsMaximum(uint256 count);
    /// @notice More than `MAX_NONSIGNER_COUNT_ALL_QUORUM` (non-signer, quorum) pairs: `count`.
    error NonSignerCountExceedsMaximum(uint256 count);

    /// @notice Runs every check on `cert`; reverts on the first failure.
    function checkDACert(
        IThresholdRegistry thresholdRegistry,
        IBLSSignatureChecker signatureVerifier,
        DATypes.DACertV3 memory cert,
        DATypes.SecurityThresholds memory thresholds,
        bytes memory requiredQuorumNumbers
    ) internal view {
        checkBlobInclusion(cert.batchHeader, cert.blobInclusionInfo);
        checkSecurityParams(thresholdRegistry, cert.blobInclusionInfo.blobCertificate.blobHeader.version, thresholds);
        uint256 confirmed = checkSignaturesAndBuildConfirmedQuorums(
            signatureVerifier,
            hashBatchHeaderV2(cert.batchHeader),
            cert.signedQuorumNumbers,
            cert.batchHeader.referenceBlockNumber,
            cert.nonSignerStakesAndSignature,
            thresholds
        );
        // required ⊆ blob quorums ⊆ confirmed ⊆ signed (the last by construction)
        checkQuorumSubsets(
            requiredQuorumNumbers, cert.blobInclusionInfo.blobCertificate.blobHeader.quorumNumbers, confirmed
        );
    }

    /// @notice The blob certificate's leaf keccak256(abi.encodePacked(certHash)) is at `blobIndex` under `batchRoot`.
    function checkBlobInclusion(DATypes.BatchHeaderV2 memory batchHeader, DATypes.BlobInclusionInfo memory info)
        internal
        pure
    {
        bytes32 leaf = Merkle.blobLeaf(hashBlobCertificate(info.blobCertificate));
        if (!Merkle.verifyInclusionKeccak(info.inclusionProof, batchHeader.batchRoot, leaf, info.blobIndex)) {
            revert InvalidInclusionProof(info.blobIndex, leaf, batchHeader.batchRoot);
        }
    }

    /// @notice The blob version exists and its parameters satisfy the security inequality under `thresholds`.
    function checkSecurityParams(
        IThresholdRegistry thresholdRegistry,
        uint16 blobVersion,
        DATypes.SecurityThresholds memory thresholds
    ) internal view {
        uint16 next = thresholdRegistry.nextBlobVersion();
        if (blobVersion >= next) revert InvalidBlobVersion(blobVersion, next);
        DATypes.VersionedBlobParams memory p = thresholdRegistry.getBlobParams(blobVersion);
        if (
            p.maxNumOperators > p.numChunks || thresholds.confirmationThreshold < thresholds.adversaryThreshold
                || uint256(p.codingRate) * (p.numChunks - p.maxNumOperators)
                        * (thresholds.confirmationThreshold - thresholds.adversaryThreshold)
                    < THRESHOLD_DENOMINATOR * p.numChunks
        ) {
            revert SecurityAssumptionsNotMet(
                thresholds.confirmationThreshold,
                thresholds.adversaryThreshold,
                p.codingRate,
                p.numChunks,
                p.maxNumOperators
            );
        }
    }

    /// @notice Checks the aggregate signature and returns the bitmap of signed quorums whose signed stake
    ///         reaches the confirmation threshold.
    function checkSignaturesAndBuildConfirmedQuorums(
        IBLSSignatureChecker signatureVerifier,
        bytes32 batchHash,
        bytes memory signedQuorumNumbers,
        uint32 referenceBlockNumber,
        IBLSSignatureChecker.NonSignerStakesAndSignature memory params,
        DATypes.SecurityThresholds memory thresholds
    ) internal view returns (uint256 confirmed) {
        if (signedQuorumNumbers.length > MAX_QUORUM_COUNT) {
            revert QuorumCountExceedsMaximum(signedQuorumNumbers.length);
        }
        uint256 pairs;
        for (uint256 i = 0; i < params.nonSignerStakeIndices.length; ++i) {
            pairs += params.nonSignerStakeIndices[i].length;
        }
        if (pairs > MAX_NONSIGNER_COUNT_ALL_QUORUM) revert NonSignerCountExceedsMaximum(pairs);

        (IBLSSignatureChecker.QuorumStakeTotals memory totals,) =
            signatureVerifier.checkSignatures(batchHash, signedQuorumNumbers, referenceBlockNumber, params);
        confirmed = confirmedQuorums(
            signedQuorumNumbers, totals.totalStakeForQuorum, totals.signedStakeForQuorum, thresholds.confirmationThreshold
        );
    }

    /// @notice The bitmap of `quorumNumbers` whose signed stake reaches `confirmationThreshold` percent of a
    ///         non-zero total: `total > 0 && signed*100 >= total*threshold`. A quorum without stake is never
    ///         confirmed (`0 >= 0` would confirm it for any signature).
    function confirmedQuorums(
        bytes memory quorumNumbers,
        uint96[] memory totalStakeForQuorum,
        uint96[] memory signedStakeForQuorum,
        uint8 confirmationThreshold
    ) internal pure returns (uint256 confirmed) {
        for (uint256 i = 0; i < quorumNumbers.length; ++i) {
            if (
                totalStakeForQuorum[i] != 0
                    && uint256(signedStakeForQuorum[i]) * THRESHOLD_DENOMINATOR
                        >= uint256(totalStakeForQuorum[i]) * confirmationThreshold
            ) {
                confirmed = BitmapUtils.setBit(confirmed, uint8(quorumNumbers[i]));
            }
        }
    }

    /// @notice required ⊆ blob quorums ⊆ confirmed.
    function checkQuorumSubsets(bytes memory requiredQuorumNumbers, bytes memory blobQuorumNumbers, uint256 confirmed)
        internal
        pure
    {
        uint256 blobQuorums = BitmapUtils.orderedBytesArrayToBitmap(blobQuorumNumbers);
        if (!BitmapUtils.isSubsetOf(blobQuorums, confirmed)) revert BlobQuorumsNotSubset(blobQuorums, confirmed);
        uint256 required = BitmapUtils.orderedBytesArrayToBitmap(requiredQuorumNumbers);
        if (!BitmapUtils.isSubsetOf(required, blobQuorums)) revert RequiredQuorumsNotSubset(required, blobQuorums);
    }

    /// @notice keccak256(abi.encode(batchHeader)): the message operators sign.
    function hashBatchHeaderV2(DATypes.BatchHeaderV2 memory batchHeader) internal pure returns (bytes32) {
        return keccak256(abi.encode(batchHeader));
    }

    /// @notice keccak256(abi.encode(keccak256(abi.encode(version, quorumNumbers, commitment)), paymentHeaderHash)).
    function hashBlobHeaderV2(DATypes.BlobHeaderV2 memory blobHeader) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256(abi.encode(blobHeader.version, blobHeader.quorumNumbers, blobHeader.commitment)),
                blobHeader.paymentHeaderHash
            )
        );
    }

    /// @notice keccak256(abi.encode(hashBlobHeaderV2(header), signature, relayKeys)).
    function hashBlobCertificate(DATypes.BlobCertificate memory blobCertificate) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                hashBlobHeaderV2(blobCertificate.blobHeader), blobCertificate.signature, blobCertificate.relayKeys
            )
        );
    }
}
