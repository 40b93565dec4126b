// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IStrategy} from "../../interfaces/IStrategy.sol";
import {IDelegationManager} from "../../interfaces/IDelegationManager.sol";

/// @title Errors of the stake registry.
interface IStakeRegistryErrors {
    /// @notice Only the RegistryCoordinator may call this function; `caller` is not it.
    error OnlyRegistryCoordinator(address caller);
    /// @notice Only the RegistryCoordinator's owner may call this function; `caller` is not it.
    error OnlyRegistryCoordinatorOwner(address caller);
    /// @notice The quorum already exists.
    error QuorumAlreadyExists(uint8 quorumNumber);
    /// @notice The quorum does not exist.
    error QuorumDoesNotExist(uint8 quorumNumber);
    /// @notice An operator's weight `stake` is below the quorum's minimum `minimumStake`.
    error BelowMinimumStakeRequirement(uint8 quorumNumber, uint96 stake, uint96 minimumStake);
    /// @notice A strategy list was empty where at least one is required.
    error InputArrayLengthZero();
    /// @notice Two input arrays have different lengths.
    error InputArrayLengthMismatch(uint256 a, uint256 b);
    /// @notice A quorum may weigh at most `max` strategies; `count` requested.
    error InputTooManyStrategies(uint256 count, uint256 max);
    /// @notice `strategy` appears twice in a quorum.
    error InputDuplicateStrategy(address strategy);
    /// @notice A strategy multiplier must be non-zero.
    error InputMultiplierZero();
    /// @notice The history entry starts after `blockNumber` (entry starts at `updateBlockNumber`).
    error InvalidBlockNumber(uint32 blockNumber, uint32 updateBlockNumber);
    /// @notice The history entry was superseded at `nextUpdateBlockNumber` <= `blockNumber`.
    error BlockNumberNotLatest(uint32 blockNumber, uint32 nextUpdateBlockNumber);
    /// @notice No stake entry of the operator exists at or before `blockNumber`.
    error NoStakeAtBlockNumber(bytes32 operatorId, uint8 quorumNumber, uint32 blockNumber);
    /// @notice History index `index` is out of range for a history of `length` entries.
    error IndexOutOfRange(uint256 index, uint256 length);
}

/// @title Operators' stake weights per quorum, with history by block (EigenLayer ABI).
/// @notice weight(operator, quorum) = sum over the quorum's strategies of shares * multiplier / 1e18.
interface IStakeRegistry is IStakeRegistryErrors {
    /// @notice A strategy a quorum counts, with its multiplier (1e18 = one weight unit per share).
    struct StrategyParams {
        IStrategy strategy;
        uint96 multiplier;
    }

    /// @notice A stake value valid from `updateBlockNumber` until `nextUpdateBlockNumber` (0 = still current).
    struct StakeUpdate {
        uint32 updateBlockNumber;
        uint32 nextUpdateBlockNumber;
        uint96 stake;
    }

    /// @notice `operatorId`'s stake in `quorumNumber` became `stake`.
    event OperatorStakeUpdate(bytes32 indexed operatorId, uint8 quorumNumber, uint96 stake);
    /// @notice The quorum's minimum stake became `minimumStake`.
    event MinimumStakeForQuorumUpdated(uint8 indexed quorumNumber, uint96 minimumStake);
    /// @notice `strategy` was added to `quorumNumber`.
    event StrategyAddedToQuorum(uint8 indexed quorumNumber, IStrategy strategy);
    /// @notice `strategy` was removed from `quorumNumber`.
    event StrategyRemovedFromQuorum(uint8 indexed quorumNumber, IStrategy strategy);
    /// @notice `strategy`'s multiplier in `quorumNumber` became `multiplier`.
    event StrategyMultiplierUpdated(uint8 indexed quorumNumber, IStrategy strategy, uint256 multiplier);

    /// @notice The DelegationManager the weights are read from.
    function delegation() external view returns (IDelegationManager);
    /// @notice Records `operatorId`'s stake in each quorum; returns the new operator and total stakes. Coordinator only.
    function registerOperator(address operator, bytes32 operatorId, bytes calldata quorumNumbers)
        external
        returns (uint96[] memory, uint96[] memory);
    /// @notice Zeroes `operatorId`'s stake in each quorum. Coordinator only.
    function deregisterOperator(bytes32 operatorId, bytes calldata quorumNumbers) external;
    /// @notice Re-reads `operator`'s weight in each quorum; returns the quorums where it fell below the
    ///         minimum (its stake is then recorded as zero and the coordinator deregisters it). Coordinator only.
    function updateOperatorStake(address operator, bytes32 operatorId, bytes calldata quorumNumbers)
        external
        returns (uint192);
    /// @notice Creates a quorum with a minimum stake and its strategies. Coordinator only.
    function initializeQuorum(uint8 quorumNumber, uint96 minimumStake, StrategyParams[] memory strategyParams) external;
    /// @notice The quorum's minimum stake.
    function minimumStakeForQuorum(uint8 quorumNumber) external view returns (uint96);
    /// @notice Number of strategies the quorum counts.
    function strategyParamsLength(uint8 quorumNumber) external view returns (uint256);
    /// @notice Strategy `index` of the quorum.
    function strategyParamsByIndex(uint8 quorumNumber, uint256 index) external view returns (StrategyParams memory);
    /// @notice `operator`'s weight in `quorumNumber` right now (from the DelegationManager).
    function weightOfOperatorForQuorum(uint8 quorumNumber, address operator) external view returns (uint96);
    /// @notice `operatorId`'s stake in `quorumNumber` at `blockNumber`, given the index of the entry in force.
    function getStakeAtBlockNumberAndIndex(uint8 quorumNumber, uint32 blockNumber, bytes32 operatorId, uint256 index)
        external
        view
        returns (uint96);
    /// @notice The quorum's total stake at `blockNumber`, given the index of the entry in force.
    function getTotalStakeAtBlockNumberFromIndex(uint8 quorumNumber, uint32 blockNumber, uint256 index)
        external
        view
        returns (uint96);
    /// @notice Index of `operatorId`'s stake entry in force at `blockNumber`.
    function getStakeUpdateIndexAtBlockNumber(bytes32 operatorId, uint8 quorumNumber, uint32 blockNumber)
        external
        view
        returns (uint32);
    /// @notice For each quorum, index of the total stake entry in force at `blockNumber`.
    function getTotalStakeIndicesAtBlockNumber(uint32 blockNumber, bytes calldata quorumNumbers)
        external
        view
        returns (uint32[] memory);
    /// @notice `operatorId`'s stake in `quorumNumber` at `blockNumber` (searches the history).
    function getStakeAtBlockNumber(bytes32 operatorId, uint8 quorumNumber, uint32 blockNumber)
        external
        view
        returns (uint96);
    /// @notice `operatorId`'s current stake in `quorumNumber`.
    function getCurrentStake(bytes32 operatorId, uint8 quorumNumber) external view returns (uint96);
    /// @notice The quorum's current total stake.
    function getCurrentTotalStake(uint8 quorumNumber) external view returns (uint96);
    /// @notice `operatorId`'s stake history in `quorumNumber`.
    function getStakeHistory(bytes32 operatorId, uint8 quorumNumber) external view returns (StakeUpdate[] memory);
    /// @notice Number of total stake history entries of the quorum.
    function getTotalStakeHistoryLength(uint8 quorumNumber) external view returns (uint256);
    /// @notice Total stake history entry `index` of the quorum.
    function getTotalStakeUpdateAtIndex(uint8 quorumNumber, uint256 index) external view returns (StakeUpdate memory);
}
