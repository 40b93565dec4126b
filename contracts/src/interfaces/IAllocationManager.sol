// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IStrategy} from "./IStrategy.sol";
import {IAVSRegistrar} from "./IAVSRegistrar.sol";

/// @title Types of the AllocationManager (EigenLayer's slashing release, lean).
interface IAllocationManagerTypes {
    /// @notice An operator set: an AVS and a set id chosen by it.
    struct OperatorSet {
        address avs;
        uint32 id;
    }

    /// @notice An operator set to create and its strategies.
    struct CreateSetParams {
        uint32 operatorSetId;
        IStrategy[] strategies;
    }

    /// @notice Operator sets of `avs` an operator joins; `data` goes to the AVS registrar.
    struct RegisterParams {
        address avs;
        uint32[] operatorSetIds;
        bytes data;
    }

    /// @notice Operator sets of `avs` that `operator` leaves.
    struct DeregisterParams {
        address operator;
        address avs;
        uint32[] operatorSetIds;
    }

    /// @notice New magnitudes (WAD = all of the operator's stake) for strategies of one operator set.
    struct AllocateParams {
        OperatorSet operatorSet;
        IStrategy[] strategies;
        uint64[] newMagnitudes;
    }

    /// @notice A slash: the fraction (WAD) of `operator`'s allocation to the set taken per strategy.
    /// @dev `strategies` must be strictly ascending by address.
    struct SlashingParams {
        address operator;
        uint32 operatorSetId;
        IStrategy[] strategies;
        uint256[] wadsToSlash;
        string description;
    }

    /// @notice An operator's allocation to one set in one strategy.
    /// @param currentMagnitude The magnitude slashable now.
    /// @param pendingDiff The change taking effect at `effectBlock` (0: none pending).
    /// @param effectBlock The block from which `currentMagnitude + pendingDiff` applies.
    struct Allocation {
        uint64 currentMagnitude;
        int128 pendingDiff;
        uint32 effectBlock;
    }
}

/// @title Errors of the AllocationManager.
interface IAllocationManagerErrors {
    /// @notice `caller` may not act for `account`.
    error InvalidCaller(address caller, address account);
    /// @notice `operator` is not registered in the DelegationManager.
    error InvalidOperator(address operator);
    /// @notice Operator set `id` of `avs` does not exist.
    error InvalidOperatorSet(address avs, uint32 id);
    /// @notice Operator set `id` of `avs` already exists.
    error OperatorSetAlreadyExists(address avs, uint32 id);
    /// @notice `strategy` is already in operator set `id` of `avs`.
    error StrategyAlreadyInOperatorSet(address avs, uint32 id, IStrategy strategy);
    /// @notice `strategy` is not in operator set `id` of `avs`.
    error StrategyNotInOperatorSet(address avs, uint32 id, IStrategy strategy);
    /// @notice `operator` is already a member of operator set `id` of `avs`.
    error AlreadyMemberOfSet(address operator, address avs, uint32 id);
    /// @notice `operator` is not a member of operator set `id` of `avs`.
    error NotMemberOfSet(address operator, address avs, uint32 id);
    /// @notice `operator` has no allocation delay in effect yet.
    error UninitializedAllocationDelay(address operator);
    /// @notice An allocation change is still pending for `operator` in `strategy`; it takes effect at `effectBlock`.
    error ModificationAlreadyPending(address operator, IStrategy strategy, uint32 effectBlock);
    /// @notice The new magnitude equals the current one (`magnitude`).
    error SameMagnitude(uint64 magnitude);
    /// @notice The operator can allocate `available` more magnitude in `strategy`, `requested` was asked for.
    error InsufficientMagnitude(IStrategy strategy, uint64 available, uint64 requested);
    /// @notice Array arguments have different lengths.
    error InputArrayLengthMismatch(uint256 left, uint256 right);
    /// @notice `caller` is not the slasher of `avs` (`slasher`).
    error NotSlasher(address caller, address avs, address slasher);
    /// @notice `operator` is neither a member of nor still slashable by operator set `id` of `avs`.
    error OperatorNotSlashable(address operator, address avs, uint32 id);
    /// @notice A slash must take a fraction in (0, 1e18]; `wad` is not.
    error InvalidWadToSlash(uint256 wad);
    /// @notice Slashed strategies must be strictly ascending; `strategy` follows `previous`.
    error StrategiesMustBeInAscendingOrder(IStrategy previous, IStrategy strategy);
    /// @notice A zero address where an account is required.
    error ZeroAddress();
}

