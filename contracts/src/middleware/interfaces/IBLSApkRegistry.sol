// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BN254} from "../../libraries/BN254.sol";

/// @title Errors of the BLS public key registry.
interface IBLSApkRegistryErrors {
    /// @notice Only the RegistryCoordinator may call this function; `caller` is not it.
    error OnlyRegistryCoordinator(address caller);
    /// @notice The quorum's aggregate key history was already initialised.
    error QuorumAlreadyExists(uint8 quorumNumber);
    /// @notice The quorum does not exist.
    error QuorumDoesNotExist(uint8 quorumNumber);
    /// @notice The G1 key is the point at infinity (hash of (0, 0)).
    error ZeroPubKey();
    /// @notice `operator` already registered a key.
    error OperatorAlreadyRegistered(address operator);
    /// @notice Another operator already registered the key with hash `pubkeyHash`.
    error BLSPubkeyAlreadyRegistered(bytes32 pubkeyHash);
    /// @notice The proof of possession does not verify: either the signature is wrong or the G1 and G2 keys
    ///         do not share a secret.
    error InvalidBLSSignatureOrPrivateKey();
    /// @notice `operator` has no registered key.
    error OperatorNotRegistered(address operator);
    /// @notice `blockNumber` precedes the quorum's first aggregate key entry.
    error BlockNumberBeforeFirstUpdate(uint8 quorumNumber, uint32 blockNumber);
    /// @notice The history entry at the given index starts after `blockNumber` (entry starts at `updateBlockNumber`).
    error BlockNumberTooRecent(uint32 blockNumber, uint32 updateBlockNumber);
    /// @notice The history entry at the given index was superseded at `nextUpdateBlockNumber` <= `blockNumber`.
    error BlockNumberNotLatest(uint32 blockNumber, uint32 nextUpdateBlockNumber);
    /// @notice History index `index` is out of range for a history of `length` entries.
    error IndexOutOfRange(uint256 index, uint256 length);
}

/// @title Registry of operators' BLS keys and each quorum's aggregate public key history (EigenLayer ABI).
interface IBLSApkRegistry is IBLSApkRegistryErrors {
    /// @notice An aggregate key hash valid from `updateBlockNumber` until `nextUpdateBlockNumber` (0 = still current).
    struct ApkUpdate {
        bytes24 apkHash;
        uint32 updateBlockNumber;
        uint32 nextUpdateBlockNumber;
    }

    /// @notice What an operator submits to register its key: a proof of possession (its G1 signature over
    ///         `RegistryCoordinator.pubkeyRegistrationMessageHash(operator)`), its G1 key and its G2 key.
    struct PubkeyRegistrationParams {
        BN254.G1Point pubkeyRegistrationSignature;
        BN254.G1Point pubkeyG1;
        BN254.G2Point pubkeyG2;
    }

    /// @notice `operator` registered the key pair (`pubkeyG1`, `pubkeyG2`).
    event NewPubkeyRegistration(address indexed operator, BN254.G1Point pubkeyG1, BN254.G2Point pubkeyG2);
    /// @notice `operator`'s key was added to the aggregate keys of `quorumNumbers`.
    event OperatorAddedToQuorums(address operator, bytes32 operatorId, bytes quorumNumbers);
    /// @notice `operator`'s key was removed from the aggregate keys of `quorumNumbers`.
    event OperatorRemovedFromQuorums(address operator, bytes32 operatorId, bytes quorumNumbers);

    /// @notice The coordinator this registry serves.
    function registryCoordinator() external view returns (address);
    /// @notice Adds `operator`'s registered key to each quorum's aggregate key. Coordinator only.
    function registerOperator(address operator, bytes calldata quorumNumbers) external;
    /// @notice Subtracts `operator`'s key from each quorum's aggregate key. Coordinator only.
    function deregisterOperator(address operator, bytes calldata quorumNumbers) external;
    /// @notice Starts the aggregate key history of a new quorum. Coordinator only.
    function initializeQuorum(uint8 quorumNumber) external;
    /// @notice Verifies the proof of possession and records `operator`'s keys; returns the operator id
    ///         (the hash of the G1 key). Coordinator only.
    function registerBLSPublicKey(
        address operator,
        PubkeyRegistrationParams calldata params,
        BN254.G1Point calldata pubkeyRegistrationMessageHash
    ) external returns (bytes32 operatorId);
    /// @notice The current aggregate key of a quorum.
    function getApk(uint8 quorumNumber) external view returns (BN254.G1Point memory);
    /// @notice History entry `index` of a quorum's aggregate key.
    function getApkUpdateAtIndex(uint8 quorumNumber, uint256 index) external view returns (ApkUpdate memory);
    /// @notice Number of history entries of a quorum's aggregate key.
    function getApkHistoryLength(uint8 quorumNumber) external view returns (uint32);
    /// @notice For each quorum, the index of the history entry in force at `blockNumber`.
    function getApkIndicesAtBlockNumber(bytes calldata quorumNumbers, uint256 blockNumber)
        external
        view
        returns (uint32[] memory);
    /// @notice The aggregate key hash (first 24 bytes) at `blockNumber`, given the index of the entry in force.
    function getApkHashAtBlockNumberAndIndex(uint8 quorumNumber, uint32 blockNumber, uint256 index)
        external
        view
        returns (bytes24);
    /// @notice `operator`'s G1 key and id; reverts if it has none.
    function getRegisteredPubkey(address operator) external view returns (BN254.G1Point memory, bytes32);
    /// @notice `operator`'s G2 key (zero if none).
    function getOperatorPubkeyG2(address operator) external view returns (BN254.G2Point memory);
    /// @notice The operator owning the key with hash `pubkeyHash`, or address(0).
    function getOperatorFromPubkeyHash(bytes32 pubkeyHash) external view returns (address);
    /// @notice `operator`'s id (hash of its G1 key), or zero.
    function getOperatorId(address operator) external view returns (bytes32);
}
