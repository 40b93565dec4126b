// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ISignatureUtils} from "../../interfaces/ISignatureUtils.sol";
import {BN254} from "../../libraries/BN254.sol";
import {IBLSApkRegistry} from "./IBLSApkRegistry.sol";
import {IStakeRegistry} from "./IStakeRegistry.sol";
import {IIndexRegistry} from "./IIndexRegistry.sol";
import {IServiceManager} from "./IServiceManager.sol";

/// @title Errors of the registry coordinator.
interface IRegistryCoordinatorErrors {
    /// @notice Only the owner may call this function; `caller` is not it.
    error OnlyOwner(address caller);
    /// @notice Only the ejector may call this function; `caller` is not it.
    error OnlyEjector(address caller);
    /// @notice The coordinator was already wired to its registries.
    error AlreadyInitialized();
    /// @notice The coordinator is not wired to its registries yet.
    error NotInitialized();
    /// @notice At most 192 quorums exist (quorum bitmaps are uint192).
    error MaxQuorumsReached();
    /// @notice A quorum number is not below the quorum count: bitmap `bitmap`, `quorumCount` quorums.
    error QuorumDoesNotExist(uint256 bitmap, uint8 quorumCount);
    /// @notice Registering for no quorum, or deregistering from none.
    error BitmapEmpty();
    /// @notice The operator is already registered for some of the quorums in `bitmap`.
    error AlreadyRegisteredForQuorums(uint256 bitmap);
    /// @notice The operator is not registered for every quorum in `bitmap`.
    error NotRegisteredForQuorum(uint256 bitmap);
    /// @notice `operator` is not registered.
    error NotRegistered(address operator);
    /// @notice The quorum has `maxOperatorCount` operators already: use churn.
    error MaxOperatorCountReached(uint8 quorumNumber, uint32 maxOperatorCount);
    /// @notice The kick list must name one operator per requested quorum, in the same order.
    error InputLengthMismatch(uint256 a, uint256 b);
    /// @notice The kick parameter names quorum `given` where quorum `expected` was requested.
    error QuorumOperatorKickMismatch(uint8 expected, uint8 given);
    /// @notice The registering operator cannot kick itself.
    error CannotChurnSelf();
    /// @notice The new operator's stake is not above `kickBIPsOfOperatorStake` of the kicked operator's stake.
    error InsufficientStakeForChurn(uint96 newStake, uint96 kickedStake);
    /// @notice The kicked operator's stake is not below `kickBIPsOfTotalStake` of the quorum's total stake.
    error CannotKickOperatorAboveThreshold(uint96 kickedStake, uint96 totalStake);
    /// @notice The signature expired at `expiry`.
    error SignatureExpired(uint256 expiry);
    /// @notice The churn approver's salt `salt` was used already.
    error ChurnApproverSaltUsed(bytes32 salt);
    /// @notice The churn approval is not signed by the churn approver.
    error InvalidChurnApproverSignature();
    /// @notice The operator is still in its ejection cooldown until `until`.
    error CannotReregisterYet(uint256 until);
    /// @notice Index `index` is out of range for a history of `length` entries.
    error IndexOutOfRange(uint256 index, uint256 length);
    /// @notice The bitmap history entry starts after `blockNumber` (entry starts at `updateBlockNumber`).
    error BitmapUpdateIsAfterBlockNumber(uint32 blockNumber, uint32 updateBlockNumber);
    /// @notice The bitmap history entry was superseded at `nextUpdateBlockNumber` <= `blockNumber`.
    error NextBitmapUpdateIsBeforeBlockNumber(uint32 blockNumber, uint32 nextUpdateBlockNumber);
    /// @notice No bitmap entry of `operatorId` exists at or before `blockNumber`.
    error OperatorNotRegisteredAtBlockNumber(bytes32 operatorId, uint32 blockNumber);
    /// @notice `updateOperatorsForQuorum` must list every operator of the quorum: `given` of `expected`.
    error IncorrectQuorumOperatorCount(uint8 quorumNumber, uint256 given, uint256 expected);
    /// @notice `updateOperatorsForQuorum` must list operators registered for the quorum, by ascending address.
    error OperatorListInvalid(uint8 quorumNumber, address operator);
}

/// @title Registers operators for quorums across the BLS key, stake and index registries (EigenLayer ABI).
interface IRegistryCoordinator is IRegistryCoordinatorErrors {
    /// @notice Lifecycle of an operator address.
    enum OperatorStatus {
        NEVER_REGISTERED,
        REGISTERED,
        DEREGISTERED
    }

    /// @notice An operator's id (hash of its G1 key) and status.
    struct OperatorInfo {
        bytes32 operatorId;
        OperatorStatus status;
    }

    /// @notice A quorum bitmap valid from `updateBlockNumber` until `nextUpdateBlockNumber` (0 = still current).
    struct QuorumBitmapUpdate {
        uint32 updateBlockNumber;
        uint32 nextUpdateBlockNumber;
        uint192 quorumBitmap;
    }

    /// @notice A quorum's size cap and churn thresholds (basis points).
    /// @dev A full quorum admits a newcomer only by kicking an operator whose stake is below
    ///      `kickBIPsOfTotalStake` of the total and whom the newcomer outweighs by `kickBIPsOfOperatorStake`.
    struct OperatorSetParam {
        uint32 maxOperatorCount;
        uint16 kickBIPsOfOperatorStake;
        uint16 kickBIPsOfTotalStake;
    }

    /// @notice An operator to kick from a quorum during churn.
    struct OperatorKickParam {
        uint8 quorumNumber;
        address operator;
    }