/// @title Events of the AllocationManager.
interface IAllocationManagerEvents {
    /// @notice `avs` created `operatorSet`.
    event OperatorSetCreated(IAllocationManagerTypes.OperatorSet operatorSet);
    /// @notice `strategy` joined `operatorSet`.
    event StrategyAddedToOperatorSet(IAllocationManagerTypes.OperatorSet operatorSet, IStrategy strategy);
    /// @notice `strategy` left `operatorSet`.
    event StrategyRemovedFromOperatorSet(IAllocationManagerTypes.OperatorSet operatorSet, IStrategy strategy);
    /// @notice `avs` now receives registration callbacks at `registrar`.
    event AVSRegistrarSet(address avs, IAVSRegistrar registrar);
    /// @notice `slasher` may now slash operators in the operator sets of `avs`.
    event AVSSlasherSet(address avs, address slasher);
    /// @notice `operator` joined `operatorSet`.
    event OperatorAddedToOperatorSet(address indexed operator, IAllocationManagerTypes.OperatorSet operatorSet);
    /// @notice `operator` left `operatorSet` (it stays slashable for DEALLOCATION_DELAY blocks).
    event OperatorRemovedFromOperatorSet(address indexed operator, IAllocationManagerTypes.OperatorSet operatorSet);
    /// @notice `operator`'s allocation delay becomes `delay` from `effectBlock`.
    event AllocationDelaySet(address operator, uint32 delay, uint32 effectBlock);
    /// @notice `operator`'s allocation to `operatorSet` in `strategy` becomes `magnitude` from `effectBlock`.
    event AllocationUpdated(
        address operator,
        IAllocationManagerTypes.OperatorSet operatorSet,
        IStrategy strategy,
        uint64 magnitude,
        uint32 effectBlock
    );
    /// @notice `operator`'s max magnitude in `strategy` fell to `maxMagnitude` (a slash).
    event MaxMagnitudeUpdated(address operator, IStrategy strategy, uint64 maxMagnitude);
    /// @notice `operator` was slashed in `operatorSet`; `wadSlashed[i]` is the fraction of its total stake in
    ///         `strategies[i]` that was taken.
    event OperatorSlashed(
        address operator,
        IAllocationManagerTypes.OperatorSet operatorSet,
        IStrategy[] strategies,
        uint256[] wadSlashed,
        string description
    );
}

/// @title Operator sets, allocations of slashable magnitude, and slashing.
/// @notice Each operator holds a max magnitude of 1e18 (WAD) per strategy, which it allocates across operator sets.
///         An allocation to a set is the fraction of the operator's delegated stake the set may slash.
///         Increases take effect after the operator's allocation delay; decreases, and leaving a set, only after
///         `DEALLOCATION_DELAY` blocks during which the stake stays slashable. A slash lowers the allocation and
///         the max magnitude by the same amount, and the DelegationManager scales the operator's shares with it.
interface IAllocationManager is IAllocationManagerTypes, IAllocationManagerErrors, IAllocationManagerEvents {
    /// @notice Creates operator sets for `avs`. Caller: the AVS.
    function createOperatorSets(address avs, CreateSetParams[] calldata params) external;

    /// @notice Adds strategies to operator set `operatorSetId` of `avs`. Caller: the AVS.
    function addStrategiesToOperatorSet(address avs, uint32 operatorSetId, IStrategy[] calldata strategies) external;

    /// @notice Removes strategies from operator set `operatorSetId` of `avs`. Caller: the AVS.
    function removeStrategiesFromOperatorSet(address avs, uint32 operatorSetId, IStrategy[] calldata strategies)
        external;

    /// @notice Sends `avs`'s registration callbacks to `registrar` (default: the AVS itself). Caller: the AVS.
    function setAVSRegistrar(address avs, IAVSRegistrar registrar) external;

    /// @notice Lets `slasher` slash in `avs`'s operator sets (default: the AVS itself). Caller: the AVS.
    function setAVSSlasher(address avs, address slasher) external;

    /// @notice Registers `operator` into operator sets; calls the AVS registrar. Caller: the operator.
    function registerForOperatorSets(address operator, RegisterParams calldata params) external;

