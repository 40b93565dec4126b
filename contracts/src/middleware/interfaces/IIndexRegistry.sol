// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title Errors of the index registry.
interface IIndexRegistryErrors {
    /// @notice Only the RegistryCoordinator may call this function; `caller` is not it.
    error OnlyRegistryCoordinator(address caller);
    /// @notice The quorum already exists.
    error QuorumAlreadyExists(uint8 quorumNumber);
    /// @notice The quorum does not exist.
    error QuorumDoesNotExist(uint8 quorumNumber);
    /// @notice The quorum had no operators yet at `blockNumber`.
    error QuorumDidNotExistAtBlockNumber(uint8 quorumNumber, uint32 blockNumber);
    /// @notice Operator index `index` had no entry at `blockNumber`.
    error OperatorIdDoesNotExistAtBlockNumber(uint8 quorumNumber, uint32 index, uint32 blockNumber);
}

/// @title Dense per-quorum operator lists (indices 0..n-1) with history (EigenLayer ABI).
/// @notice Deregistration moves the last operator into the freed index, so indices stay dense.
interface IIndexRegistry is IIndexRegistryErrors {
    /// @notice Index history entry: from `fromBlockNumber`, the index holds `operatorId` (0 = empty).
    struct OperatorUpdate {
        uint32 fromBlockNumber;
        bytes32 operatorId;
    }

    /// @notice Operator count history entry: from `fromBlockNumber`, the quorum has `numOperators` operators.
    struct QuorumUpdate {
        uint32 fromBlockNumber;
        uint32 numOperators;
    }

    /// @notice `operatorId` now sits at `newOperatorIndex` in `quorumNumber`.
    event QuorumIndexUpdate(bytes32 indexed operatorId, uint8 quorumNumber, uint32 newOperatorIndex);

    /// @notice Appends `operatorId` to each quorum; returns each quorum's new operator count. Coordinator only.
    function registerOperator(bytes32 operatorId, bytes calldata quorumNumbers) external returns (uint32[] memory);
    /// @notice Removes `operatorId` from each quorum (swap with the last). Coordinator only.
    function deregisterOperator(bytes32 operatorId, bytes calldata quorumNumbers) external;
    /// @notice Starts the operator count history of a new quorum. Coordinator only.
    function initializeQuorum(uint8 quorumNumber) external;
    /// @notice `operatorId`'s current index in `quorumNumber`.
    function currentOperatorIndex(uint8 quorumNumber, bytes32 operatorId) external view returns (uint32);
    /// @notice Current number of operators in the quorum.
    function totalOperatorsForQuorum(uint8 quorumNumber) external view returns (uint32);
    /// @notice The quorum's operator ids, by index, at `blockNumber`.
    function getOperatorListAtBlockNumber(uint8 quorumNumber, uint32 blockNumber)
        external
        view
        returns (bytes32[] memory);
    /// @notice The latest operator count entry of the quorum.
    function getLatestQuorumUpdate(uint8 quorumNumber) external view returns (QuorumUpdate memory);
    /// @notice The latest entry of index `operatorIndex` in the quorum.
    function getLatestOperatorUpdate(uint8 quorumNumber, uint32 operatorIndex)
        external
        view
        returns (OperatorUpdate memory);
}
