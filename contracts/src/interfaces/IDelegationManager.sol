// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IStrategy} from "./IStrategy.sol";
import {ISignatureUtils} from "./ISignatureUtils.sol";

/// @title The part of the DelegationManager that the middleware reads (EigenLayer ABI).
/// @dev The restaking core's DelegationManager implements this and more.
interface IDelegationManager {
    /// @notice Whether `operator` registered as an operator.
    function isOperator(address operator) external view returns (bool);
    /// @notice The operator `staker` is delegated to, or address(0).
    function delegatedTo(address staker) external view returns (address);
    /// @notice Shares delegated to `operator` in `strategy`.
    function operatorShares(address operator, IStrategy strategy) external view returns (uint256);
    /// @notice Shares delegated to `operator` in each of `strategies`.
    function getOperatorShares(address operator, IStrategy[] memory strategies) external view returns (uint256[] memory);
}

/// @title Types of the DelegationManager.
interface IDelegationManagerTypes {
    /// @notice A queued withdrawal; its hash (`calculateWithdrawalRoot`) marks it pending.
    /// @param staker Whose shares are withdrawn.
    /// @param delegatedTo The operator the staker was delegated to when queuing (slashing still applies to it).
    /// @param withdrawer Who receives the tokens or shares (always the staker here).
    /// @param nonce The staker's withdrawal counter, making each root unique.
    /// @param startBlock The block the withdrawal was queued in.
    /// @param strategies The strategies withdrawn from.
    /// @param scaledShares Shares divided by the operator's slashing factor at queue time; multiplied by the
    ///        factor at `startBlock + minWithdrawalDelayBlocks` on completion, so slashing during the delay applies.
    struct Withdrawal {
        address staker;
        address delegatedTo;
        address withdrawer;
        uint256 nonce;
        uint32 startBlock;
        IStrategy[] strategies;
        uint256[] scaledShares;
    }

    /// @notice What a staker asks to withdraw: deposit shares per strategy.
    /// @param withdrawer Must be the staker (kept for ABI compatibility with EigenLayer).
    struct QueuedWithdrawalParams {
        IStrategy[] strategies;
        uint256[] depositShares;
        address withdrawer;
    }
}

/// @title Errors of the DelegationManager.
interface IDelegationManagerErrors {
    /// @notice Only the StrategyManager may call this function; `caller` is not it.
    error OnlyStrategyManager(address caller);
    /// @notice Only the AllocationManager may call this function; `caller` is not it.
    error OnlyAllocationManager(address caller);
    /// @notice Only the deployer may wire the contract, once; `caller` is not the deployer.
    error OnlyDeployer(address caller);
    /// @notice The AllocationManager was already wired.
    error AlreadyInitialized();
    /// @notice The AllocationManager is not wired yet.
    error NotInitialized();
    /// @notice A zero address where a contract is required.
    error ZeroAddress();
    /// @notice `account` is already delegated (to `operator`).
    error ActivelyDelegated(address account, address operator);
    /// @notice `staker` is not delegated.
    error NotActivelyDelegated(address staker);
    /// @notice `operator` is not a registered operator.
    error OperatorNotRegistered(address operator);
    /// @notice Operators stay delegated to themselves; `operator` cannot undelegate.
    error OperatorsCannotUndelegate(address operator);
    /// @notice `caller` may not undelegate `staker` (only the staker, its operator or the operator's approver may).
    error CallerCannotUndelegate(address caller, address staker);
    /// @notice `caller` is not `operator`.
    error CallerNotOperator(address caller, address operator);
    /// @notice The approver's signature expired at `expiry`; now is `timestamp`.
    error SignatureExpired(uint256 expiry, uint256 timestamp);
    /// @notice `salt` was already used by `approver`.
    error SaltSpent(address approver, bytes32 salt);
    /// @notice The signature is not `signer`'s over the expected digest.
    error InvalidSignature(address signer);
    /// @notice Array arguments have different lengths.
    error InputArrayLengthMismatch(uint256 left, uint256 right);
    /// @notice An empty array where at least one element is required.
    error InputArrayLengthZero();
    /// @notice The withdrawer must be the staker (`staker`), not `withdrawer`.
    error WithdrawerNotStaker(address withdrawer, address staker);
    /// @notice The caller is not the withdrawal's withdrawer.
    error WithdrawerNotCaller(address withdrawer, address caller);
    /// @notice No pending withdrawal has root `root`.
    error WithdrawalNotQueued(bytes32 root);
    /// @notice Withdrawal `root` stays slashable through block `slashableUntil`; now is `currentBlock`.
    error WithdrawalDelayNotElapsed(bytes32 root, uint32 slashableUntil, uint256 currentBlock);
    /// @notice `operator` was slashed to zero in `strategy`: no new stake can be delegated there.
    error FullySlashed(address operator, IStrategy strategy);
    /// @notice A slash may only lower the magnitude: `prevMaxMagnitude` -> `newMaxMagnitude` does not.
    error InvalidMagnitudeUpdate(uint64 prevMaxMagnitude, uint64 newMaxMagnitude);
}

