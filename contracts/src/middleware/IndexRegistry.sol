// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IIndexRegistry} from "./interfaces/IIndexRegistry.sol";

/// @title Dense per-quorum operator lists with history, so off-chain readers can enumerate a quorum's
///        operators at any past block (`getOperatorListAtBlockNumber`).
/// @notice Each index of each quorum has its own history of occupants; bytes32(0) marks an empty index.
contract IndexRegistry is IIndexRegistry {
    /// @notice Marks an index that holds no operator.
    bytes32 public constant OPERATOR_DOES_NOT_EXIST_ID = bytes32(0);

    /// @notice The coordinator, the only caller of the mutating functions.
    address public immutable registryCoordinator;

    /// @inheritdoc IIndexRegistry
    mapping(uint8 quorumNumber => mapping(bytes32 operatorId => uint32 index)) public currentOperatorIndex;
    mapping(uint8 quorumNumber => mapping(uint32 operatorIndex => OperatorUpdate[] history)) internal _indexHistory;
    mapping(uint8 quorumNumber => QuorumUpdate[] history) internal _operatorCountHistory;

    modifier onlyRegistryCoordinator() {
        if (msg.sender != registryCoordinator) revert OnlyRegistryCoordinator(msg.sender);
        _;
    }

    /// @param coordinator the RegistryCoordinator
    constructor(address coordinator) {
        registryCoordinator = coordinator;
    }

    /// @inheritdoc IIndexRegistry
    function registerOperator(bytes32 operatorId, bytes calldata quorumNumbers)
        external
        onlyRegistryCoordinator
        returns (uint32[] memory numOperatorsPerQuorum)
    {
        numOperatorsPerQuorum = new uint32[](quorumNumbers.length);
        for (uint256 i = 0; i < quorumNumbers.length; ++i) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            QuorumUpdate[] storage counts = _operatorCountHistory[quorumNumber];
            if (counts.length == 0) revert QuorumDoesNotExist(quorumNumber);
            uint32 newCount = counts[counts.length - 1].numOperators + 1;
            _updateOperatorCount(quorumNumber, newCount);
            // First use of this index: give it a history so every index below the count has one.
            if (_indexHistory[quorumNumber][newCount - 1].length == 0) {
                _indexHistory[quorumNumber][newCount
                        - 1].push(
                    OperatorUpdate({fromBlockNumber: uint32(block.number), operatorId: OPERATOR_DOES_NOT_EXIST_ID})
                );
            }
            _assignOperatorToIndex(operatorId, quorumNumber, newCount - 1);
            numOperatorsPerQuorum[i] = newCount;
        }
    }

    /// @inheritdoc IIndexRegistry
    function deregisterOperator(bytes32 operatorId, bytes calldata quorumNumbers) external onlyRegistryCoordinator {
        for (uint256 i = 0; i < quorumNumbers.length; ++i) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            QuorumUpdate[] storage counts = _operatorCountHistory[quorumNumber];
            if (counts.length == 0) revert QuorumDoesNotExist(quorumNumber);
            uint32 indexToRemove = currentOperatorIndex[quorumNumber][operatorId];
            uint32 lastIndex = counts[counts.length - 1].numOperators - 1;
            _updateOperatorCount(quorumNumber, lastIndex);
            // Pop the last operator and move it into the freed index (unless it is the one leaving).
            OperatorUpdate[] storage lastHistory = _indexHistory[quorumNumber][lastIndex];
            bytes32 lastOperatorId = lastHistory[lastHistory.length - 1].operatorId;
            _updateIndexHistory(quorumNumber, lastIndex, OPERATOR_DOES_NOT_EXIST_ID);
            if (lastOperatorId != operatorId) {
                _assignOperatorToIndex(lastOperatorId, quorumNumber, indexToRemove);
            }
        }
    }

    /// @inheritdoc IIndexRegistry
    function initializeQuorum(uint8 quorumNumber) external onlyRegistryCoordinator {
        if (_operatorCountHistory[quorumNumber].length != 0) revert QuorumAlreadyExists(quorumNumber);
        _operatorCountHistory[quorumNumber].push(QuorumUpdate({fromBlockNumber: uint32(block.number), numOperators: 0}));
    }

    function _updateOperatorCount(uint8 quorumNumber, uint32 newCount) internal {
        QuorumUpdate[] storage counts = _operatorCountHistory[quorumNumber];
        QuorumUpdate storage last = counts[counts.length - 1];
        if (last.fromBlockNumber == uint32(block.number)) {
            last.numOperators = newCount;
        } else {
            counts.push(QuorumUpdate({fromBlockNumber: uint32(block.number), numOperators: newCount}));
        }
    }

    function _assignOperatorToIndex(bytes32 operatorId, uint8 quorumNumber, uint32 index) internal {
        _updateIndexHistory(quorumNumber, index, operatorId);
        currentOperatorIndex[quorumNumber][operatorId] = index;
        emit QuorumIndexUpdate(operatorId, quorumNumber, index);
    }

    function _updateIndexHistory(uint8 quorumNumber, uint32 index, bytes32 operatorId) internal {
        OperatorUpdate[] storage history = _indexHistory[quorumNumber][index];
        OperatorUpdate storage last = history[history.length - 1];
        if (last.fromBlockNumber == uint32(block.number)) {
            last.operatorId = operatorId;
        } else {
            history.push(OperatorUpdate({fromBlockNumber: uint32(block.number), operatorId: operatorId}));
        }
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IIndexRegistry
    function totalOperatorsForQuorum(uint8 quorumNumber) external view returns (uint32) {
        QuorumUpdate[] storage counts = _operatorCountHistory[quorumNumber];
        return counts.length == 0 ? 0 : counts[counts.length - 1].numOperators;
    }

    /// @inheritdoc IIndexRegistry
    function getOperatorListAtBlockNumber(uint8 quorumNumber, uint32 blockNumber)
        external
        view
        returns (bytes32[] memory operatorList)
    {
        uint32 count = _operatorCountAtBlockNumber(quorumNumber, blockNumber);
        operatorList = new bytes32[](count);
        for (uint32 i = 0; i < count; ++i) {
            operatorList[i] = _operatorIdForIndexAtBlockNumber(quorumNumber, i, blockNumber);
        }
    }

    /// @inheritdoc IIndexRegistry
    function getLatestQuorumUpdate(uint8 quorumNumber) external view returns (QuorumUpdate memory) {
        QuorumUpdate[] storage counts = _operatorCountHistory[quorumNumber];
        if (counts.length == 0) revert QuorumDoesNotExist(quorumNumber);
        return counts[counts.length - 1];
    }

    /// @inheritdoc IIndexRegistry
    function getLatestOperatorUpdate(uint8 quorumNumber, uint32 operatorIndex)
        external
        view
        returns (OperatorUpdate memory update)
    {
        OperatorUpdate[] storage history = _indexHistory[quorumNumber][operatorIndex];
        if (history.length != 0) update = history[history.length - 1];
    }

    /// @notice Number of entries in the history of index `operatorIndex`.
    function getOperatorIndexHistoryLength(uint8 quorumNumber, uint32 operatorIndex) external view returns (uint256) {
        return _indexHistory[quorumNumber][operatorIndex].length;
    }

    function _operatorCountAtBlockNumber(uint8 quorumNumber, uint32 blockNumber) internal view returns (uint32) {
        QuorumUpdate[] storage counts = _operatorCountHistory[quorumNumber];
        for (uint256 i = counts.length; i > 0; --i) {
            if (counts[i - 1].fromBlockNumber <= blockNumber) return counts[i - 1].numOperators;
        }
        revert QuorumDidNotExistAtBlockNumber(quorumNumber, blockNumber);
    }

    function _operatorIdForIndexAtBlockNumber(uint8 quorumNumber, uint32 index, uint32 blockNumber)
        internal
        view
        returns (bytes32)
    {
        OperatorUpdate[] storage history = _indexHistory[quorumNumber][index];
        for (uint256 i = history.length; i > 0; --i) {
            if (history[i - 1].fromBlockNumber <= blockNumber) return history[i - 1].operatorId;
        }
        revert OperatorIdDoesNotExistAtBlockNumber(quorumNumber, index, blockNumber);
    }
}
