// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAllocationManager, IAllocationManagerTypes} from "../interfaces/IAllocationManager.sol";
import {IDelegationManagerCore} from "../interfaces/IDelegationManager.sol";
import {IVetoableSlasher} from "../interfaces/IVetoableSlasher.sol";

/// @title Slashing with a veto window (EigenLayer middleware's VetoableSlasher, with permissionless fulfilment).
/// @notice Timeline of a slash for a certificate signed at reference block R:
///         the certificate may be used until R + STAKE_USE_WINDOW_BLOCKS; a fraud found by then is queued here,
///         can be vetoed for VETO_WINDOW_BLOCKS, then lands on the AllocationManager. Stake that signed at R can
///         only leave through a withdrawal or a deallocation queued after R, which stays slashable for
///         minWithdrawalDelayBlocks / DEALLOCATION_DELAY blocks; the constructor requires both to exceed
///         VETO_WINDOW_BLOCKS + STAKE_USE_WINDOW_BLOCKS, so the slash still reaches that stake.
/// @dev For the AllocationManager to accept the slashes, the AVS must name this contract its slasher
///      (`AllocationManager.setAVSSlasher(avs, address(this))`, called by the AVS).
contract VetoableSlasher is IVetoableSlasher {
    /// @inheritdoc IVetoableSlasher
    IAllocationManager public immutable allocationManager;
    /// @inheritdoc IVetoableSlasher
    address public immutable avs;
    /// @inheritdoc IVetoableSlasher
    address public immutable slasher;
    /// @inheritdoc IVetoableSlasher
    address public immutable vetoCommittee;
    /// @inheritdoc IVetoableSlasher
    uint32 public immutable VETO_WINDOW_BLOCKS;
    /// @inheritdoc IVetoableSlasher
    uint32 public immutable STAKE_USE_WINDOW_BLOCKS;

    /// @inheritdoc IVetoableSlasher
    uint256 public nextRequestId;
    mapping(uint256 requestId => SlashingRequest) internal _requests;

    /// @param allocationManager_ The AllocationManager (its DelegationManager supplies the withdrawal delay).
    /// @param avs_ The AVS whose operator sets are slashed.
    /// @param slasher_ Who queues requests.
    /// @param vetoCommittee_ Who may cancel requests during the veto window.
    /// @param vetoWindowBlocks Blocks a request can be vetoed (at least 1).
    /// @param stakeUseWindowBlocks Blocks for which a reference block's stake may back certificates.
    constructor(
        IAllocationManager allocationManager_,
        address avs_,
        address slasher_,
        address vetoCommittee_,
        uint32 vetoWindowBlocks,
        uint32 stakeUseWindowBlocks
    ) {
        if (
            address(allocationManager_) == address(0) || avs_ == address(0) || slasher_ == address(0)
                || vetoCommittee_ == address(0)
        ) revert ZeroAddress();
        if (vetoWindowBlocks == 0) revert ZeroVetoWindow();

        uint256 required = uint256(vetoWindowBlocks) + stakeUseWindowBlocks;
        uint32 withdrawalDelay = IDelegationManagerCore(allocationManager_.delegation()).minWithdrawalDelayBlocks();
        if (withdrawalDelay <= required) revert WithdrawalDelayTooShort(withdrawalDelay, required);
        uint32 deallocationDelay = allocationManager_.DEALLOCATION_DELAY();
        if (deallocationDelay <= required) revert DeallocationDelayTooShort(deallocationDelay, required);

        allocationManager = allocationManager_;
        avs = avs_;
        slasher = slasher_;
        vetoCommittee = vetoCommittee_;
        VETO_WINDOW_BLOCKS = vetoWindowBlocks;
        STAKE_USE_WINDOW_BLOCKS = stakeUseWindowBlocks;
    }

    /// @inheritdoc IVetoableSlasher
    function queueSlashingRequest(IAllocationManagerTypes.SlashingParams calldata params)
        external
        returns (uint256 requestId)
    {
        if (msg.sender != slasher) revert OnlySlasher(msg.sender);
        requestId = nextRequestId++;
        SlashingRequest storage request = _requests[requestId];
        request.params = params;
        request.requestBlock = uint32(block.number);
        request.status = SlashingRequestStatus.Requested;
        emit SlashingRequested(requestId, params.operator, params.operatorSetId, params.wadsToSlash, params.description);
    }

    /// @inheritdoc IVetoableSlasher
    function cancelSlashingRequest(uint256 requestId) external {
        if (msg.sender != vetoCommittee) revert OnlyVetoCommittee(msg.sender);
        SlashingRequest storage request = _requested(requestId);
        uint256 vetoEnd = uint256(request.requestBlock) + VETO_WINDOW_BLOCKS;
        if (block.number >= vetoEnd) revert VetoPeriodPassed(requestId, vetoEnd);
        request.status = SlashingRequestStatus.Cancelled;
        emit SlashingRequestCancelled(requestId);
    }

    /// @inheritdoc IVetoableSlasher
    function fulfillSlashingRequest(uint256 requestId) external returns (uint256[] memory slashedShares) {
        SlashingRequest storage request = _requested(requestId);
        uint256 vetoEnd = uint256(request.requestBlock) + VETO_WINDOW_BLOCKS;
        if (block.number < vetoEnd) revert VetoPeriodNotPassed(requestId, vetoEnd);
        request.status = SlashingRequestStatus.Completed;
        slashedShares = allocationManager.slashOperator(avs, request.params);
        emit OperatorSlashed(requestId, request.params.operator, request.params.operatorSetId, slashedShares);
    }

    /// @inheritdoc IVetoableSlasher
    function getSlashingRequest(uint256 requestId) external view returns (SlashingRequest memory) {
        return _requests[requestId];
    }

    function _requested(uint256 requestId) internal view returns (SlashingRequest storage request) {
        request = _requests[requestId];
        if (request.status != SlashingRequestStatus.Requested) {
            revert SlashingRequestNotRequested(requestId, request.status);
        }
    }
}
