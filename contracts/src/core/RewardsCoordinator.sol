// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {IDelegationManager} from "../interfaces/IDelegationManager.sol";
import {IRewardsCoordinator} from "../interfaces/IRewardsCoordinator.sol";
import {IStrategy} from "../interfaces/IStrategy.sol";
import {IStrategyManager} from "../interfaces/IStrategyManager.sol";
import {Merkle} from "../libraries/Merkle.sol";

/// @title EigenLayer's RewardsCoordinator, lean: no proxy, no pause flags, no permission controller, no
///        operator-set or programmatic incentive submissions.
/// @notice Funds only leave through `processClaim`, bounded per earner and token by the cumulative earnings the
///         rewards updater's root attests. The updater is trusted for the split (as in EigenLayer); the owner's
///         check on it is `disableRoot` during the activation delay.
/// @dev Fee-on-transfer and rebasing tokens are not supported: the coordinator records `amount`, not what
///      arrived.
contract RewardsCoordinator is IRewardsCoordinator, Ownable, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Token address standing for ether in submissions and token leaves.
    IERC20 public constant NATIVE_TOKEN = IERC20(0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE);
    /// @notice Prefix of an earner leaf's preimage (EigenLayer's EARNER_LEAF_SALT).
    uint8 internal constant EARNER_LEAF_SALT = 0;
    /// @notice Prefix of a token leaf's preimage (EigenLayer's TOKEN_LEAF_SALT).
    uint8 internal constant TOKEN_LEAF_SALT = 1;
    /// @notice Basis-point denominator of operator splits.
    uint16 public constant MAX_SPLIT_BIPS = 10_000;
    /// @notice Largest amount per submission (EigenLayer's 1e38 - 1: a weighted stake of up to 1e38 times an
    ///         amount stays below 2^256 in the calculator).
    uint256 public constant MAX_REWARDS_AMOUNT = 1e38 - 1;

    /// @notice Start timestamps and durations are multiples of this many seconds (EigenLayer: 1 day).
    uint32 public immutable CALCULATION_INTERVAL_SECONDS;
    /// @notice Longest submission period.
    uint32 public immutable MAX_REWARDS_DURATION;
    /// @notice How far in the past a submission may start.
    uint32 public immutable MAX_RETROACTIVE_LENGTH;
    /// @notice How far in the future a (non-directed) submission may start.
    uint32 public immutable MAX_FUTURE_LENGTH;
    /// @notice No submission starts before this timestamp.
    uint32 public immutable GENESIS_REWARDS_TIMESTAMP;
    /// @notice Who is an operator (only operators set splits).
    IDelegationManager public immutable delegationManager;
    /// @notice Which strategies may be rewarded (those whitelisted for deposit).
    IStrategyManager public immutable strategyManager;

    /// @notice Who posts distribution roots.
    address public rewardsUpdater;
    /// @notice Seconds between posting a root (or setting a split) and its taking effect.
    uint32 public activationDelay;
    /// @notice Calculation end of the last root posted.
    uint32 public currRewardsCalculationEndTimestamp;
    /// @notice Commission of operators that never set one for an AVS (EigenLayer: 1000 = 10 %).
    uint16 public defaultOperatorSplitBips;

    DistributionRoot[] internal _distributionRoots;
    mapping(address operator => mapping(address avs => OperatorSplit split)) internal _operatorAVSSplitBips;

    /// @notice Who may claim for the earner (zero: the earner itself).
    mapping(address earner => address claimer) public claimerFor;
    /// @notice What the earner has been paid of the token so far.
    mapping(address earner => mapping(IERC20 token => uint256 claimed)) public cumulativeClaimed;
    /// @notice Submissions created so far per AVS (both kinds share the counter).
    mapping(address avs => uint256 nonce) public submissionNonce;
    /// @notice Hashes of the AVS's submissions: keccak256(abi.encode(avs, nonce, submission)).
    mapping(address avs => mapping(bytes32 hash => bool valid)) public isAVSRewardsSubmissionHash;
    /// @notice Hashes of the AVS's operator-directed submissions: keccak256(abi.encode(avs, nonce, submission)).
    mapping(address avs => mapping(bytes32 hash => bool valid)) public isOperatorDirectedAVSRewardsSubmissionHash;

    /// @notice Time rules for submissions, fixed at deployment.
    struct TimeParams {
        uint32 calculationIntervalSeconds;
        uint32 maxRewardsDuration;
        uint32 maxRetroactiveLength;
        uint32 maxFutureLength;
        uint32 genesisRewardsTimestamp;
    }

    modifier onlyRewardsUpdater() {
        if (msg.sender != rewardsUpdater) revert OnlyRewardsUpdater(msg.sender);
        _;
    }

    /// @param delegationManager_ says who is an operator
    /// @param strategyManager_ says which strategies are whitelisted
    /// @param initialOwner sets the updater, the delay and the default split; disables roots
    /// @param initialRewardsUpdater posts roots
    /// @param initialActivationDelay seconds before a root or a split change takes effect
    /// @param initialDefaultSplitBips commission of operators that set none (at most 10000)
    /// @param timeParams interval, maximum duration, retroactive and future limits, genesis; the limits and the
    ///        genesis must be multiples of the (non-zero) interval
    constructor(
        IDelegationManager delegationManager_,
        IStrategyManager strategyManager_,
        address initialOwner,
        address initialRewardsUpdater,
        uint32 initialActivationDelay,
        uint16 initialDefaultSplitBips,
        TimeParams memory timeParams
    ) Ownable(initialOwner) {
        uint32 interval = timeParams.calculationIntervalSeconds;
        if (interval == 0) revert ZeroDuration();
        if (timeParams.maxRewardsDuration % interval != 0) {
            revert NotIntervalAligned(timeParams.maxRewardsDuration, interval);
        }
        if (timeParams.genesisRewardsTimestamp % interval != 0) {
            revert NotIntervalAligned(timeParams.genesisRewardsTimestamp, interval);
        }
        delegationManager = delegationManager_;
        strategyManager = strategyManager_;
        CALCULATION_INTERVAL_SECONDS = interval;
        MAX_REWARDS_DURATION = timeParams.maxRewardsDuration;
        MAX_RETROACTIVE_LENGTH = timeParams.maxRetroactiveLength;
        MAX_FUTURE_LENGTH = timeParams.maxFutureLength;
        GENESIS_REWARDS_TIMESTAMP = timeParams.genesisRewardsTimestamp;
        _setRewardsUpdater(initialRewardsUpdater);
        _setActivationDelay(initialActivationDelay);
        _setDefaultOperatorSplit(initialDefaultSplitBips);
    }

    // ------------------------------------------------------------------ submissions

    /// @inheritdoc IRewardsCoordinator
    function createAVSRewardsSubmission(RewardsSubmission[] calldata rewardsSubmissions) external payable nonReentrant {
        uint256 nativeTotal = 0;
        uint256 nonce = submissionNonce[msg.sender];
        for (uint256 i = 0; i < rewardsSubmissions.length; ++i) {
            RewardsSubmission calldata submission = rewardsSubmissions[i];
            _checkAmount(submission.amount);
            _checkStrategies(submission.strategiesAndMultipliers);
            _checkPeriod(submission.startTimestamp, submission.duration);
            // forge-lint: disable-next-line(block-timestamp) -- intervals and delays are minutes to days; seconds of skew do not matter
            if (submission.startTimestamp > block.timestamp + MAX_FUTURE_LENGTH) {
                revert StartTooLate(submission.startTimestamp, block.timestamp + MAX_FUTURE_LENGTH);
            }
            bytes32 hash = keccak256(abi.encode(msg.sender, nonce, submission));
            isAVSRewardsSubmissionHash[msg.sender][hash] = true;
            emit AVSRewardsSubmissionCreated(msg.sender, nonce, hash, submission);
            ++nonce;
            nativeTotal += _collect(submission.token, submission.amount);
        }
        submissionNonce[msg.sender] = nonce;
        if (msg.value != nativeTotal) revert NativeValueMismatch(nativeTotal, msg.value);
    }

    /// @inheritdoc IRewardsCoordinator
    function createOperatorDirectedAVSRewardsSubmission(OperatorDirectedRewardsSubmission[] calldata operatorDirectedRewardsSubmissions)
        external
        payable
        nonReentrant
    {
        uint256 nativeTotal = 0;
        uint256 nonce = submissionNonce[msg.sender];
        for (uint256 i = 0; i < operatorDirectedRewardsSubmissions.length; ++i) {
            OperatorDirectedRewardsSubmission calldata submission = operatorDirectedRewardsSubmissions[i];
            uint256 total = _checkOperatorRewards(submission.operatorRewards);
            _checkStrategies(submission.strategiesAndMultipliers);
            _checkPeriod(submission.startTimestamp, submission.duration);
            uint256 end = uint256(submission.startTimestamp) + submission.duration;
            // forge-lint: disable-next-line(block-timestamp) -- intervals and delays are minutes to days; seconds of skew do not matter
            if (end >= block.timestamp) revert PeriodNotElapsed(end, block.timestamp);
            bytes32 hash = keccak256(abi.encode(msg.sender, nonce, submission));
            isOperatorDirectedAVSRewardsSubmissionHash[msg.sender][hash] = true;
            emit OperatorDirectedAVSRewardsSubmissionCreated(msg.sender, nonce, hash, submission);
            ++nonce;
            nativeTotal += _collect(submission.token, total);
        }
        submissionNonce[msg.sender] = nonce;
        if (msg.value != nativeTotal) revert NativeValueMismatch(nativeTotal, msg.value);
    }

    // ------------------------------------------------------------------ operator splits

    /// @inheritdoc IRewardsCoordinator
    function setOperatorAVSSplit(address operator, address avs, uint16 split) external {
        if (msg.sender != operator) revert OnlyOperator(msg.sender, operator);
        if (!delegationManager.isOperator(operator)) revert NotOperator(operator);
        if (split > MAX_SPLIT_BIPS) revert SplitTooLarge(split);
        OperatorSplit storage current = _operatorAVSSplitBips[operator][avs];
        // One pending change at a time: a second change could otherwise rewrite the split of a period whose
        // rewards stakers already expect under the first.
        // forge-lint: disable-next-line(block-timestamp) -- intervals and delays are minutes to days; seconds of skew do not matter
        if (block.timestamp < current.activatedAt) revert PreviousSplitPending(current.activatedAt);
        uint16 oldSplit = _splitNow(current);
        uint32 activatedAt = uint32(block.timestamp) + activationDelay;
        current.oldSplitBips = oldSplit;
        current.newSplitBips = split;
        current.activatedAt = activatedAt;
        emit OperatorAVSSplitBipsSet(operator, avs, activatedAt, oldSplit, split);
    }

    /// @inheritdoc IRewardsCoordinator
    function getOperatorAVSSplit(address operator, address avs) external view returns (uint16) {
        return _splitNow(_operatorAVSSplitBips[operator][avs]);
    }

    // ------------------------------------------------------------------ roots

    /// @inheritdoc IRewardsCoordinator
    function submitRoot(bytes32 root, uint32 rewardsCalculationEndTimestamp) external onlyRewardsUpdater {
        uint32 current = currRewardsCalculationEndTimestamp;
        if (rewardsCalculationEndTimestamp <= current) {
            revert RootNotForNewPeriod(rewardsCalculationEndTimestamp, current);
        }
        // forge-lint: disable-next-line(block-timestamp) -- intervals and delays are minutes to days; seconds of skew do not matter
        if (rewardsCalculationEndTimestamp >= block.timestamp) {
            revert RootPeriodNotElapsed(rewardsCalculationEndTimestamp, block.timestamp);
        }
        // forge-lint: disable-next-line(unsafe-typecast) -- roots are posted at most once per interval
        uint32 rootIndex = uint32(_distributionRoots.length);
        uint32 activatedAt = uint32(block.timestamp) + activationDelay;
        _distributionRoots.push(
            DistributionRoot({
                root: root,
                rewardsCalculationEndTimestamp: rewardsCalculationEndTimestamp,
                activatedAt: activatedAt,
                disabled: false
            })
        );
        currRewardsCalculationEndTimestamp = rewardsCalculationEndTimestamp;
        emit DistributionRootSubmitted(rootIndex, root, rewardsCalculationEndTimestamp, activatedAt);
    }

    /// @inheritdoc IRewardsCoordinator
    function disableRoot(uint32 rootIndex) external onlyOwner {
        DistributionRoot storage root = _rootAt(rootIndex);
        if (root.disabled) revert RootDisabled(rootIndex);
        // forge-lint: disable-next-line(block-timestamp) -- intervals and delays are minutes to days; seconds of skew do not matter
        if (block.timestamp >= root.activatedAt) revert RootAlreadyActivated(rootIndex, root.activatedAt);
        root.disabled = true;
        emit DistributionRootDisabled(rootIndex);
    }

    /// @inheritdoc IRewardsCoordinator
    function getDistributionRootsLength() external view returns (uint256) {
        return _distributionRoots.length;
    }

    /// @inheritdoc IRewardsCoordinator
    function getDistributionRootAtIndex(uint256 rootIndex) external view returns (DistributionRoot memory) {
        return _distributionRoots[rootIndex];
    }

    /// @inheritdoc IRewardsCoordinator
    function getCurrentDistributionRoot() external view returns (DistributionRoot memory root) {
        uint256 length = _distributionRoots.length;
        if (length != 0) root = _distributionRoots[length - 1];
    }

    // ------------------------------------------------------------------ claims

    /// @inheritdoc IRewardsCoordinator
    function setClaimerFor(address claimer) external {
        address old = claimerFor[msg.sender];
        claimerFor[msg.sender] = claimer;
        emit ClaimerForSet(msg.sender, old, claimer);
    }

    /// @inheritdoc IRewardsCoordinator
    function processClaim(RewardsMerkleClaim calldata claim, address recipient) external nonReentrant {
        _processClaim(claim, recipient);
    }

    /// @inheritdoc IRewardsCoordinator
    function processClaims(RewardsMerkleClaim[] calldata claims, address recipient) external nonReentrant {
        for (uint256 i = 0; i < claims.length; ++i) {
            _processClaim(claims[i], recipient);
        }
    }

    /// @inheritdoc IRewardsCoordinator
    function checkClaim(RewardsMerkleClaim calldata claim) public view returns (bool) {
        DistributionRoot memory root = _claimableRoot(claim.rootIndex);
        _verifyClaimProofs(root.root, claim);
        return true;
    }

    /// @inheritdoc IRewardsCoordinator
    function calculateEarnerLeafHash(EarnerTreeMerkleLeaf calldata leaf) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(EARNER_LEAF_SALT, leaf.earner, leaf.earnerTokenRoot));
    }

    /// @inheritdoc IRewardsCoordinator
    function calculateTokenLeafHash(TokenTreeMerkleLeaf calldata leaf) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(TOKEN_LEAF_SALT, leaf.token, leaf.cumulativeEarnings));
    }

    // ------------------------------------------------------------------ owner

    /// @notice Appoints the account that posts roots. Owner only.
    function setRewardsUpdater(address newRewardsUpdater) external onlyOwner {
        _setRewardsUpdater(newRewardsUpdater);
    }

    /// @notice Sets the delay before roots and split changes take effect. Owner only.
    function setActivationDelay(uint32 newActivationDelay) external onlyOwner {
        _setActivationDelay(newActivationDelay);
    }

    /// @notice Sets the commission of operators that never set one for an AVS. Owner only.
    function setDefaultOperatorSplit(uint16 splitBips) external onlyOwner {
        _setDefaultOperatorSplit(splitBips);
    }

    // ------------------------------------------------------------------ internals

    function _processClaim(RewardsMerkleClaim calldata claim, address recipient) internal {
        DistributionRoot memory root = _claimableRoot(claim.rootIndex);
        _verifyClaimProofs(root.root, claim);
        address earner = claim.earnerLeaf.earner;
        address claimer = claimerFor[earner];
        if (claimer == address(0)) claimer = earner;
        if (msg.sender != claimer) revert UnauthorizedClaimer(msg.sender, earner);
        for (uint256 i = 0; i < claim.tokenLeaves.length; ++i) {
            TokenTreeMerkleLeaf calldata leaf = claim.tokenLeaves[i];
            uint256 claimed = cumulativeClaimed[earner][leaf.token];
            if (leaf.cumulativeEarnings <= claimed) {
                revert EarningsNotGreaterThanClaimed(leaf.token, leaf.cumulativeEarnings, claimed);
            }
            uint256 amount = leaf.cumulativeEarnings - claimed;
            // Effects before the transfer: a re-entering token or recipient sees the claim recorded.
            cumulativeClaimed[earner][leaf.token] = leaf.cumulativeEarnings;
            emit RewardsClaimed(root.root, earner, claimer, recipient, leaf.token, amount);
            if (leaf.token == NATIVE_TOKEN) {
                (bool ok,) = recipient.call{value: amount}("");
                if (!ok) revert NativeTransferFailed(recipient, amount);
            } else {
                leaf.token.safeTransfer(recipient, amount);
            }
        }
    }

    function _verifyClaimProofs(bytes32 root, RewardsMerkleClaim calldata claim) internal pure {
        uint256 tokenCount = claim.tokenLeaves.length;
        if (claim.tokenIndices.length != tokenCount || claim.tokenTreeProofs.length != tokenCount) {
            revert TokenLengthMismatch(claim.tokenIndices.length, claim.tokenTreeProofs.length, tokenCount);
        }
        address earner = claim.earnerLeaf.earner;
        _checkLeafIndex(claim.earnerIndex, claim.earnerTreeProof.length);
        bytes32 earnerLeafHash = calculateEarnerLeafHash(claim.earnerLeaf);
        if (!Merkle.verifyInclusionKeccak(claim.earnerTreeProof, root, earnerLeafHash, claim.earnerIndex)) {
            revert InvalidEarnerClaimProof(earner);
        }
        bytes32 tokenRoot = claim.earnerLeaf.earnerTokenRoot;
        for (uint256 i = 0; i < tokenCount; ++i) {
            _checkLeafIndex(claim.tokenIndices[i], claim.tokenTreeProofs[i].length);
            bytes32 tokenLeafHash = calculateTokenLeafHash(claim.tokenLeaves[i]);
            if (!Merkle.verifyInclusionKeccak(
                    claim.tokenTreeProofs[i], tokenRoot, tokenLeafHash, claim.tokenIndices[i]
                )) {
                revert InvalidTokenClaimProof(earner, claim.tokenLeaves[i].token);
            }
        }
    }

    /// @dev Without this, index bits above the proof's height would be ignored, so one leaf would verify under
    ///      many indices (harmless for payouts, but it makes indices ambiguous for the calculator).
    function _checkLeafIndex(uint256 index, uint256 proofLength) internal pure {
        uint256 height = proofLength / 32;
        if (height < 256 && index >> height != 0) revert InvalidLeafIndex(index, proofLength);
    }

    function _claimableRoot(uint32 rootIndex) internal view returns (DistributionRoot memory root) {
        root = _rootAt(rootIndex);
        if (root.disabled) revert RootDisabled(rootIndex);
        // forge-lint: disable-next-line(block-timestamp) -- intervals and delays are minutes to days; seconds of skew do not matter
        if (block.timestamp < root.activatedAt) revert RootNotActivated(rootIndex, root.activatedAt);
    }

    function _rootAt(uint32 rootIndex) internal view returns (DistributionRoot storage) {
        if (rootIndex >= _distributionRoots.length) revert InvalidRootIndex(rootIndex, _distributionRoots.length);
        return _distributionRoots[rootIndex];
    }

    /// @dev Pulls `amount` of `token` from the caller; returns the ether it must have sent (native token).
    function _collect(IERC20 token, uint256 amount) internal returns (uint256 native) {
        if (token == NATIVE_TOKEN) return amount;
        token.safeTransferFrom(msg.sender, address(this), amount);
        return 0;
    }

    function _checkAmount(uint256 amount) internal pure {
        if (amount == 0) revert ZeroAmount();
        if (amount > MAX_REWARDS_AMOUNT) revert AmountTooLarge(amount, MAX_REWARDS_AMOUNT);
    }

    function _checkOperatorRewards(OperatorReward[] calldata rewards) internal pure returns (uint256 total) {
        if (rewards.length == 0) revert NoOperatorRewards();
        address previous = address(0);
        for (uint256 i = 0; i < rewards.length; ++i) {
            address operator = rewards[i].operator;
            if (operator <= previous) revert OperatorsNotAscending(operator);
            previous = operator;
            uint256 amount = rewards[i].amount;
            if (amount == 0) revert ZeroAmount();
            total += amount;
            // Checked per step so the sum cannot overflow before the bound is tested.
            if (total > MAX_REWARDS_AMOUNT) revert AmountTooLarge(total, MAX_REWARDS_AMOUNT);
        }
    }

    function _checkStrategies(StrategyAndMultiplier[] calldata strategies) internal view {
        if (strategies.length == 0) revert NoStrategies();
        address previous = address(0);
        for (uint256 i = 0; i < strategies.length; ++i) {
            IStrategy strategy = strategies[i].strategy;
            if (address(strategy) <= previous) revert StrategiesNotAscending(strategy);
            previous = address(strategy);
            if (!strategyManager.strategyIsWhitelistedForDeposit(strategy)) revert StrategyNotWhitelisted(strategy);
            if (strategies[i].multiplier == 0) revert ZeroMultiplier(strategy);
        }
    }

    function _checkPeriod(uint32 startTimestamp, uint32 duration) internal view {
        uint32 interval = CALCULATION_INTERVAL_SECONDS;
        if (duration == 0) revert ZeroDuration();
        if (duration > MAX_REWARDS_DURATION) revert DurationTooLong(duration, MAX_REWARDS_DURATION);
        if (duration % interval != 0) revert NotIntervalAligned(duration, interval);
        if (startTimestamp % interval != 0) revert NotIntervalAligned(startTimestamp, interval);
        // forge-lint: disable-next-line(block-timestamp) -- intervals and delays are minutes to days; seconds of skew do not matter
        uint256 earliest = block.timestamp > MAX_RETROACTIVE_LENGTH ? block.timestamp - MAX_RETROACTIVE_LENGTH : 0;
        if (earliest < GENESIS_REWARDS_TIMESTAMP) earliest = GENESIS_REWARDS_TIMESTAMP;
        if (startTimestamp < earliest) revert StartTooEarly(startTimestamp, earliest);
    }

    function _splitNow(OperatorSplit memory split) internal view returns (uint16) {
        if (split.activatedAt == 0) return defaultOperatorSplitBips;
        // forge-lint: disable-next-line(block-timestamp) -- intervals and delays are minutes to days; seconds of skew do not matter
        return block.timestamp < split.activatedAt ? split.oldSplitBips : split.newSplitBips;
    }

    function _setRewardsUpdater(address newRewardsUpdater) internal {
        emit RewardsUpdaterSet(rewardsUpdater, newRewardsUpdater);
        rewardsUpdater = newRewardsUpdater;
    }

    function _setActivationDelay(uint32 newActivationDelay) internal {
        emit ActivationDelaySet(activationDelay, newActivationDelay);
        activationDelay = newActivationDelay;
    }

    function _setDefaultOperatorSplit(uint16 splitBips) internal {
        if (splitBips > MAX_SPLIT_BIPS) revert SplitTooLarge(splitBips);
        emit DefaultOperatorSplitBipsSet(defaultOperatorSplitBips, splitBips);
        defaultOperatorSplitBips = splitBips;
    }
}
