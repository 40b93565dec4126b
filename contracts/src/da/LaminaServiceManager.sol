// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IAVSDirectory} from "../interfaces/IAVSDirectory.sol";
import {IRewardsCoordinator, IRewardsCoordinatorTypes} from "../interfaces/IRewardsCoordinator.sol";
import {IAllocationManager, IAllocationManagerTypes} from "../interfaces/IAllocationManager.sol";
import {IStrategy} from "../interfaces/IStrategy.sol";
import {ISignatureUtils} from "../interfaces/ISignatureUtils.sol";
import {BLSSignatureChecker} from "../middleware/BLSSignatureChecker.sol";
import {IRegistryCoordinator} from "../middleware/interfaces/IRegistryCoordinator.sol";
import {IServiceManager} from "../middleware/interfaces/IServiceManager.sol";
import {DATypes} from "./DATypes.sol";
import {IThresholdRegistry} from "./interfaces/IThresholdRegistry.sol";
import {ILaminaServiceManager} from "./interfaces/ILaminaServiceManager.sol";

/// @title Lamina's AVS contract: registers operators with EigenLayer's AVSDirectory (on behalf of the
///        RegistryCoordinator), checks signatures (it is the BLSSignatureChecker), anchors confirmed batches,
///        and, as the AVS of the AllocationManager, owns Lamina's operator sets and appoints their slasher.
contract LaminaServiceManager is BLSSignatureChecker, IServiceManager, ILaminaServiceManager {
    using SafeERC20 for IERC20;

    /// @inheritdoc ILaminaServiceManager
    uint32 public immutable BLOCK_STALE_MEASURE;
    /// @notice Percent denominator.
    uint256 internal constant THRESHOLD_DENOMINATOR = 100;
    /// @notice The RewardsCoordinator's stand-in address for ether.
    address internal constant NATIVE_TOKEN = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;

    /// @notice Only the owner may call this function; `caller` is not it.
    error OnlyOwner(address caller);
    /// @notice Only a batch confirmer may call this function; `caller` is not one.
    error OnlyBatchConfirmer(address caller);
    /// @notice The reference block `referenceBlockNumber` is not before the current block `blockNumber`.
    error ReferenceBlockInFuture(uint32 referenceBlockNumber, uint256 blockNumber);
    /// @notice The reference block `referenceBlockNumber` is more than BLOCK_STALE_MEASURE blocks before `blockNumber`.
    error ReferenceBlockTooOld(uint32 referenceBlockNumber, uint256 blockNumber);
    /// @notice `quorumNumbers` and `signedStakeForQuorums` differ in length.
    error QuorumLengthMismatch(uint256 quorumNumbers, uint256 signedStakeForQuorums);
    /// @notice The header's threshold for the quorum is below the registry's confirmation threshold.
    error ThresholdBelowMinimum(uint8 quorumNumber, uint8 threshold, uint8 minimum);
    /// @notice The quorum has no stake at the reference block: nothing can confirm a batch in it.
    error EmptyQuorum(uint8 quorumNumber);
    /// @notice Signed stake `signed` of `total` in the quorum is below `threshold` percent.
    error InsufficientSignedStake(uint8 quorumNumber, uint96 signed, uint96 total, uint8 threshold);

    /// @notice A batch was confirmed; `batchHeaderHash` is keccak256(abi.encode(ReducedBatchHeader)), the message
    ///         the operators signed. `signatoryRecordHash` is keccak256(abi.encodePacked(referenceBlockNumber,
    ///         nonSignerPubkeyHashes)) over the non-signers' G1 pubkey hashes (operator ids) in the order of
    ///         `confirmBatch`'s `params.nonSignerPubkeys`: a rewards calculator reads those keys from the call's
    ///         calldata, hashes them, and checks them against this hash (docs/architecture.md, "Rewards").
    event BatchConfirmed(
        bytes32 indexed batchHeaderHash, uint32 batchId, uint32 referenceBlockNumber, bytes32 signatoryRecordHash
    );
    /// @notice `confirmer` was granted (`status`) or denied the batch confirmer role.
    event BatchConfirmerStatusChanged(address confirmer, bool status);

    /// @inheritdoc IServiceManager
    IAVSDirectory public immutable avsDirectory;
    /// @notice Security thresholds and blob versions.
    IThresholdRegistry public immutable thresholdRegistry;
    /// @inheritdoc ILaminaServiceManager
    IAllocationManager public immutable allocationManager;

    /// @notice The owner (grants the batch confirmer role).
    address public owner;
    /// @notice Id of the next confirmed batch.
    uint32 public batchId;
    /// @notice Batch id => keccak256(abi.encodePacked(keccak256(abi.encode(header)), signatoryRecordHash, block)).
    mapping(uint32 batchId => bytes32 metadataHash) public batchIdToBatchMetadataHash;
    /// @notice Who may call `confirmBatch`.
    mapping(address confirmer => bool allowed) public isBatchConfirmer;
    /// @inheritdoc ILaminaServiceManager
    IRewardsCoordinator public rewardsCoordinator;

    modifier onlyRegistryCoordinator() {
        if (msg.sender != address(registryCoordinator)) revert OnlyRegistryCoordinator(msg.sender);
        _;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert OnlyOwner(msg.sender);
        _;
    }

    modifier onlyAllocationManager() {
        if (msg.sender != address(allocationManager)) revert OnlyAllocationManager(msg.sender);
        _;
    }

    /// @param avsDirectory_ EigenLayer's AVSDirectory
    /// @param coordinator the RegistryCoordinator (already wired to its registries)
    /// @param thresholdRegistry_ security thresholds
    /// @param allocationManager_ EigenLayer's AllocationManager (operator sets and slashing)
    /// @param blockStaleMeasure blocks a reference block may lag in `confirmBatch`; at most the slasher's
    ///        stake-use window (EigenDA mainnet: 300 blocks against a 14-day withdrawal delay)
    /// @param initialOwner grants the batch confirmer role and configures operator sets and the slasher
    constructor(
        IAVSDirectory avsDirectory_,
        IRegistryCoordinator coordinator,
        IThresholdRegistry thresholdRegistry_,
        IAllocationManager allocationManager_,
        uint32 blockStaleMeasure,
        address initialOwner
    ) BLSSignatureChecker(coordinator) {
        avsDirectory = avsDirectory_;
        thresholdRegistry = thresholdRegistry_;
        allocationManager = allocationManager_;
        BLOCK_STALE_MEASURE = blockStaleMeasure;
        owner = initialOwner;
    }

    /// @notice Grants or revokes the batch confirmer role.
    function setBatchConfirmer(address confirmer, bool status) external onlyOwner {
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

    // ---------------------------------------------------------------- operator sets and slashing

    /// @inheritdoc ILaminaServiceManager
    function setSlasher(address slasher) external onlyOwner {
        allocationManager.setAVSSlasher(address(this), slasher);
        emit SlasherAppointed(slasher);
    }

    /// @inheritdoc ILaminaServiceManager
    function createOperatorSets(IAllocationManagerTypes.CreateSetParams[] calldata params) external onlyOwner {
        allocationManager.createOperatorSets(address(this), params);
    }

    /// @inheritdoc ILaminaServiceManager
    function addStrategiesToOperatorSet(uint32 operatorSetId, IStrategy[] calldata strategies) external onlyOwner {
        allocationManager.addStrategiesToOperatorSet(address(this), operatorSetId, strategies);
    }

    /// @inheritdoc ILaminaServiceManager
    function removeStrategiesFromOperatorSet(uint32 operatorSetId, IStrategy[] calldata strategies) external onlyOwner {
        allocationManager.removeStrategiesFromOperatorSet(address(this), operatorSetId, strategies);
    }

    /// @notice Registrar callback: only operators registered with the RegistryCoordinator (who consented to
    ///         the AVS and hold a BLS key) may make their stake slashable by Lamina's operator sets.
    function registerOperator(address operator, address avs, uint32[] calldata, bytes calldata)
        external
        view
        onlyAllocationManager
    {
        if (avs != address(this)) revert NotThisAVS(avs);
        if (registryCoordinator.getOperatorStatus(operator) != IRegistryCoordinator.OperatorStatus.REGISTERED) {
            revert OperatorNotRegistered(operator);
        }
    }

    /// @notice Registrar callback: leaving an operator set needs no bookkeeping here (the AllocationManager
    ///         keeps the stake slashable for its deallocation delay).
    function deregisterOperator(address, address avs, uint32[] calldata) external view onlyAllocationManager {
        if (avs != address(this)) revert NotThisAVS(avs);
    }

    // ---------------------------------------------------------------- rewards

    /// @notice Accepts ether (the PaymentVault's `withdrawToRewards`, with this contract as its rewards
    ///         recipient): it leaves only through the owner's native-token rewards submissions.
    receive() external payable {}

    /// @inheritdoc ILaminaServiceManager
    function setRewardsCoordinator(IRewardsCoordinator coordinator) external onlyOwner {
        rewardsCoordinator = coordinator;
        emit RewardsCoordinatorSet(address(coordinator));
    }

    /// @inheritdoc ILaminaServiceManager
    function createAVSRewardsSubmission(IRewardsCoordinatorTypes.RewardsSubmission[] calldata submissions)
        external
        onlyOwner
    {
        IRewardsCoordinator coordinator = _rewardsCoordinator();
        uint256 native = 0;
        for (uint256 i = 0; i < submissions.length; ++i) {
            native += _fund(coordinator, submissions[i].token, submissions[i].amount);
        }
        coordinator.createAVSRewardsSubmission{value: native}(submissions);
    }

    /// @inheritdoc ILaminaServiceManager
    function createOperatorDirectedAVSRewardsSubmission(IRewardsCoordinatorTypes
                .OperatorDirectedRewardsSubmission[] calldata submissions) external onlyOwner {
        IRewardsCoordinator coordinator = _rewardsCoordinator();
        uint256 native = 0;
        for (uint256 i = 0; i < submissions.length; ++i) {
            uint256 total = 0;
            for (uint256 j = 0; j < submissions[i].operatorRewards.length; ++j) {
                total += submissions[i].operatorRewards[j].amount;
            }
            native += _fund(coordinator, submissions[i].token, total);
        }
        coordinator.createOperatorDirectedAVSRewardsSubmission{value: native}(submissions);
    }

    function _rewardsCoordinator() internal view returns (IRewardsCoordinator coordinator) {
        coordinator = rewardsCoordinator;
        if (address(coordinator) == address(0)) revert RewardsCoordinatorNotSet();
    }

    /// @dev Lets the coordinator pull `amount` of `token`, or returns `amount` as ether to send for the native
    ///      token. Increases (not sets) the allowance: two submissions may share a token, and the coordinator
    ///      pulls each in full, so no allowance is left behind.
    function _fund(IRewardsCoordinator coordinator, IERC20 token, uint256 amount) internal returns (uint256 native) {
        if (address(token) == address(NATIVE_TOKEN)) return amount;
        token.safeIncreaseAllowance(address(coordinator), amount);
        return 0;
    }

    // ---------------------------------------------------------------- batches

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

        // the confirmation threshold in force at the reference block, as CertVerifier reads it
        uint8 minimum = thresholdRegistry.securityThresholdsAtBlock(referenceBlockNumber).confirmationThreshold;
        for (uint256 i = 0; i < batchHeader.quorumNumbers.length; ++i) {
            uint8 quorumNumber = uint8(batchHeader.quorumNumbers[i]);
            uint8 threshold = uint8(batchHeader.signedStakeForQuorums[i]);
            if (threshold < minimum) revert ThresholdBelowMinimum(quorumNumber, threshold, minimum);
            // 0 of 0 stake is no confirmation (checkSignatures already refuses an empty quorum's apk at infinity).
            if (totals.totalStakeForQuorum[i] == 0) revert EmptyQuorum(quorumNumber);
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
        emit BatchConfirmed(reducedHash, id, referenceBlockNumber, signatoryRecordHash);
        batchId = id + 1;
    }
}
