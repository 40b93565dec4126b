// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IStrategy} from "./IStrategy.sol";

/// @title Types of the RewardsCoordinator (EigenLayer's names).
interface IRewardsCoordinatorTypes {
    /// @notice A strategy and the weight of one of its shares in a submission (1e18 = one share counts once).
    struct StrategyAndMultiplier {
        IStrategy strategy;
        uint96 multiplier;
    }

    /// @notice `amount` of `token` paid over [`startTimestamp`, `startTimestamp + duration`) to the operators
    ///         registered to the submitting AVS and their stakers, in proportion to stake weighted by
    ///         `strategiesAndMultipliers` (sorted by strictly ascending strategy address).
    struct RewardsSubmission {
        StrategyAndMultiplier[] strategiesAndMultipliers;
        IERC20 token;
        uint256 amount;
        uint32 startTimestamp;
        uint32 duration;
    }

    /// @notice What the AVS owes `operator` (before the operator's commission is taken) in a directed submission.
    struct OperatorReward {
        address operator;
        uint256 amount;
    }

    /// @notice The AVS names each operator's amount for an elapsed period: the operator keeps its commission
    ///         (`getOperatorAVSSplit`) and the rest goes to its stakers in proportion to their shares in
    ///         `strategiesAndMultipliers`. Operators sorted by strictly ascending address.
    struct OperatorDirectedRewardsSubmission {
        StrategyAndMultiplier[] strategiesAndMultipliers;
        IERC20 token;
        OperatorReward[] operatorRewards;
        uint32 startTimestamp;
        uint32 duration;
        string description;
    }

    /// @notice A Merkle root of cumulative earnings, claimable from `activatedAt` unless `disabled`.
    struct DistributionRoot {
        bytes32 root;
        uint32 rewardsCalculationEndTimestamp;
        uint32 activatedAt;
        bool disabled;
    }

    /// @notice An operator's commission for one AVS: `oldSplitBips` before `activatedAt`, `newSplitBips` from it.
    struct OperatorSplit {
        uint16 oldSplitBips;
        uint16 newSplitBips;
        uint32 activatedAt;
    }

    /// @notice Leaf of the earner tree: `earner`'s token tree root.
    struct EarnerTreeMerkleLeaf {
        address earner;
        bytes32 earnerTokenRoot;
    }

    /// @notice Leaf of an earner's token tree: everything `token` the earner has earned so far.
    struct TokenTreeMerkleLeaf {
        IERC20 token;
        uint256 cumulativeEarnings;
    }

    /// @notice A claim against root `rootIndex`: the earner leaf at `earnerIndex` with its proof, and per token
    ///         the token leaf at `tokenIndices[i]` of the earner's token tree with its proof `tokenTreeProofs[i]`.
    struct RewardsMerkleClaim {
        uint32 rootIndex;
        uint32 earnerIndex;
        bytes earnerTreeProof;
        EarnerTreeMerkleLeaf earnerLeaf;
        uint32[] tokenIndices;
        bytes[] tokenTreeProofs;
        TokenTreeMerkleLeaf[] tokenLeaves;
    }
}

