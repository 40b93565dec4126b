// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IAllocationManager, IAllocationManagerTypes} from "./IAllocationManager.sol";

/// @title Types of the VetoableSlasher.
interface IVetoableSlasherTypes {
    /// @notice Lifecycle of a slashing request.
    enum SlashingRequestStatus {
        None,
        Requested,
        Cancelled,
        Completed
    }

    /// @notice A queued slash and the block it was queued in.
    struct SlashingRequest {
        IAllocationManagerTypes.SlashingParams params;
        uint32 requestBlock;
        SlashingRequestStatus status;
    }
}

/// @title Errors of the VetoableSlasher.
interface IVetoableSlasherErrors {
    /// @notice `caller` is not the slasher.
    error OnlySlasher(address caller);
    /// @notice `caller` is not the veto committee.
    error OnlyVetoCommittee(address caller);
    /// @notice A zero address where an account is required.
    error ZeroAddress();
    /// @notice The veto window must be at least one block.
    error ZeroVetoWindow();
    /// @notice Withdrawals stay slashable `withdrawalDelayBlocks`, which must exceed the veto window plus the
    ///         stake-use window (`vetoPlusStakeUseBlocks`) so stake that signed is still there when a slash lands.
    error WithdrawalDelayTooShort(uint32 withdrawalDelayBlocks, uint256 vetoPlusStakeUseBlocks);
    /// @notice Deallocations stay slashable `deallocationDelayBlocks`, which must exceed the veto window plus the
    ///         stake-use window (`vetoPlusStakeUseBlocks`).
    error DeallocationDelayTooShort(uint32 deallocationDelayBlocks, uint256 vetoPlusStakeUseBlocks);
    /// @notice Request `requestId` is `status`, not `Requested`.
    error SlashingRequestNotRequested(uint256 requestId, IVetoableSlasherTypes.SlashingRequestStatus status);
    /// @notice Request `requestId` can no longer be vetoed: its veto window ended at block `vetoEndBlock`.
    error VetoPeriodPassed(uint256 requestId, uint256 vetoEndBlock);
    /// @notice Request `requestId` is still in its veto window, which ends at block `vetoEndBlock`.
    error VetoPeriodNotPassed(uint256 requestId, uint256 vetoEndBlock);
}

/// @title Events of the VetoableSlasher.
interface IVetoableSlasherEvents {
    /// @notice The slasher queued request `requestId` to slash `operator` in set `operatorSetId`.
    event SlashingRequested(
        uint256 indexed requestId,
        address indexed operator,
        uint32 operatorSetId,
        uint256[] wadsToSlash,
        string description
    );
    /// @notice The veto committee cancelled request `requestId`.
    event SlashingRequestCancelled(uint256 indexed requestId);
    /// @notice Request `requestId` was executed on the AllocationManager.
    event OperatorSlashed(
        uint256 indexed requestId, address indexed operator, uint32 operatorSetId, uint256[] slashedShares
    );
}

/// @title A slasher whose slashes wait out a veto window.
/// @notice The slasher queues a request; during `VETO_WINDOW_BLOCKS` the veto committee may cancel it; afterwards
///         anyone may fulfil it, which calls `AllocationManager.slashOperator` for the AVS. The constructor checks
///         that withdrawals and deallocations stay slashable longer than the veto window plus the stake-use window.
interface IVetoableSlasher is IVetoableSlasherTypes, IVetoableSlasherErrors, IVetoableSlasherEvents {
    /// @notice Queues a slash of `params.operator`. Caller: the slasher.
    /// @return requestId The request's id.
    function queueSlashingRequest(IAllocationManagerTypes.SlashingParams calldata params)
        external
        returns (uint256 requestId);

    /// @notice Cancels request `requestId` inside its veto window. Caller: the veto committee.
    function cancelSlashingRequest(uint256 requestId) external;

    /// @notice Executes request `requestId` once its veto window is over. Anyone may call.
    function fulfillSlashingRequest(uint256 requestId) external returns (uint256[] memory slashedShares);

    /// @notice The request `requestId`.
    function getSlashingRequest(uint256 requestId) external view returns (SlashingRequest memory);

    /// @notice The number of requests queued so far (the next request's id).
    function nextRequestId() external view returns (uint256);

    /// @notice The AllocationManager slashes go to.
    function allocationManager() external view returns (IAllocationManager);

    /// @notice The AVS whose operator sets this contract slashes.
    function avs() external view returns (address);

    /// @notice Who may queue requests.
    function slasher() external view returns (address);

    /// @notice Who may cancel requests.
    function vetoCommittee() external view returns (address);

    /// @notice Blocks during which a request may be vetoed.
    function VETO_WINDOW_BLOCKS() external view returns (uint32);

    /// @notice Blocks for which a signed reference block may be used; slashes must still reach that stake.
    function STAKE_USE_WINDOW_BLOCKS() external view returns (uint32);
}