    /// @notice `operator` registered (first quorum) with id `operatorId`.
    event OperatorRegistered(address indexed operator, bytes32 indexed operatorId);
    /// @notice `operator` left its last quorum.
    event OperatorDeregistered(address indexed operator, bytes32 indexed operatorId);
    /// @notice A quorum's operator set parameters changed.
    event OperatorSetParamsUpdated(uint8 indexed quorumNumber, OperatorSetParam operatorSetParams);
    /// @notice The churn approver changed.
    event ChurnApproverUpdated(address prevChurnApprover, address newChurnApprover);
    /// @notice The ejector changed.
    event EjectorUpdated(address prevEjector, address newEjector);
    /// @notice The ejection cooldown changed.
    event EjectionCooldownUpdated(uint256 prevEjectionCooldown, uint256 newEjectionCooldown);
    /// @notice Every operator of the quorum had its stake refreshed at `blocknumber`.
    event QuorumBlockNumberUpdated(uint8 indexed quorumNumber, uint256 blocknumber);
    /// @notice The operator's socket (network address) changed.
    event OperatorSocketUpdate(bytes32 indexed operatorId, string socket);
    /// @notice The ejector removed `operator` from `quorumNumbers`.
    event OperatorEjected(address indexed operator, bytes32 indexed operatorId, bytes quorumNumbers);
    /// @notice The coordinator's owner changed.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @notice Registers the caller for `quorumNumbers`, registering its BLS key first if needed.
    function registerOperator(
        bytes calldata quorumNumbers,
        string calldata socket,
        IBLSApkRegistry.PubkeyRegistrationParams calldata params,
        ISignatureUtils.SignatureWithSaltAndExpiry memory operatorSignature
    ) external;
    /// @notice Registers the caller for full quorums by kicking the operators the churn approver selected.
    function registerOperatorWithChurn(
        bytes calldata quorumNumbers,
        string calldata socket,
        IBLSApkRegistry.PubkeyRegistrationParams calldata params,
        OperatorKickParam[] calldata operatorKickParams,
        ISignatureUtils.SignatureWithSaltAndExpiry memory churnApproverSignature,
        ISignatureUtils.SignatureWithSaltAndExpiry memory operatorSignature
    ) external;
    /// @notice Deregisters the caller from `quorumNumbers`.
    function deregisterOperator(bytes calldata quorumNumbers) external;
    /// @notice Refreshes the stakes of `operators` in all their quorums (deregistering those below minimum).
    function updateOperators(address[] calldata operators) external;
    /// @notice Refreshes every operator of each quorum (lists sorted by address) and records the block.
    function updateOperatorsForQuorum(address[][] calldata operatorsPerQuorum, bytes calldata quorumNumbers) external;
    /// @notice Updates the caller's socket.
    function updateSocket(string memory socket) external;
    /// @notice Ejector removes `operator` from `quorumNumbers`; it may not re-register during the cooldown.
    function ejectOperator(address operator, bytes calldata quorumNumbers) external;

    /// @notice Number of quorums created.
    function quorumCount() external view returns (uint8);
    /// @notice Block at which every operator of the quorum last had its stake refreshed.
    function quorumUpdateBlockNumber(uint8 quorumNumber) external view returns (uint256);
    /// @notice The quorum's operator set parameters.
    function getOperatorSetParams(uint8 quorumNumber) external view returns (OperatorSetParam memory);
    /// @notice The operator's id and status.
    function getOperator(address operator) external view returns (OperatorInfo memory);
    /// @notice The operator's id (zero if never registered).
    function getOperatorId(address operator) external view returns (bytes32);
    /// @notice The operator with id `operatorId`.
    function getOperatorFromId(bytes32 operatorId) external view returns (address);
    /// @notice The operator's status.
    function getOperatorStatus(address operator) external view returns (OperatorStatus);
    /// @notice For each operator id, index of its bitmap entry in force at `blockNumber`.
    function getQuorumBitmapIndicesAtBlockNumber(uint32 blockNumber, bytes32[] memory operatorIds)
        external
        view
        returns (uint32[] memory);
    /// @notice The operator's quorum bitmap at `blockNumber`, given the index of the entry in force.
    function getQuorumBitmapAtBlockNumberByIndex(bytes32 operatorId, uint32 blockNumber, uint256 index)
        external
        view
        returns (uint192);
    /// @notice Bitmap history entry `index` of the operator.
    function getQuorumBitmapUpdateByIndex(bytes32 operatorId, uint256 index)
        external
        view
        returns (QuorumBitmapUpdate memory);
    /// @notice The operator's current quorum bitmap.
    function getCurrentQuorumBitmap(bytes32 operatorId) external view returns (uint192);
    /// @notice Number of bitmap history entries of the operator.
    function getQuorumBitmapHistoryLength(bytes32 operatorId) external view returns (uint256);
    /// @notice Number of registries this coordinator drives (3).
    function numRegistries() external view returns (uint256);
    /// @notice The message hash (a G1 point) an operator signs with its BLS key as proof of possession.
    function pubkeyRegistrationMessageHash(address operator) external view returns (BN254.G1Point memory);
    /// @notice The EIP-712 digest the churn approver signs.
    function calculateOperatorChurnApprovalDigestHash(
        address registeringOperator,
        bytes32 registeringOperatorId,
        OperatorKickParam[] memory operatorKickParams,
        bytes32 salt,
        uint256 expiry
    ) external view returns (bytes32);
    /// @notice The BLS key registry.
    function blsApkRegistry() external view returns (IBLSApkRegistry);
    /// @notice The stake registry.
    function stakeRegistry() external view returns (IStakeRegistry);
    /// @notice The index registry.
    function indexRegistry() external view returns (IIndexRegistry);
    /// @notice The AVS's service manager.
    function serviceManager() external view returns (IServiceManager);
    /// @notice The owner.
    function owner() external view returns (address);
}