/// @title Events of the DelegationManager.
interface IDelegationManagerEvents {
    /// @notice `operator` registered; `delegationApprover` (or 0) must approve its stakers.
    event OperatorRegistered(address indexed operator, address delegationApprover);
    /// @notice `operator` changed its delegation approver.
    event DelegationApproverUpdated(address indexed operator, address newDelegationApprover);
    /// @notice `operator` published metadata at `metadataURI`.
    event OperatorMetadataURIUpdated(address indexed operator, string metadataURI);
    /// @notice `staker` delegated to `operator`.
    event StakerDelegated(address indexed staker, address indexed operator);
    /// @notice `staker` undelegated from `operator`.
    event StakerUndelegated(address indexed staker, address indexed operator);
    /// @notice `staker` was undelegated by its operator or the operator's approver.
    event StakerForceUndelegated(address indexed staker, address indexed operator);
    /// @notice `operator`'s shares of `strategy` grew by `shares` through `staker`.
    event OperatorSharesIncreased(address indexed operator, address staker, IStrategy strategy, uint256 shares);
    /// @notice `operator`'s shares of `strategy` shrank by `shares` through `staker`.
    event OperatorSharesDecreased(address indexed operator, address staker, IStrategy strategy, uint256 shares);
    /// @notice `operator` was slashed: `totalSlashedShares` of `strategy` (delegated and queued) will be burned.
    event OperatorSharesSlashed(address indexed operator, IStrategy strategy, uint256 totalSlashedShares);
    /// @notice `staker`'s deposit scaling factor for `strategy` is now `newDepositScalingFactor`.
    event DepositScalingFactorUpdated(address staker, IStrategy strategy, uint256 newDepositScalingFactor);
    /// @notice A withdrawal was queued; `sharesToWithdraw` are its shares at queue time (after slashing so far).
    event SlashingWithdrawalQueued(
        bytes32 withdrawalRoot, IDelegationManagerTypes.Withdrawal withdrawal, uint256[] sharesToWithdraw
    );
    /// @notice The withdrawal with `withdrawalRoot` was completed.
    event SlashingWithdrawalCompleted(bytes32 withdrawalRoot);
    /// @notice The AllocationManager was wired.
    event AllocationManagerSet(address allocationManager);
}