    /// @notice Deregisters an operator from operator sets; it stays slashable for `DEALLOCATION_DELAY` blocks.
    ///         Calls the AVS registrar. Caller: the operator or the AVS.
    function deregisterFromOperatorSets(DeregisterParams calldata params) external;

    /// @notice Sets `operator`'s allocation delay, in effect after `ALLOCATION_CONFIGURATION_DELAY` blocks.
    ///         Caller: the operator, or the DelegationManager on registration.
    function setAllocationDelay(address operator, uint32 delay) external;

    /// @notice Changes `operator`'s allocations. Caller: the operator.
    function modifyAllocations(address operator, AllocateParams[] calldata params) external;

    /// @notice Slashes `params.operator` in one operator set of `avs`. Caller: the AVS's slasher.
    /// @return slashedShares Per strategy, the delegated and queued shares slashed.
    function slashOperator(address avs, SlashingParams calldata params)
        external
        returns (uint256[] memory slashedShares);

    /// @notice Blocks a deallocation or deregistration keeps stake slashable.
    function DEALLOCATION_DELAY() external view returns (uint32);

    /// @notice Blocks before a new allocation delay takes effect.
    function ALLOCATION_CONFIGURATION_DELAY() external view returns (uint32);

    /// @notice The DelegationManager.
    function delegation() external view returns (address);

    /// @notice `operator`'s max magnitude in `strategy` now (WAD until slashed).
    function getMaxMagnitude(address operator, IStrategy strategy) external view returns (uint64);

    /// @notice `operator`'s max magnitude in `strategy` at the end of block `blockNumber`.
    function getMaxMagnitudeAtBlock(address operator, IStrategy strategy, uint32 blockNumber)
        external
        view
        returns (uint64);

    /// @notice Magnitude of `operator` in `strategy` allocated or pending allocation.
    function getEncumberedMagnitude(address operator, IStrategy strategy) external view returns (uint64);

    /// @notice Magnitude of `operator` in `strategy` still free to allocate.
    function getAllocatableMagnitude(address operator, IStrategy strategy) external view returns (uint64);

    /// @notice `operator`'s allocation to `operatorSet` in `strategy`, with a pending change applied once effective.
    function getAllocation(address operator, OperatorSet calldata operatorSet, IStrategy strategy)
        external
        view
        returns (Allocation memory);

    /// @notice Whether `operator` has an allocation delay in effect, and its value.
    function getAllocationDelay(address operator) external view returns (bool isSet, uint32 delay);

    /// @notice Whether `operatorSet` exists.
    function isOperatorSet(OperatorSet calldata operatorSet) external view returns (bool);

    /// @notice The strategies of `operatorSet`.
    function getStrategiesInOperatorSet(OperatorSet calldata operatorSet) external view returns (IStrategy[] memory);

    /// @notice The members of `operatorSet`.
    function getMembers(OperatorSet calldata operatorSet) external view returns (address[] memory);

    /// @notice Whether `operator` is a member of `operatorSet`.
    function isMemberOfOperatorSet(address operator, OperatorSet calldata operatorSet) external view returns (bool);

    /// @notice Whether `operatorSet` may slash `operator` now (member, or left less than DEALLOCATION_DELAY ago).
    function isOperatorSlashable(address operator, OperatorSet calldata operatorSet) external view returns (bool);

    /// @notice The AVS registrar of `avs`.
    function getAVSRegistrar(address avs) external view returns (IAVSRegistrar);

    /// @notice The slasher of `avs`.
    function getSlasher(address avs) external view returns (address);

    /// @notice Per operator and strategy, the delegated shares slashable by `operatorSet` now:
    ///         `operatorShares * currentMagnitude / maxMagnitude`.
    function getAllocatedStake(
        OperatorSet calldata operatorSet,
        address[] calldata operators,
        IStrategy[] calldata strategies
    ) external view returns (uint256[][] memory);

    /// @notice Per operator and strategy, the delegated shares slashable by `operatorSet` now and up to
    ///         `futureBlock` (pending decreases effective by then are applied; pending increases are not).
    function getMinimumSlashableStake(
        OperatorSet calldata operatorSet,
        address[] calldata operators,
        IStrategy[] calldata strategies,
        uint32 futureBlock
    ) external view returns (uint256[][] memory slashableStake);
}
