// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BN254} from "../libraries/BN254.sol";
import {IBLSSignatureChecker} from "../middleware/interfaces/IBLSSignatureChecker.sol";

/// @title Lamina's DA data types, laid out exactly like EigenDA's (`EigenDATypesV1`/`V2`, `EigenDACertTypes`),
///        so a Lamina certificate ABI-encodes byte for byte like an EigenDA V3 certificate.
/// @notice The Rust side generates its bindings for these structs from the forge artifacts.
library DATypes {
    /// @notice Erasure-coding parameters of a blob version.
    struct VersionedBlobParams {
        uint32 maxNumOperators;
        uint32 numChunks;
        uint8 codingRate;
    }

    /// @notice Percentages of quorum stake: a batch confirms with `confirmationThreshold`; safety holds against
    ///         an adversary with less than `adversaryThreshold`.
    struct SecurityThresholds {
        uint8 confirmationThreshold;
        uint8 adversaryThreshold;
    }

    /// @notice A batch anchored on chain by `confirmBatch` (EigenDA v1 `BatchHeader`): the root of its blob
    ///         headers, the quorums that signed, one threshold percentage byte per quorum, the reference block.
    struct BatchHeader {
        bytes32 blobHeadersRoot;
        bytes quorumNumbers;
        bytes signedStakeForQuorums;
        uint32 referenceBlockNumber;
    }

    /// @notice What operators sign for a `confirmBatch` batch: keccak256(abi.encode(ReducedBatchHeader)).
    struct ReducedBatchHeader {
        bytes32 blobHeadersRoot;
        uint32 referenceBlockNumber;
    }

    /// @notice A v2 batch header: operators sign keccak256(abi.encode(BatchHeaderV2)).
    struct BatchHeaderV2 {
        bytes32 batchRoot;
        uint32 referenceBlockNumber;
    }

    /// @notice KZG commitment to a blob, and the commitment/proof of its length (degree bound).
    struct BlobCommitment {
        BN254.G1Point commitment;
        BN254.G2Point lengthCommitment;
        BN254.G2Point lengthProof;
        uint32 length;
    }

    /// @notice A v2 blob header.
    struct BlobHeaderV2 {
        uint16 version;
        bytes quorumNumbers;
        BlobCommitment commitment;
        bytes32 paymentHeaderHash;
    }

    /// @notice A blob header with the disperser's signature and the relays serving the blob.
    struct BlobCertificate {
        BlobHeaderV2 blobHeader;
        bytes signature;
        uint32[] relayKeys;
    }

    /// @notice Where a blob certificate sits in its batch's Merkle tree.
    struct BlobInclusionInfo {
        BlobCertificate blobCertificate;
        uint32 blobIndex;
        bytes inclusionProof;
    }

    /// @notice The DA certificate `CertVerifier.checkDACert` accepts (EigenDA `EigenDACertV3` layout).
    /// @dev `batchHeader.referenceBlockNumber` sits at bytes 32..64 of the ABI encoding, as EigenDA requires.
    struct DACertV3 {
        BatchHeaderV2 batchHeader;
        BlobInclusionInfo blobInclusionInfo;
        IBLSSignatureChecker.NonSignerStakesAndSignature nonSignerStakesAndSignature;
        bytes signedQuorumNumbers;
    }
}