/// @title The full DelegationManager of the restaking core: operators, delegation, withdrawals, slashing.
/// @notice Share accounting follows EigenLayer's slashing design: a staker's withdrawable shares are
///         `depositShares * depositScalingFactor * maxMagnitude(operator, strategy)` (WAD fixed point), so a slash
///         of the operator's magnitude scales every delegator at once, and queued withdrawals stay slashable
///         for `minWithdrawalDelayBlocks`.
interface IDelegationManagerCore is
    IDelegationManager,
    IDelegationManagerTypes,
    IDelegationManagerErrors,
    IDelegationManagerEvents
{
    /// @notice Registers the caller as an operator delegated to itself.
    /// @param initDelegationApprover Who must sign for stakers to delegate (0: anyone may delegate).
    /// @param allocationDelay Blocks before the operator's allocations take effect (see AllocationManager).
    /// @param metadataURI Where the operator's metadata lives (emitted only).
    function registerAsOperator(address initDelegationApprover, uint32 allocationDelay, string calldata metadataURI)
        external;

    /// @notice Changes `operator`'s delegation approver. Operator only.
    function modifyOperatorDetails(address operator, address newDelegationApprover) external;

    /// @notice Emits new metadata for `operator`. Operator only.
    function updateOperatorMetadataURI(address operator, string calldata metadataURI) external;

    /// @notice Delegates the caller and all its deposits to `operator`.
    /// @param approverSignatureAndExpiry The operator's approver's signature over
    ///        `calculateDelegationApprovalDigestHash(caller, operator, approver, approverSalt, expiry)`;
    ///        ignored when the operator has no approver.
    function delegateTo(
        address operator,
        ISignatureUtils.SignatureWithExpiry calldata approverSignatureAndExpiry,
        bytes32 approverSalt
    ) external;

    /// @notice Undelegates `staker`, queuing a withdrawal of each of its strategies' shares.
    ///         Callable by the staker, its operator or the operator's approver.
    /// @return withdrawalRoots One root per strategy withdrawn.
    function undelegate(address staker) external returns (bytes32[] memory withdrawalRoots);

    /// @notice Queues withdrawals of the caller's deposit shares; they complete after `minWithdrawalDelayBlocks`.
    function queueWithdrawals(QueuedWithdrawalParams[] calldata params) external returns (bytes32[] memory);

    /// @notice Completes a queued withdrawal after its delay, as tokens (`tokens[i]` per strategy) or as shares
    ///         credited back to the staker (and its current operator).
    function completeQueuedWithdrawal(Withdrawal calldata withdrawal, IERC20[] calldata tokens, bool receiveAsTokens)
        external;

    /// @notice Called by the StrategyManager when `staker` gained `addedShares` on top of `prevDepositShares`.
    function increaseDelegatedShares(address staker, IStrategy strategy, uint256 prevDepositShares, uint256 addedShares)
        external;

    /// @notice Called by the AllocationManager after `operator`'s max magnitude in `strategy` fell from
    ///         `prevMaxMagnitude` to `newMaxMagnitude`: removes the slashed share of its delegated and queued
    ///         shares and hands them to the StrategyManager to burn.
    /// @return totalSlashedShares Delegated plus queued shares slashed.
    function slashOperatorShares(address operator, IStrategy strategy, uint64 prevMaxMagnitude, uint64 newMaxMagnitude)
        external
        returns (uint256 totalSlashedShares);

    /// @notice The operator `operator`'s delegation approver (0: none).
    function delegationApprover(address operator) external view returns (address);

    /// @notice Whether `staker` is delegated.
    function isDelegated(address staker) external view returns (bool);

    /// @notice Blocks a queued withdrawal stays slashable before it can complete.
    function minWithdrawalDelayBlocks() external view returns (uint32);

    /// @notice `staker`'s deposit scaling factor for `strategy` (WAD; 1e18 until a slash or re-delegation).
    function depositScalingFactor(address staker, IStrategy strategy) external view returns (uint256);

    /// @notice The shares `staker` could withdraw now (after slashing) and its deposit shares, per strategy.
    function getWithdrawableShares(address staker, IStrategy[] calldata strategies)
        external
        view
        returns (uint256[] memory withdrawableShares, uint256[] memory depositShares);

    /// @notice Scaled shares of `operator`'s stakers in `strategy` still slashable in the withdrawal queue,
    ///         converted to shares at the operator's current magnitude.
    function getSlashableSharesInQueue(address operator, IStrategy strategy) external view returns (uint256);

    /// @notice Whether a withdrawal with root `withdrawalRoot` is queued and not completed.
    function pendingWithdrawals(bytes32 withdrawalRoot) external view returns (bool);

    /// @notice How many withdrawals `staker` has queued ever (the next withdrawal's nonce).
    function cumulativeWithdrawalsQueued(address staker) external view returns (uint256);

    /// @notice The root identifying `withdrawal`: `keccak256(abi.encode(withdrawal))`.
    function calculateWithdrawalRoot(Withdrawal memory withdrawal) external pure returns (bytes32);

    /// @notice The EIP-712 digest `approver` signs to let `staker` delegate to `operator`.
    function calculateDelegationApprovalDigestHash(
        address staker,
        address operator,
        address approver,
        bytes32 approverSalt,
        uint256 expiry
    ) external view returns (bytes32);

    /// @notice Whether `approver` already used `salt`.
    function delegationApproverSaltIsSpent(address approver, bytes32 salt) external view returns (bool);

    /// @notice The StrategyManager.
    function strategyManager() external view returns (address);

    /// @notice The AllocationManager.
    function allocationManager() external view returns (address);
}
