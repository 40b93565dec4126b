// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BN254} from "../../libraries/BN254.sol";

/// @title Errors of the BLS signature checker.
interface IBLSSignatureCheckerErrors {
    /// @notice No quorum numbers given.
    error InputEmptyQuorumNumbers();
    /// @notice The per-quorum arrays do not all have one entry per quorum number.
    error InputArrayLengthMismatch();
    /// @notice `nonSignerPubkeys` and `nonSignerQuorumBitmapIndices` differ in length.
    error InputNonSignerLengthMismatch();
    /// @notice The reference block `referenceBlockNumber` is not in the past (current block `blockNumber`).
    error InvalidReferenceBlocknumber(uint32 referenceBlockNumber, uint256 blockNumber);
    /// @notice Non-signer keys must be sorted by strictly ascending hash; index `index` breaks the order.
    error NonSignerPubkeysNotSorted(uint256 index);
    /// @notice The quorum's stakes were last refreshed at `updateBlockNumber`, too long before the reference block.
    error StaleStakesForbidden(uint8 quorumNumber, uint256 updateBlockNumber, uint32 referenceBlockNumber);
    /// @notice The aggregate key given for `quorumNumber` is not the one registered at the reference block.
    error InvalidQuorumApkHash(uint8 quorumNumber);
    /// @notice The pairing precompile rejected the input (a point off the curve or not in the subgroup).
    error InvalidBLSPairingKey();
    /// @notice The aggregate signature does not verify.
    error InvalidBLSSignature();
    /// @notice Quorum `quorumNumber` has `given` non-signer stake indices but `expected` non-signers registered in it.
    error NonSignerStakeIndicesLengthMismatch(uint8 quorumNumber, uint256 given, uint256 expected);
    /// @notice The non-signers' stakes in `quorumNumber` exceed its total stake (inconsistent history indices).
    error NonSignerStakeExceedsTotal(uint8 quorumNumber);
    /// @notice The aggregate key of `quorumNumber` is the point at infinity: the quorum has no operator (and no
    ///         stake), so nobody can sign for it.
    error QuorumApkAtInfinity(uint8 quorumNumber);
    /// @notice The signers' G2 aggregate key is the point at infinity.
    error ApkG2AtInfinity();
    /// @notice The aggregate signature is the point at infinity.
    error SigmaAtInfinity();
    /// @notice Non-signer key `index` is the point at infinity.
    error NonSignerPubkeyAtInfinity(uint256 index);
    /// @notice Only the RegistryCoordinator's owner may call this function; `caller` is not it.
    error OnlyRegistryCoordinatorOwner(address caller);
}

/// @title Checks aggregate BLS signatures of a registry's operators against their stake (EigenLayer ABI).
interface IBLSSignatureChecker is IBLSSignatureCheckerErrors {
    /// @notice What a signature aggregator supplies: the non-signers and the history indices that let the
    ///         checker look up keys, bitmaps and stakes at the reference block in O(1) each.
    struct NonSignerStakesAndSignature {
        uint32[] nonSignerQuorumBitmapIndices;
        BN254.G1Point[] nonSignerPubkeys;
        BN254.G1Point[] quorumApks;
        BN254.G2Point apkG2;
        BN254.G1Point sigma;
        uint32[] quorumApkIndices;
        uint32[] totalStakeIndices;
        uint32[][] nonSignerStakeIndices;
    }

    /// @notice Signed and total stake per quorum, in the order of the checked quorum numbers.
    struct QuorumStakeTotals {
        uint96[] signedStakeForQuorum;
        uint96[] totalStakeForQuorum;
    }

    /// @notice Scratch space of `checkSignatures`.
    struct NonSignerInfo {
        uint256[] quorumBitmaps;
        bytes32[] pubkeyHashes;
    }

    /// @notice Whether stale stakes are rejected changed.
    event StaleStakesForbiddenUpdate(bool value);
    /// @notice The staleness window changed.
    event StaleStakesWindowUpdate(uint32 windowBlocks);

    /// @notice Checks the aggregate signature `params.sigma` over `msgHash` by all operators of `quorumNumbers`
    ///         at `referenceBlockNumber` except the listed non-signers, and returns the stake that signed.
    /// @return quorumStakeTotals signed and total stake per quorum
    /// @return signatoryRecordHash keccak256(abi.encodePacked(referenceBlockNumber, nonSignerOperatorIds))
    function checkSignatures(
        bytes32 msgHash,
        bytes calldata quorumNumbers,
        uint32 referenceBlockNumber,
        NonSignerStakesAndSignature memory params
    ) external view returns (QuorumStakeTotals memory, bytes32);

    /// @notice One gamma-randomised pairing checking both e(sigma, G2) = e(H(m), apkG2) and that `apk`
    ///         (G1) and `apkG2` share a secret: returns (precompile succeeded, signature valid).
    function trySignatureAndApkVerification(
        bytes32 msgHash,
        BN254.G1Point memory apk,
        BN254.G2Point memory apkG2,
        BN254.G1Point memory sigma
    ) external view returns (bool pairingSuccessful, bool signatureIsValid);
}
