// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BN254} from "../libraries/BN254.sol";
import {BitmapUtils} from "../libraries/BitmapUtils.sol";
import {IBLSSignatureChecker} from "./interfaces/IBLSSignatureChecker.sol";
import {IRegistryCoordinator} from "./interfaces/IRegistryCoordinator.sol";
import {IBLSApkRegistry} from "./interfaces/IBLSApkRegistry.sol";
import {IStakeRegistry} from "./interfaces/IStakeRegistry.sol";

/// @title Checks an aggregate BLS signature of a registry's operators and reports the stake behind it.
/// @notice Same ABI, algorithm and return values as eigenlayer-middleware's `BLSSignatureChecker`:
///         the signers' aggregate key is (sum of the quorums' aggregate keys at the reference block) minus
///         (each non-signer's key times the number of signing quorums it belongs to); the signed stake per
///         quorum is the total minus the non-signers' stakes; one gamma-randomised pairing checks the signature
///         and that the supplied G2 aggregate key matches the G1 one.
/// @dev Deviation: upstream's staleness window is the DelegationManager's `minWithdrawalDelayBlocks()`. Our
///      `IDelegationManager` does not expose it, so the window is a parameter set by the coordinator's owner.
contract BLSSignatureChecker is IBLSSignatureChecker {
    using BN254 for BN254.G1Point;

    /// @notice Gas given to the pairing precompile (2 pairings cost 113k gas since EIP-1108).
    uint256 internal constant PAIRING_EQUALITY_CHECK_GAS = 120000;

    /// @notice The coordinator whose operators sign.
    IRegistryCoordinator public immutable registryCoordinator;
    /// @notice Its stake registry.
    IStakeRegistry public immutable stakeRegistry;
    /// @notice Its BLS key registry.
    IBLSApkRegistry public immutable blsApkRegistry;

    /// @notice Whether signatures over stakes older than `staleStakesWindowBlocks` are rejected.
    bool public staleStakesForbidden;
    /// @notice With `staleStakesForbidden`, a quorum's stakes must have been refreshed (updateOperatorsForQuorum)
    ///         less than this many blocks before the reference block.
    uint32 public staleStakesWindowBlocks;

    modifier onlyCoordinatorOwner() {
        if (msg.sender != registryCoordinator.owner()) revert OnlyRegistryCoordinatorOwner(msg.sender);
        _;
    }

    /// @param coordinator the RegistryCoordinator (already wired to its registries)
    constructor(IRegistryCoordinator coordinator) {
        registryCoordinator = coordinator;
        stakeRegistry = coordinator.stakeRegistry();
        blsApkRegistry = coordinator.blsApkRegistry();
    }

    /// @notice Turns the staleness check on or off.
    function setStaleStakesForbidden(bool value) external onlyCoordinatorOwner {
        staleStakesForbidden = value;
        emit StaleStakesForbiddenUpdate(value);
    }

    /// @notice Sets the staleness window in blocks.
    function setStaleStakesWindowBlocks(uint32 windowBlocks) external onlyCoordinatorOwner {
        staleStakesWindowBlocks = windowBlocks;
        emit StaleStakesWindowUpdate(windowBlocks);
    }

    /// @inheritdoc IBLSSignatureChecker
    function checkSignatures(
        bytes32 msgHash,
        bytes calldata quorumNumbers,
        uint32 referenceBlockNumber,
        NonSignerStakesAndSignature memory params
    ) public view returns (QuorumStakeTotals memory, bytes32) {
        if (quorumNumbers.length == 0) revert InputEmptyQuorumNumbers();
        if (
            quorumNumbers.length != params.quorumApks.length || quorumNumbers.length != params.quorumApkIndices.length
                || quorumNumbers.length != params.totalStakeIndices.length
                || quorumNumbers.length != params.nonSignerStakeIndices.length
        ) revert InputArrayLengthMismatch();
        if (params.nonSignerPubkeys.length != params.nonSignerQuorumBitmapIndices.length) {
            revert InputNonSignerLengthMismatch();
        }
        if (referenceBlockNumber >= uint32(block.number)) {
            revert InvalidReferenceBlocknumber(referenceBlockNumber, block.number);
        }
        // A key or signature at infinity contributes nothing: with every one of them at infinity the pairing
        // holds for any message (issue 13's forged certificate over an empty quorum). Refuse them outright.
        if (_isInfinityG2(params.apkG2)) revert ApkG2AtInfinity();
        if (_isInfinityG1(params.sigma)) revert SigmaAtInfinity();

        // Accumulate the non-signers' keys (each times its number of signing quorums), then negate and add the
        // quorum apks: what remains is the signers' aggregate key.
        BN254.G1Point memory apk = BN254.G1Point(0, 0);
        QuorumStakeTotals memory stakeTotals;
        stakeTotals.totalStakeForQuorum = new uint96[](quorumNumbers.length);
        stakeTotals.signedStakeForQuorum = new uint96[](quorumNumbers.length);

        NonSignerInfo memory nonSigners;
        nonSigners.quorumBitmaps = new uint256[](params.nonSignerPubkeys.length);
        nonSigners.pubkeyHashes = new bytes32[](params.nonSignerPubkeys.length);

        {
            // Also validates that the quorum numbers are ascending, unique and existing.
            uint256 signingQuorumBitmap =
                BitmapUtils.orderedBytesArrayToBitmap(quorumNumbers, registryCoordinator.quorumCount());
            for (uint256 j = 0; j < params.nonSignerPubkeys.length; ++j) {
                if (_isInfinityG1(params.nonSignerPubkeys[j])) revert NonSignerPubkeyAtInfinity(j);
                // The key hash is the operator id; strictly ascending ids rule out duplicates.
                nonSigners.pubkeyHashes[j] = params.nonSignerPubkeys[j].hashG1Point();
                if (j != 0 && uint256(nonSigners.pubkeyHashes[j]) <= uint256(nonSigners.pubkeyHashes[j - 1])) {
                    revert NonSignerPubkeysNotSorted(j);
                }
                nonSigners.quorumBitmaps[j] = registryCoordinator.getQuorumBitmapAtBlockNumberByIndex(
                    nonSigners.pubkeyHashes[j], referenceBlockNumber, params.nonSignerQuorumBitmapIndices[j]
                );
                apk = apk.plus(
                    params.nonSignerPubkeys[j].scalar_mul_tiny(
                        BitmapUtils.countNumOnes(nonSigners.quorumBitmaps[j] & signingQuorumBitmap)
                    )
                );
            }
        }
        apk = apk.negate();

        for (uint256 i = 0; i < quorumNumbers.length; ++i) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            _checkStakesNotStale(quorumNumber, referenceBlockNumber);
            // An empty quorum's apk is at infinity (and its total stake zero): it can never be signed for.
            if (_isInfinityG1(params.quorumApks[i])) revert QuorumApkAtInfinity(quorumNumber);
            if (
                bytes24(params.quorumApks[i].hashG1Point())
                    != blsApkRegistry.getApkHashAtBlockNumberAndIndex(
                        quorumNumber, referenceBlockNumber, params.quorumApkIndices[i]
                    )
            ) revert InvalidQuorumApkHash(quorumNumber);
            apk = apk.plus(params.quorumApks[i]);
            (stakeTotals.totalStakeForQuorum[i], stakeTotals.signedStakeForQuorum[i]) = _quorumStakes(
                quorumNumber,
                referenceBlockNumber,
                params.totalStakeIndices[i],
                params.nonSignerStakeIndices[i],
                nonSigners
            );
        }

        (bool pairingSuccessful, bool signatureIsValid) =
            trySignatureAndApkVerification(msgHash, apk, params.apkG2, params.sigma);
        if (!pairingSuccessful) revert InvalidBLSPairingKey();
        if (!signatureIsValid) revert InvalidBLSSignature();

        bytes32 signatoryRecordHash = keccak256(abi.encodePacked(referenceBlockNumber, nonSigners.pubkeyHashes));
        return (stakeTotals, signatoryRecordHash);
    }

    /// @notice With `staleStakesForbidden`, the quorum's stakes must have been refreshed within the window.
    function _checkStakesNotStale(uint8 quorumNumber, uint32 referenceBlockNumber) internal view {
        if (!staleStakesForbidden) return;
        uint256 updated = registryCoordinator.quorumUpdateBlockNumber(quorumNumber);
        if (updated + staleStakesWindowBlocks <= referenceBlockNumber) {
            revert StaleStakesForbidden(quorumNumber, updated, referenceBlockNumber);
        }
    }

    /// @notice The quorum's total stake at the reference block and the part of it that signed (total minus the
    ///         stakes of the non-signers registered in the quorum; `stakeIndices` has one entry per such
    ///         non-signer, in non-signer order).
    function _quorumStakes(
        uint8 quorumNumber,
        uint32 referenceBlockNumber,
        uint32 totalStakeIndex,
        uint32[] memory stakeIndices,
        NonSignerInfo memory nonSigners
    ) internal view returns (uint96 total, uint96 signed) {
        uint256 inQuorum = 0;
        for (uint256 j = 0; j < nonSigners.pubkeyHashes.length; ++j) {
            if (BitmapUtils.isSet(nonSigners.quorumBitmaps[j], quorumNumber)) ++inQuorum;
        }
        // One stake index per non-signer of this quorum, no more and no fewer: a short array would otherwise
        // end in an out-of-bounds panic, which the verifier reports as its own fault instead of a bad input.
        if (stakeIndices.length != inQuorum) {
            revert NonSignerStakeIndicesLengthMismatch(quorumNumber, stakeIndices.length, inQuorum);
        }
        total = stakeRegistry.getTotalStakeAtBlockNumberFromIndex(quorumNumber, referenceBlockNumber, totalStakeIndex);
        signed = total;
        uint256 k = 0;
        for (uint256 j = 0; j < nonSigners.pubkeyHashes.length; ++j) {
            if (BitmapUtils.isSet(nonSigners.quorumBitmaps[j], quorumNumber)) {
                uint96 stake = stakeRegistry.getStakeAtBlockNumberAndIndex(
                    quorumNumber, referenceBlockNumber, nonSigners.pubkeyHashes[j], stakeIndices[k]
                );
                if (stake > signed) revert NonSignerStakeExceedsTotal(quorumNumber);
                signed -= stake;
                unchecked {
                    ++k;
                }
            }
        }
    }

    function _isInfinityG1(BN254.G1Point memory p) internal pure returns (bool) {
        return p.X == 0 && p.Y == 0;
    }

    function _isInfinityG2(BN254.G2Point memory p) internal pure returns (bool) {
        return p.X[0] == 0 && p.X[1] == 0 && p.Y[0] == 0 && p.Y[1] == 0;
    }

    /// @inheritdoc IBLSSignatureChecker
    /// @dev gamma = keccak256(msgHash, apk, apkG2, sigma) mod r; checks
    ///      e(sigma + gamma*apk, -G2) * e(H(m) + gamma*G1, apkG2) == 1, which for random gamma holds only if both
    ///      e(sigma, G2) = e(H(m), apkG2) and e(apk, G2) = e(G1, apkG2).
    function trySignatureAndApkVerification(
        bytes32 msgHash,
        BN254.G1Point memory apk,
        BN254.G2Point memory apkG2,
        BN254.G1Point memory sigma
    ) public view returns (bool pairingSuccessful, bool signatureIsValid) {
        uint256 gamma = uint256(
            keccak256(
                abi.encodePacked(
                    msgHash, apk.X, apk.Y, apkG2.X[0], apkG2.X[1], apkG2.Y[0], apkG2.Y[1], sigma.X, sigma.Y
                )
            )
        ) % BN254.FR_MODULUS;
        (pairingSuccessful, signatureIsValid) = BN254.safePairing(
            sigma.plus(apk.scalar_mul(gamma)),
            BN254.negGeneratorG2(),
            BN254.hashToG1(msgHash).plus(BN254.generatorG1().scalar_mul(gamma)),
            apkG2,
            PAIRING_EQUALITY_CHECK_GAS
        );
    }
}
