// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IStrategy} from "../interfaces/IStrategy.sol";
import {IDelegationManager} from "../interfaces/IDelegationManager.sol";
import {BitmapUtils} from "../libraries/BitmapUtils.sol";
import {IStakeRegistry} from "./interfaces/IStakeRegistry.sol";
import {IRegistryCoordinator} from "./interfaces/IRegistryCoordinator.sol";

/// @title Operators' stake weights per quorum and their history by block.
/// @notice A quorum counts a list of strategies, each with a multiplier; an operator's weight is
///         sum(shares_s * multiplier_s / 1e18) over those strategies, read from the DelegationManager when the
///         coordinator registers or updates the operator. Histories collapse updates within one block.
contract StakeRegistry is IStakeRegistry {
    /// @notice Multipliers are fixed point with this denominator (1e18 = weight 1 per share).
    uint256 public constant WEIGHTING_DIVISOR = 1e18;
    /// @notice At most this many strategies per quorum (bounds the cost of a stake update).
    uint8 public constant MAX_WEIGHING_FUNCTION_LENGTH = 32;

    /// @notice The coordinator, the only caller of the mutating registry functions.
    address public immutable registryCoordinator;
    /// @inheritdoc IStakeRegistry
    IDelegationManager public immutable delegation;

    /// @inheritdoc IStakeRegistry
    mapping(uint8 quorumNumber => uint96 minimumStake) public minimumStakeForQuorum;
    mapping(uint8 quorumNumber => StrategyParams[] params) internal _strategyParams;
    mapping(uint8 quorumNumber => StakeUpdate[] history) internal _totalStakeHistory;
    mapping(bytes32 operatorId => mapping(uint8 quorumNumber => StakeUpdate[] history)) internal _operatorStakeHistory;

    modifier onlyRegistryCoordinator() {
        if (msg.sender != registryCoordinator) revert OnlyRegistryCoordinator(msg.sender);
        _;
    }

    modifier onlyCoordinatorOwner() {
        if (msg.sender != IRegistryCoordinator(registryCoordinator).owner()) {
            revert OnlyRegistryCoordinatorOwner(msg.sender);
        }
        _;
    }

    modifier quorumExists(uint8 quorumNumber) {
        if (_totalStakeHistory[quorumNumber].length == 0) revert QuorumDoesNotExist(quorumNumber);
        _;
    }

    /// @param coordinator the RegistryCoordinator
    /// @param delegationManager where operator shares are read
    constructor(address coordinator, IDelegationManager delegationManager) {
        registryCoordinator = coordinator;
        delegation = delegationManager;
    }

    // ------------------------------------------------------------------ coordinator

    /// @inheritdoc IStakeRegistry
    function registerOperator(address operator, bytes32 operatorId, bytes calldata quorumNumbers)
        external
        onlyRegistryCoordinator
        returns (uint96[] memory currentStakes, uint96[] memory totalStakes)
    {
        currentStakes = new uint96[](quorumNumbers.length);
        totalStakes = new uint96[](quorumNumbers.length);
        for (uint256 i = 0; i < quorumNumbers.length; ++i) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            if (_totalStakeHistory[quorumNumber].length == 0) revert QuorumDoesNotExist(quorumNumber);
            (uint96 weight, bool meetsMinimum) = _weightOfOperatorForQuorum(quorumNumber, operator);
            if (!meetsMinimum) {
                revert BelowMinimumStakeRequirement(quorumNumber, weight, minimumStakeForQuorum[quorumNumber]);
            }
            int256 delta = _recordOperatorStakeUpdate(operatorId, quorumNumber, weight);
            currentStakes[i] = weight;
            totalStakes[i] = _recordTotalStakeUpdate(quorumNumber, delta);
        }
    }

    /// @inheritdoc IStakeRegistry
    function deregisterOperator(bytes32 operatorId, bytes calldata quorumNumbers) external onlyRegistryCoordinator {
        for (uint256 i = 0; i < quorumNumbers.length; ++i) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            if (_totalStakeHistory[quorumNumber].length == 0) revert QuorumDoesNotExist(quorumNumber);
            int256 delta = _recordOperatorStakeUpdate(operatorId, quorumNumber, 0);
            _recordTotalStakeUpdate(quorumNumber, delta);
        }
    }

    /// @inheritdoc IStakeRegistry
    function updateOperatorStake(address operator, bytes32 operatorId, bytes calldata quorumNumbers)
        external
        onlyRegistryCoordinator
        returns (uint192 quorumsToRemove)
    {
        for (uint256 i = 0; i < quorumNumbers.length; ++i) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            if (_totalStakeHistory[quorumNumber].length == 0) revert QuorumDoesNotExist(quorumNumber);
            (uint96 weight, bool meetsMinimum) = _weightOfOperatorForQuorum(quorumNumber, operator);
            // An operator below the minimum counts for nothing; the coordinator deregisters it.
            if (!meetsMinimum) {
                weight = 0;
                quorumsToRemove = uint192(BitmapUtils.setBit(quorumsToRemove, quorumNumber));
            }
            int256 delta = _recordOperatorStakeUpdate(operatorId, quorumNumber, weight);
            _recordTotalStakeUpdate(quorumNumber, delta);
        }
    }

    /// @inheritdoc IStakeRegistry
    function initializeQuorum(uint8 quorumNumber, uint96 minimumStake, StrategyParams[] memory strategyParams)
        external
        onlyRegistryCoordinator
    {
        if (_totalStakeHistory[quorumNumber].length != 0) revert QuorumAlreadyExists(quorumNumber);
        _addStrategyParams(quorumNumber, strategyParams);
        _setMinimumStakeForQuorum(quorumNumber, minimumStake);
        _totalStakeHistory[quorumNumber].push(
            StakeUpdate({updateBlockNumber: uint32(block.number), nextUpdateBlockNumber: 0, stake: 0})
        );
    }

    // ------------------------------------------------------------------ owner

    /// @notice Sets the quorum's minimum stake (takes effect at the next operator update).
    function setMinimumStakeForQuorum(uint8 quorumNumber, uint96 minimumStake)
        external
        onlyCoordinatorOwner
        quorumExists(quorumNumber)
    {
        _setMinimumStakeForQuorum(quorumNumber, minimumStake);
    }

    /// @notice Adds strategies to the quorum.
    function addStrategies(uint8 quorumNumber, StrategyParams[] memory strategyParams)
        external
        onlyCoordinatorOwner
        quorumExists(quorumNumber)
    {
        _addStrategyParams(quorumNumber, strategyParams);
    }

    /// @notice Removes the strategies at `indicesToRemove` (give them in descending order: removal swaps
    ///         the last entry into the freed slot).
    function removeStrategies(uint8 quorumNumber, uint256[] calldata indicesToRemove)
        external
        onlyCoordinatorOwner
        quorumExists(quorumNumber)
    {
        if (indicesToRemove.length == 0) revert InputArrayLengthZero();
        StrategyParams[] storage params = _strategyParams[quorumNumber];
        for (uint256 i = 0; i < indicesToRemove.length; ++i) {
            uint256 index = indicesToRemove[i];
            if (index >= params.length) revert IndexOutOfRange(index, params.length);
            emit StrategyRemovedFromQuorum(quorumNumber, params[index].strategy);
            emit StrategyMultiplierUpdated(quorumNumber, params[index].strategy, 0);
            params[index] = params[params.length - 1];
            params.pop();
        }
    }

    /// @notice Changes the multipliers of the strategies at `strategyIndices`.
    function modifyStrategyParams(
        uint8 quorumNumber,
        uint256[] calldata strategyIndices,
        uint96[] calldata newMultipliers
    ) external onlyCoordinatorOwner quorumExists(quorumNumber) {
        if (strategyIndices.length == 0) revert InputArrayLengthZero();
        if (strategyIndices.length != newMultipliers.length) {
            revert InputArrayLengthMismatch(strategyIndices.length, newMultipliers.length);
        }
        StrategyParams[] storage params = _strategyParams[quorumNumber];
        for (uint256 i = 0; i < strategyIndices.length; ++i) {
            if (newMultipliers[i] == 0) revert InputMultiplierZero();
            if (strategyIndices[i] >= params.length) revert IndexOutOfRange(strategyIndices[i], params.length);
            params[strategyIndices[i]].multiplier = newMultipliers[i];
            emit StrategyMultiplierUpdated(quorumNumber, params[strategyIndices[i]].strategy, newMultipliers[i]);
        }
    }

    // ------------------------------------------------------------------ internal

    function _setMinimumStakeForQuorum(uint8 quorumNumber, uint96 minimumStake) internal {
        minimumStakeForQuorum[quorumNumber] = minimumStake;
        emit MinimumStakeForQuorumUpdated(quorumNumber, minimumStake);
    }

    function _addStrategyParams(uint8 quorumNumber, StrategyParams[] memory strategyParams) internal {
        if (strategyParams.length == 0) revert InputArrayLengthZero();
        StrategyParams[] storage params = _strategyParams[quorumNumber];
        uint256 total = params.length + strategyParams.length;
        if (total > MAX_WEIGHING_FUNCTION_LENGTH) revert InputTooManyStrategies(total, MAX_WEIGHING_FUNCTION_LENGTH);
        for (uint256 i = 0; i < strategyParams.length; ++i) {
            if (strategyParams[i].multiplier == 0) revert InputMultiplierZero();
            for (uint256 j = 0; j < params.length; ++j) {
                if (params[j].strategy == strategyParams[i].strategy) {
                    revert InputDuplicateStrategy(address(strategyParams[i].strategy));
                }
            }
            params.push(strategyParams[i]);
            emit StrategyAddedToQuorum(quorumNumber, strategyParams[i].strategy);
            emit StrategyMultiplierUpdated(quorumNumber, strategyParams[i].strategy, strategyParams[i].multiplier);
        }
    }

    /// @notice Records `newStake` for the operator; returns new - old.
    function _recordOperatorStakeUpdate(bytes32 operatorId, uint8 quorumNumber, uint96 newStake)
        internal
        returns (int256 delta)
    {
        StakeUpdate[] storage history = _operatorStakeHistory[operatorId][quorumNumber];
        uint256 length = history.length;
        uint96 previousStake;
        if (length == 0) {
            history.push(
                StakeUpdate({updateBlockNumber: uint32(block.number), nextUpdateBlockNumber: 0, stake: newStake})
            );
        } else {
            StakeUpdate storage last = history[length - 1];
            previousStake = last.stake;
            if (previousStake == newStake) return 0;
            if (last.updateBlockNumber == uint32(block.number)) {
                last.stake = newStake;
            } else {
                last.nextUpdateBlockNumber = uint32(block.number);
                history.push(
                    StakeUpdate({updateBlockNumber: uint32(block.number), nextUpdateBlockNumber: 0, stake: newStake})
                );
            }
        }
        emit OperatorStakeUpdate(operatorId, quorumNumber, newStake);
        return int256(uint256(newStake)) - int256(uint256(previousStake));
    }

    /// @notice Applies `delta` to the quorum's total stake; returns the new total.
    function _recordTotalStakeUpdate(uint8 quorumNumber, int256 delta) internal returns (uint96 newTotal) {
        StakeUpdate[] storage history = _totalStakeHistory[quorumNumber];
        StakeUpdate storage last = history[history.length - 1];
        if (delta == 0) return last.stake;
        // The total is the sum of the recorded operator stakes, each a uint96, so the checked casts below can
        // only fail if that invariant were broken (and then revert rather than wrap).
        newTotal = SafeCast.toUint96(SafeCast.toUint256(int256(uint256(last.stake)) + delta));
        if (last.updateBlockNumber == uint32(block.number)) {
            last.stake = newTotal;
        } else {
            last.nextUpdateBlockNumber = uint32(block.number);
            history.push(
                StakeUpdate({updateBlockNumber: uint32(block.number), nextUpdateBlockNumber: 0, stake: newTotal})
            );
        }
    }

    /// @notice The operator's weight (saturating at uint96 max) and whether it meets the quorum's minimum.
    function _weightOfOperatorForQuorum(uint8 quorumNumber, address operator)
        internal
        view
        returns (uint96 weight, bool meetsMinimum)
    {
        StrategyParams[] storage params = _strategyParams[quorumNumber];
        uint256 count = params.length;
        IStrategy[] memory strategies = new IStrategy[](count);
        for (uint256 i = 0; i < count; ++i) {
            strategies[i] = params[i].strategy;
        }
        uint256[] memory shares = delegation.getOperatorShares(operator, strategies);
        uint256 total;
        for (uint256 i = 0; i < count; ++i) {
            // Rounding per strategy (not on the sum) matches upstream.
            total += shares[i] * params[i].multiplier / WEIGHTING_DIVISOR;
        }
        // Saturate rather than truncate: 2^96 - 1 is ~7.9e10 tokens of 18 decimals.
        // forge-lint: disable-next-line(unsafe-typecast) -- guarded by the comparison
        weight = total > type(uint96).max ? type(uint96).max : uint96(total);
        meetsMinimum = weight >= minimumStakeForQuorum[quorumNumber];
    }

    /// @notice History entry `index`, read with one storage load instead of two.
    /// @dev Skips the array length load (a cold SLOAD per non-signer and quorum in `checkSignatures`). Sound
    ///      because histories are push-only and every entry has updateBlockNumber >= 1 (no transaction runs in
    ///      the genesis block), so a zero updateBlockNumber means "past the end"; indices are capped at 2^32 so
    ///      the slot arithmetic cannot reach other storage.
    function _entry(StakeUpdate[] storage history, uint256 index) internal view returns (StakeUpdate memory update) {
        if (index > type(uint32).max) revert IndexOutOfRange(index, history.length);
        StakeUpdate storage slot;
        assembly ("memory-safe") {
            mstore(0x00, history.slot)
            slot.slot := add(keccak256(0x00, 0x20), index)
        }
        update = slot;
        if (update.updateBlockNumber == 0) revert IndexOutOfRange(index, history.length);
    }

    function _validateStakeUpdateAtBlockNumber(StakeUpdate memory update, uint32 blockNumber) internal pure {
        if (update.updateBlockNumber > blockNumber) revert InvalidBlockNumber(blockNumber, update.updateBlockNumber);
        if (update.nextUpdateBlockNumber != 0 && update.nextUpdateBlockNumber <= blockNumber) {
            revert BlockNumberNotLatest(blockNumber, update.nextUpdateBlockNumber);
        }
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IStakeRegistry
    function strategyParamsLength(uint8 quorumNumber) external view returns (uint256) {
        return _strategyParams[quorumNumber].length;
    }

    /// @inheritdoc IStakeRegistry
    function strategyParamsByIndex(uint8 quorumNumber, uint256 index) external view returns (StrategyParams memory) {
        return _strategyParams[quorumNumber][index];
    }

    /// @inheritdoc IStakeRegistry
    function weightOfOperatorForQuorum(uint8 quorumNumber, address operator)
        external
        view
        quorumExists(quorumNumber)
        returns (uint96 weight)
    {
        (weight,) = _weightOfOperatorForQuorum(quorumNumber, operator);
    }

    /// @inheritdoc IStakeRegistry
    function getStakeAtBlockNumberAndIndex(uint8 quorumNumber, uint32 blockNumber, bytes32 operatorId, uint256 index)
        external
        view
        returns (uint96)
    {
        StakeUpdate memory update = _entry(_operatorStakeHistory[operatorId][quorumNumber], index);
        _validateStakeUpdateAtBlockNumber(update, blockNumber);
        return update.stake;
    }

    /// @inheritdoc IStakeRegistry
    function getTotalStakeAtBlockNumberFromIndex(uint8 quorumNumber, uint32 blockNumber, uint256 index)
        external
        view
        returns (uint96)
    {
        StakeUpdate memory update = _entry(_totalStakeHistory[quorumNumber], index);
        _validateStakeUpdateAtBlockNumber(update, blockNumber);
        return update.stake;
    }

    /// @inheritdoc IStakeRegistry
    function getStakeUpdateIndexAtBlockNumber(bytes32 operatorId, uint8 quorumNumber, uint32 blockNumber)
        public
        view
        returns (uint32)
    {
        StakeUpdate[] storage history = _operatorStakeHistory[operatorId][quorumNumber];
        for (uint256 i = history.length; i > 0; --i) {
            // forge-lint: disable-next-line(unsafe-typecast) -- histories grow by at most one entry per block, far below 2^32 entries
            if (history[i - 1].updateBlockNumber <= blockNumber) return uint32(i - 1);
        }
        revert NoStakeAtBlockNumber(operatorId, quorumNumber, blockNumber);
    }

    /// @inheritdoc IStakeRegistry
    function getTotalStakeIndicesAtBlockNumber(uint32 blockNumber, bytes calldata quorumNumbers)
        external
        view
        returns (uint32[] memory indices)
    {
        indices = new uint32[](quorumNumbers.length);
        for (uint256 i = 0; i < quorumNumbers.length; ++i) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            StakeUpdate[] storage history = _totalStakeHistory[quorumNumber];
            if (history.length == 0) revert QuorumDoesNotExist(quorumNumber);
            if (history[0].updateBlockNumber > blockNumber) {
                revert InvalidBlockNumber(blockNumber, history[0].updateBlockNumber);
            }
            for (uint256 j = history.length; j > 0; --j) {
                if (history[j - 1].updateBlockNumber <= blockNumber) {
                    // forge-lint: disable-next-line(unsafe-typecast) -- histories grow by at most one entry per block, far below 2^32 entries
                    indices[i] = uint32(j - 1);
                    break;
                }
            }
        }
    }

    /// @inheritdoc IStakeRegistry
    function getStakeAtBlockNumber(bytes32 operatorId, uint8 quorumNumber, uint32 blockNumber)
        external
        view
        returns (uint96)
    {
        return _operatorStakeHistory[operatorId][quorumNumber][getStakeUpdateIndexAtBlockNumber(
                operatorId, quorumNumber, blockNumber
            )].stake;
    }

    /// @inheritdoc IStakeRegistry
    function getCurrentStake(bytes32 operatorId, uint8 quorumNumber) external view returns (uint96) {
        StakeUpdate[] storage history = _operatorStakeHistory[operatorId][quorumNumber];
        return history.length == 0 ? 0 : history[history.length - 1].stake;
    }

    /// @inheritdoc IStakeRegistry
    function getCurrentTotalStake(uint8 quorumNumber) external view quorumExists(quorumNumber) returns (uint96) {
        StakeUpdate[] storage history = _totalStakeHistory[quorumNumber];
        return history[history.length - 1].stake;
    }

    /// @inheritdoc IStakeRegistry
    function getStakeHistory(bytes32 operatorId, uint8 quorumNumber) external view returns (StakeUpdate[] memory) {
        return _operatorStakeHistory[operatorId][quorumNumber];
    }

    /// @notice Number of stake history entries of the operator in the quorum.
    function getStakeHistoryLength(bytes32 operatorId, uint8 quorumNumber) external view returns (uint256) {
        return _operatorStakeHistory[operatorId][quorumNumber].length;
    }

    /// @inheritdoc IStakeRegistry
    function getTotalStakeHistoryLength(uint8 quorumNumber) external view returns (uint256) {
        return _totalStakeHistory[quorumNumber].length;
    }

    /// @inheritdoc IStakeRegistry
    function getTotalStakeUpdateAtIndex(uint8 quorumNumber, uint256 index) external view returns (StakeUpdate memory) {
        return _totalStakeHistory[quorumNumber][index];
    }
}
