// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IAllocationManager, IAllocationManagerTypes} from "../../interfaces/IAllocationManager.sol";
import {IAVSRegistrar} from "../../interfaces/IAVSRegistrar.sol";
import {IStrategy} from "../../interfaces/IStrategy.sol";
import {IRewardsCoordinator, IRewardsCoordinatorTypes} from "../../interfaces/IRewardsCoordinator.sol";

/// @title Errors of Lamina's service manager in its role as the AVS of the AllocationManager.
interface ILaminaServiceManagerErrors {
    /// @notice Only the AllocationManager may call this function; `caller` is not it.
    error OnlyAllocationManager(address caller);
    /// @notice A registrar callback named `avs`, which is not this service manager.
    error NotThisAVS(address avs);
    /// @notice `operator` joins Lamina's operator sets without being registered with the RegistryCoordinator.
    error OperatorNotRegistered(address operator);
    /// @notice No RewardsCoordinator is set: rewards cannot be submitted yet.
    error RewardsCoordinatorNotSet();
}

/// @title Events of Lamina's service manager in its role as the AVS of the AllocationManager.
interface ILaminaServiceManagerEvents {
    /// @notice `slasher` may now slash Lamina's operator sets (the AllocationManager emits `AVSSlasherSet` too).
    event SlasherAppointed(address slasher);
    /// @notice Rewards are now submitted to `rewardsCoordinator`.
    event RewardsCoordinatorSet(address rewardsCoordinator);
}

/// @title Lamina's service manager as an EigenLayer AVS of the AllocationManager: operator sets and slashing.
/// @notice The AllocationManager only accepts operator-set configuration from the AVS itself, so the service
///         manager forwards the owner's calls. Slashing goes through the slasher it appoints (a VetoableSlasher on
///         deployed systems). Operators join the sets through `AllocationManager.registerForOperatorSets`, which
///         calls back into this contract (it is its own AVS registrar: `registerOperator` accepts only
///         the AllocationManager as caller, this contract as `avs`, and operators registered with the
///         RegistryCoordinator; `deregisterOperator` accepts only the AllocationManager and this `avs`).
/// @dev Reference-block windows: `BLOCK_STALE_MEASURE` (how old a batch's reference block may be in
///      `confirmBatch`) must not exceed the VetoableSlasher's stake-use window, so every batch confirmed over the
///      stake of block R is confirmed while that stake is still slashable (see docs/contracts-middleware.md).
interface ILaminaServiceManager is IAVSRegistrar, ILaminaServiceManagerErrors, ILaminaServiceManagerEvents {
    /// @notice The AllocationManager Lamina's operator sets live in.
    function allocationManager() external view returns (IAllocationManager);

    /// @notice `confirmBatch` accepts a reference block at most this many blocks old.
    function BLOCK_STALE_MEASURE() external view returns (uint32);

    /// @notice Appoints `slasher` as the only account that may slash Lamina's operator sets. Owner only.
    /// @dev Calls `allocationManager.setAVSSlasher(address(this), slasher)`; a zero `slasher` reverts there.
    /// @param slasher The new slasher (a VetoableSlasher whose `avs` is this contract).
    function setSlasher(address slasher) external;

    /// @notice Creates operator sets of this AVS with their strategies. Owner only.
    /// @param params Set ids (by convention the quorum numbers) and their strategies.
    function createOperatorSets(IAllocationManagerTypes.CreateSetParams[] calldata params) external;

    /// @notice Adds `strategies` to operator set `operatorSetId` of this AVS. Owner only.
    /// @param operatorSetId An existing set.
    /// @param strategies Strategies not yet in the set.
    function addStrategiesToOperatorSet(uint32 operatorSetId, IStrategy[] calldata strategies) external;

    /// @notice Removes `strategies` from operator set `operatorSetId` of this AVS. Owner only.
    /// @param operatorSetId An existing set.
    /// @param strategies Strategies in the set.
    function removeStrategiesFromOperatorSet(uint32 operatorSetId, IStrategy[] calldata strategies) external;

    /// @notice The RewardsCoordinator this AVS submits rewards to (zero until the owner sets it).
    function rewardsCoordinator() external view returns (IRewardsCoordinator);

    /// @notice Sets the RewardsCoordinator. Owner only.
    function setRewardsCoordinator(IRewardsCoordinator coordinator) external;

    /// @notice Submits rewards for Lamina's operators and stakers, funded from this contract's balance of each
    ///         token (and its ether for `NATIVE_TOKEN` submissions: the fees the PaymentVault's owner moved here with
    ///         `withdrawToRewards`). Owner only.
    function createAVSRewardsSubmission(IRewardsCoordinatorTypes.RewardsSubmission[] calldata submissions) external;

    /// @notice Submits operator-directed rewards for an elapsed period, funded as `createAVSRewardsSubmission`.
    ///         Owner only.
    function createOperatorDirectedAVSRewardsSubmission(IRewardsCoordinatorTypes
                .OperatorDirectedRewardsSubmission[] calldata submissions) external;
}
