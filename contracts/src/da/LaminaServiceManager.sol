// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAVSDirectory} from "../interfaces/IAVSDirectory.sol";
import {ISignatureUtils} from "../interfaces/ISignatureUtils.sol";
import {BLSSignatureChecker} from "../middleware/BLSSignatureChecker.sol";
import {IRegistryCoordinator} from "../middleware/interfaces/IRegistryCoordinator.sol";
import {IServiceManager} from "../middleware/interfaces/IServiceManager.sol";
import {DATypes} from "./DATypes.sol";
import {IThresholdRegistry} from "./interfaces/IThresholdRegistry.sol";

/// @title Lamina's AVS contract: registers operators with EigenLayer's AVSDirectory (on behalf of the
///        RegistryCoordinator), checks signatures (it is the BLSSignatureChecker) and anchors confirmed batches.
contract LaminaServiceManager is BLSSignatureChecker, IServiceManager {
    /// @notice A reference block must be at most this many blocks old when a batch is confirmed (as EigenDA).
    uint32 public constant BLOCK_STALE_MEASURE = 300;
    /// @notice Percent denominator.
    uint256 internal constant THRESHOLD_DENOMINATOR = 100;

    /// @notice Only the owner may call this function; `caller` is not it.
    error OnlyOwner(address caller);
    /// @notice Only a batch confirmer may call this function; `caller` is not one.
    error OnlyBatchConfirmer(address caller);
    /// @notice The reference block `referenceBlockNumber` is not before the current block `blockNumber`.
    error ReferenceBlockInFuture(uint32 referenceBlockNumber, uint256 blockNumber);
    /// @notice The reference block `referenceBlockNumber` is more than BLOCK_STALE_MEASURE blocks old.
    error ReferenceBlockTooOld(uint32 referenceBlockNumber, uint256 blockNumber);
    /// @notice `quorumNumbers` and `signedStakeForQuorums` differ in length.
    error QuorumLengthMismatch(uint256 quorumNumbers, uint256 signedStakeForQuorums);
    /// @notice The header's threshold for the quorum is below the registry's confirmation threshold.
    error ThresholdBelowMinimum(uint8 quorumNumber, uint8 threshold, uint8 minimum);
    /// @notice Signed stake `signed` of `total` in the quorum is below `threshold` percent.
    error InsufficientSignedStake(uint8 quorumNumber, uint96 signed, uint96 total, uint8 threshold);

    /// @notice A batch was confirmed; `batchHeaderHash` is keccak256(abi.encode(ReducedBatchHeader)).
    event BatchConfirmed(bytes32 indexed batchHeaderHash, uint32 batchId);
    /// @notice `confirmer` was granted (`status`) or denied the batch confirmer role.
    event BatchConfirmerStatusChanged(address confirmer, bool status);

    /// @inheritdoc IServiceManager
    IAVSDirectory public immutable avsDirectory;
    /// @notice Security thresholds and blob versions.
    IThresholdRegistry public immutable thresholdRegistry;

    /// @notice The owner (grants the batch confirmer role).
    address public owner;
    /// @notice Id of the next confirmed batch.
    uint32 public batchId;
    /// @notice Batch id => keccak256(abi.encodePacked(keccak256(abi.encode(header)), signatoryRecordHash, block)).
    mapping(uint32 batchId => bytes32 metadataHash) public batchIdToBatchMetadataHash;
    /// @notice Who may call `confirmBatch`.
    mapping(address confirmer => bool allowed) public isBatchConfirmer;

    modifier onlyRegistryCoordinator() {
        if (msg.sender != address(registryCoordinator)) revert OnlyRegistryCoordinator(msg.sender);
        _;
    }

    /// @param avsDirectory_ EigenLayer's AVSDirectory
    /// @param coordinator the RegistryCoordinator (already wired to its registries)
    /// @param thresholdRegistry_ security thresholds
    /// @param initialOwner grants the batch confirmer role
    constructor(
        IAVSDirectory avsDirectory_,
        IRegistryCoordinator coordinator,
        IThresholdRegistry thresholdRegistry_,
        address initialOwner
    ) BLSSignatureChecker(coordinator) {
        avsDirectory = avsDirectory_;
        thresholdRegistry = thresholdRegistry_;
        owner = initialOwner;
    }

    /// @notice Grants or revokes the batch confirmer role.
    function setBatchConfirmer(address confirmer, bool status) external {
        if (msg.sender != owner) revert OnlyOwner(msg.sender);
        isBatchConfirmer[confirmer] = status;
        emit BatchConfirmerStatusChanged(confirmer, status);
    }

    /// @inheritdoc IServiceManager
    function registerOperatorToAVS(
        address operator,
        ISignatureUtils.SignatureWithSaltAndExpiry memory operatorSignature
    ) external onlyRegistryCoordinator {
        avsDirectory.registerOperatorToAVS(operator, operatorSignature);
    }

    /// @inheritdoc IServiceManager
    function deregisterOperatorFromAVS(address operator) external onlyRegistryCoordinator {
        avsDirectory.deregisterOperatorFromAVS(operator);
    }

    /// @notice Anchors a batch signed by enough stake of every quorum in `batchHeader.quorumNumbers`.
    /// @dev Operators sign keccak256(abi.encode(ReducedBatchHeader{blobHeadersRoot, referenceBlockNumber})). Each
    ///      quorum i needs signed*100 >= total*signedStakeForQuorums[i], and that threshold may not be below the
    ///      registry's confirmation threshold.
    function confirmBatch(DATypes.BatchHeader calldata batchHeader, NonSignerStakesAndSignature memory params)
        external
    {
        if (!isBatchConfirmer[msg.sender]) revert OnlyBatchConfirmer(msg.sender);
        uint32 referenceBlockNumber = batchHeader.referenceBlockNumber;
        if (referenceBlockNumber >= block.number) revert ReferenceBlockInFuture(referenceBlockNumber, block.number);
        if (uint256(referenceBlockNumber) + BLOCK_STALE_MEASURE < block.number) {
            revert ReferenceBlockTooOld(referenceBlockNumber, block.number);
        }
        if (batchHeader.quorumNumbers.length != batchHeader.signedStakeForQuorums.length) {
            revert QuorumLengthMismatch(batchHeader.quorumNumbers.length, batchHeader.signedStakeForQuorums.length);
        }

        bytes32 reducedHash = keccak256(
            abi.encode(
                DATypes.ReducedBatchHeader({
                    blobHeadersRoot: batchHeader.blobHeadersRoot, referenceBlockNumber: referenceBlockNumber
                })
            )
        );
        (QuorumStakeTotals memory totals, bytes32 signatoryRecordHash) =
            checkSignatures(reducedHash, batchHeader.quorumNumbers, referenceBlockNumber, params);

        uint8 minimum = thresholdRegistry.securityThresholds().confirmationThreshold;
        for (uint256 i = 0; i < batchHeader.quorumNumbers.length; ++i) {
            uint8 quorumNumber = uint8(batchHeader.quorumNumbers[i]);
            uint8 threshold = uint8(batchHeader.signedStakeForQuorums[i]);
            if (threshold < minimum) revert ThresholdBelowMinimum(quorumNumber, threshold, minimum);
            if (
                uint256(totals.signedStakeForQuorum[i]) * THRESHOLD_DENOMINATOR
                    < uint256(totals.totalStakeForQuorum[i]) * threshold
            ) {
                revert InsufficientSignedStake(
                    quorumNumber, totals.signedStakeForQuorum[i], totals.totalStakeForQuorum[i], threshold
                );
            }
        }

        uint32 id = batchId;
        batchIdToBatchMetadataHash[id] =
            keccak256(abi.encodePacked(keccak256(abi.encode(batchHeader)), signatoryRecordHash, uint32(block.number)));
        emit BatchConfirmed(reducedHash, id);
        batchId = id + 1;
    }
}