/// @title Errors of the RewardsCoordinator.
interface IRewardsCoordinatorErrors {
    /// @notice Only the rewards updater may post roots; `caller` is not it.
    error OnlyRewardsUpdater(address caller);
    /// @notice Only `operator` itself may set its split; `caller` is not it.
    error OnlyOperator(address caller, address operator);
    /// @notice `operator` is not an operator of the DelegationManager.
    error NotOperator(address operator);
    /// @notice Only the earner's claimer (the earner itself when none is set) may claim; `caller` is not it.
    error UnauthorizedClaimer(address caller, address earner);
    /// @notice A submission carries no strategies.
    error NoStrategies();
    /// @notice Strategies must be sorted by strictly ascending address; `strategy` breaks the order.
    error StrategiesNotAscending(IStrategy strategy);
    /// @notice `strategy` is not whitelisted for deposits in the StrategyManager.
    error StrategyNotWhitelisted(IStrategy strategy);
    /// @notice A multiplier of 0 weighs nothing.
    error ZeroMultiplier(IStrategy strategy);
    /// @notice A submission or operator reward of 0.
    error ZeroAmount();
    /// @notice `amount` is above MAX_REWARDS_AMOUNT.
    error AmountTooLarge(uint256 amount, uint256 max);
    /// @notice A submission of 0 seconds.
    error ZeroDuration();
    /// @notice `duration` exceeds the coordinator's maximum `max`.
    error DurationTooLong(uint32 duration, uint32 max);
    /// @notice `value` (a start timestamp or a duration) is not a multiple of the calculation interval.
    error NotIntervalAligned(uint32 value, uint32 interval);
    /// @notice `startTimestamp` is before the earliest allowed start `earliest` (genesis or the retroactive limit).
    error StartTooEarly(uint32 startTimestamp, uint256 earliest);
    /// @notice `startTimestamp` is after the latest allowed start `latest` (now + the future limit).
    error StartTooLate(uint32 startTimestamp, uint256 latest);
    /// @notice An operator-directed period must have ended: `endTimestamp` is not before now.
    error PeriodNotElapsed(uint256 endTimestamp, uint256 timestamp);
    /// @notice A directed submission names no operators.
    error NoOperatorRewards();
    /// @notice Operators must be sorted by strictly ascending address; `operator` breaks the order.
    error OperatorsNotAscending(address operator);
    /// @notice The ether sent (`sent`) is not the sum of the native-token submissions (`expected`).
    error NativeValueMismatch(uint256 expected, uint256 sent);
    /// @notice `split` basis points exceed 10000.
    error SplitTooLarge(uint16 split);
    /// @notice The operator's previous split change has not activated yet (at `activatedAt`).
    error PreviousSplitPending(uint32 activatedAt);
    /// @notice A root must cover a later period than the last one (`current`); it names `endTimestamp`.
    error RootNotForNewPeriod(uint32 endTimestamp, uint32 current);
    /// @notice A root's calculation end `endTimestamp` must be in the past.
    error RootPeriodNotElapsed(uint32 endTimestamp, uint256 timestamp);
    /// @notice No root at `rootIndex` (there are `length`).
    error InvalidRootIndex(uint32 rootIndex, uint256 length);
    /// @notice The root is already disabled.
    error RootDisabled(uint32 rootIndex);
    /// @notice The root activated at `activatedAt`: too late to disable it.
    error RootAlreadyActivated(uint32 rootIndex, uint32 activatedAt);
    /// @notice The root is not claimable before `activatedAt`.
    error RootNotActivated(uint32 rootIndex, uint32 activatedAt);
    /// @notice `tokenIndices`, `tokenTreeProofs` and `tokenLeaves` differ in length.
    error TokenLengthMismatch(uint256 indices, uint256 proofs, uint256 leaves);
    /// @notice A leaf index does not fit the tree height the proof implies (`proofLength` bytes).
    error InvalidLeafIndex(uint256 index, uint256 proofLength);
    /// @notice The earner leaf's proof does not lead to the root.
    error InvalidEarnerClaimProof(address earner);
    /// @notice The token leaf's proof does not lead to the earner's token root.
    error InvalidTokenClaimProof(address earner, IERC20 token);
    /// @notice The leaf's cumulative earnings are not above what the earner has already claimed.
    error EarningsNotGreaterThanClaimed(IERC20 token, uint256 cumulativeEarnings, uint256 claimed);
    /// @notice Sending `amount` ether to `recipient` failed.
    error NativeTransferFailed(address recipient, uint256 amount);
}

/// @title Events of the RewardsCoordinator.
interface IRewardsCoordinatorEvents is IRewardsCoordinatorTypes {
    /// @notice `avs` submitted `rewardsSubmission`, its `submissionNonce`th, hashed to `rewardsSubmissionHash`.
    event AVSRewardsSubmissionCreated(
        address indexed avs,
        uint256 indexed submissionNonce,
        bytes32 indexed rewardsSubmissionHash,
        RewardsSubmission rewardsSubmission
    );
    /// @notice `avs` submitted an operator-directed submission, its `submissionNonce`th.
    event OperatorDirectedAVSRewardsSubmissionCreated(
        address indexed avs,
        uint256 indexed submissionNonce,
        bytes32 indexed operatorDirectedRewardsSubmissionHash,
        OperatorDirectedRewardsSubmission operatorDirectedRewardsSubmission
    );
    /// @notice `operator`'s commission for `avs` changes from `oldSplitBips` to `newSplitBips` at `activatedAt`.
    event OperatorAVSSplitBipsSet(
        address indexed operator, address indexed avs, uint32 activatedAt, uint16 oldSplitBips, uint16 newSplitBips
    );
    /// @notice Operators that never set a split for an AVS now take `newSplitBips` (effective immediately).
    event DefaultOperatorSplitBipsSet(uint16 oldSplitBips, uint16 newSplitBips);
    /// @notice The rewards updater is now `newRewardsUpdater`.
    event RewardsUpdaterSet(address indexed oldRewardsUpdater, address indexed newRewardsUpdater);
    /// @notice Roots (and split changes) now activate `newActivationDelay` seconds after they are posted.
    event ActivationDelaySet(uint32 oldActivationDelay, uint32 newActivationDelay);
    /// @notice Root `rootIndex` was posted, covering rewards up to `rewardsCalculationEndTimestamp`.
    event DistributionRootSubmitted(
        uint32 indexed rootIndex,
        bytes32 indexed root,
        uint32 indexed rewardsCalculationEndTimestamp,
        uint32 activatedAt
    );
    /// @notice Root `rootIndex` was disabled before it activated.
    event DistributionRootDisabled(uint32 indexed rootIndex);
    /// @notice `earner` designated `newClaimer` to claim for it.
    event ClaimerForSet(address indexed earner, address indexed oldClaimer, address indexed newClaimer);
    /// @notice `claimer` claimed `claimedAmount` of `token` earned by `earner` under `root`, paid to `recipient`.
    event RewardsClaimed(
        bytes32 root,
        address indexed earner,
        address indexed claimer,
        address indexed recipient,
        IERC20 token,
        uint256 claimedAmount
    );
}

/// @title Rewards for Lamina's operators and their stakers: submissions in, Merkle roots posted, claims out.
/// @notice EigenLayer's RewardsCoordinator, lean. AVSs lock rewards in it (`createAVSRewardsSubmission`,
///         `createOperatorDirectedAVSRewardsSubmission`); an off-chain calculator splits them per earner and token
///         and the rewards updater posts the Merkle root of everyone's cumulative earnings (`submitRoot`); after the
///         activation delay each earner (or its claimer) proves its cumulative earnings and is paid the difference
///         from what it claimed before (`processClaim`). Leaf format: docs/architecture.md, "Rewards".
interface IRewardsCoordinator is IRewardsCoordinatorErrors, IRewardsCoordinatorEvents {
    /// @notice Locks the submissions' tokens in the coordinator; `msg.sender` is the AVS. Native-token
    ///         submissions (`NATIVE_TOKEN`) are paid by `msg.value`, which must equal their sum.
    function createAVSRewardsSubmission(RewardsSubmission[] calldata rewardsSubmissions) external payable;

    /// @notice Locks the sum of each submission's operator rewards; `msg.sender` is the AVS. The period must have
    ///         ended. Native-token submissions are paid by `msg.value`, which must equal their sum.
    function createOperatorDirectedAVSRewardsSubmission(OperatorDirectedRewardsSubmission[] calldata operatorDirectedRewardsSubmissions)
        external
        payable;

    /// @notice Sets `operator`'s commission for `avs` to `split` basis points from now + activation delay.
    ///         Only the operator; not while a previous change is pending.
    function setOperatorAVSSplit(address operator, address avs, uint16 split) external;

    /// @notice Posts a root of cumulative earnings up to `rewardsCalculationEndTimestamp`. Rewards updater only.
    function submitRoot(bytes32 root, uint32 rewardsCalculationEndTimestamp) external;

    /// @notice Disables root `rootIndex` before it activates. Owner only.
    function disableRoot(uint32 rootIndex) external;

    /// @notice Lets `claimer` claim for `msg.sender` (zero: only `msg.sender` itself).
    function setClaimerFor(address claimer) external;

    /// @notice Pays `recipient` every token of `claim` minus what its earner already claimed.
    function processClaim(RewardsMerkleClaim calldata claim, address recipient) external;

    /// @notice `processClaim` for each claim.
    function processClaims(RewardsMerkleClaim[] calldata claims, address recipient) external;

    /// @notice True if `claim` would verify against its root now; reverts with the reason otherwise.
    function checkClaim(RewardsMerkleClaim calldata claim) external view returns (bool);

    /// @notice `operator`'s commission for `avs` in basis points at the current timestamp.
    function getOperatorAVSSplit(address operator, address avs) external view returns (uint16);

    /// @notice How many roots were posted.
    function getDistributionRootsLength() external view returns (uint256);

    /// @notice Root `rootIndex`.
    function getDistributionRootAtIndex(uint256 rootIndex) external view returns (DistributionRoot memory);

    /// @notice The last root posted (zeroes if none).
    function getCurrentDistributionRoot() external view returns (DistributionRoot memory);

    /// @notice Hash of an earner leaf: keccak256(abi.encodePacked(uint8(0), earner, earnerTokenRoot)).
    function calculateEarnerLeafHash(EarnerTreeMerkleLeaf calldata leaf) external pure returns (bytes32);

    /// @notice Hash of a token leaf: keccak256(abi.encodePacked(uint8(1), token, cumulativeEarnings)).
    function calculateTokenLeafHash(TokenTreeMerkleLeaf calldata leaf) external pure returns (bytes32);
}
