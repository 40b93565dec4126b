// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IStrategy} from "../interfaces/IStrategy.sol";
import {ISignatureUtils} from "../interfaces/ISignatureUtils.sol";
import {IStrategyManager} from "../interfaces/IStrategyManager.sol";
import {IAllocationManager} from "../interfaces/IAllocationManager.sol";
import {IDelegationManager, IDelegationManagerCore} from "../interfaces/IDelegationManager.sol";
import {SlashingLib} from "../libraries/SlashingLib.sol";

/// @title Operators, delegation, queued withdrawals and the share side of slashing.
/// @notice A staker delegates all its deposits to one operator. Withdrawals are queued and complete after
///         `minWithdrawalDelayBlocks`, staying slashable until then. Slashing (driven by the AllocationManager)
///         lowers the operator's max magnitude; withdrawable shares of every delegator and every queued withdrawal
///         scale with it (see SlashingLib), and the slashed shares are handed to the StrategyManager to burn.
/// @dev The AllocationManager and this contract reference each other, so the deployer wires it once with
///      `initialize`. `minWithdrawalDelayBlocks` is immutable: lowering it later would break the delay ordering
///      the VetoableSlasher checks at construction.
contract DelegationManager is IDelegationManagerCore, EIP712, ReentrancyGuard {
    using Checkpoints for Checkpoints.Trace208;
    using SlashingLib for uint256;

    /// @notice EIP-712 type of the approver's consent to a delegation (EigenLayer's).
    bytes32 public constant DELEGATION_APPROVAL_TYPEHASH = keccak256(
        "DelegationApproval(address delegationApprover,address staker,address operator,bytes32 salt,uint256 expiry)"
    );

    IStrategyManager private immutable _strategyManager;
    uint32 private immutable _minWithdrawalDelayBlocks;
    address private immutable _deployer;
    IAllocationManager private _allocationManager;

    /// @inheritdoc IDelegationManager
    mapping(address staker => address operator) public delegatedTo;
    /// @inheritdoc IDelegationManager
    mapping(address operator => mapping(IStrategy strategy => uint256 shares)) public operatorShares;
    /// @inheritdoc IDelegationManagerCore
    mapping(bytes32 withdrawalRoot => bool) public pendingWithdrawals;
    /// @inheritdoc IDelegationManagerCore
    mapping(address staker => uint256) public cumulativeWithdrawalsQueued;
    /// @inheritdoc IDelegationManagerCore
    mapping(address approver => mapping(bytes32 salt => bool)) public delegationApproverSaltIsSpent;

    mapping(address operator => address) internal _delegationApprover;
    /// @dev 0 stands for WAD, so untouched stakers need no write.
    mapping(address staker => mapping(IStrategy strategy => uint256)) internal _depositScalingFactor;
    /// @dev Running total of scaled shares queued for withdrawal from each operator, checkpointed by block, so
    ///      the part still inside its delay can be read as `latest - valueAt(now - delay - 1)`.
    mapping(address operator => mapping(IStrategy strategy => Checkpoints.Trace208)) internal _cumulativeScaledShares;

    modifier onlyStrategyManager() {
        if (msg.sender != address(_strategyManager)) revert OnlyStrategyManager(msg.sender);
        _;
    }

    modifier onlyAllocationManager() {
        if (msg.sender != address(_allocationManager)) revert OnlyAllocationManager(msg.sender);
        _;
    }

    /// @param strategyManager_ The StrategyManager holding deposit shares.
    /// @param minWithdrawalDelayBlocks_ Blocks a queued withdrawal stays slashable.
    constructor(IStrategyManager strategyManager_, uint32 minWithdrawalDelayBlocks_) EIP712("Lamina", "1") {
        _strategyManager = strategyManager_;
        _minWithdrawalDelayBlocks = minWithdrawalDelayBlocks_;
        _deployer = msg.sender;
    }

    /// @notice Wires the AllocationManager. Deployer only, once.
    function initialize(IAllocationManager allocationManager_) external {
        if (msg.sender != _deployer) revert OnlyDeployer(msg.sender);
        if (address(_allocationManager) != address(0)) revert AlreadyInitialized();
        if (address(allocationManager_) == address(0)) revert ZeroAddress();
        _allocationManager = allocationManager_;
        emit AllocationManagerSet(address(allocationManager_));
    }

    // ---------------------------------------------------------------- operators

    /// @inheritdoc IDelegationManagerCore
    function registerAsOperator(address initDelegationApprover, uint32 allocationDelay, string calldata metadataURI)
        external
        nonReentrant
    {
        if (address(_allocationManager) == address(0)) revert NotInitialized();
        address current = delegatedTo[msg.sender];
        if (current != address(0)) revert ActivelyDelegated(msg.sender, current);

        _delegationApprover[msg.sender] = initDelegationApprover;
        emit OperatorRegistered(msg.sender, initDelegationApprover);
        _delegate(msg.sender, msg.sender);
        _allocationManager.setAllocationDelay(msg.sender, allocationDelay);
        emit OperatorMetadataURIUpdated(msg.sender, metadataURI);
    }

    /// @inheritdoc IDelegationManagerCore
    function modifyOperatorDetails(address operator, address newDelegationApprover) external {
        _checkOperatorCaller(operator);
        _delegationApprover[operator] = newDelegationApprover;
        emit DelegationApproverUpdated(operator, newDelegationApprover);
    }

    /// @inheritdoc IDelegationManagerCore
    function updateOperatorMetadataURI(address operator, string calldata metadataURI) external {
        _checkOperatorCaller(operator);
        emit OperatorMetadataURIUpdated(operator, metadataURI);
    }

    // ---------------------------------------------------------------- stakers

    /// @inheritdoc IDelegationManagerCore
    function delegateTo(
        address operator,
        ISignatureUtils.SignatureWithExpiry calldata approverSignatureAndExpiry,
        bytes32 approverSalt
    ) external nonReentrant {
        address current = delegatedTo[msg.sender];
        if (current != address(0)) revert ActivelyDelegated(msg.sender, current);
        if (!isOperator(operator)) revert OperatorNotRegistered(operator);

        address approver = _delegationApprover[operator];
        // The approver and the operator consent by calling; everyone else needs the approver's signature.
        if (approver != address(0) && msg.sender != approver && msg.sender != operator) {
            _checkApproverSignature(msg.sender, operator, approver, approverSignatureAndExpiry, approverSalt);
        }
        _delegate(msg.sender, operator);
    }

    /// @inheritdoc IDelegationManagerCore
    function undelegate(address staker) external nonReentrant returns (bytes32[] memory withdrawalRoots) {
        address operator = delegatedTo[staker];
        if (operator == address(0)) revert NotActivelyDelegated(staker);
        if (operator == staker) revert OperatorsCannotUndelegate(staker);
        if (msg.sender != staker && msg.sender != operator && msg.sender != _delegationApprover[operator]) {
            revert CallerCannotUndelegate(msg.sender, staker);
        }
        if (msg.sender != staker) emit StakerForceUndelegated(staker, operator);
        emit StakerUndelegated(staker, operator);
        delegatedTo[staker] = address(0);

        // One withdrawal per strategy (as EigenLayer), all still slashable by `operator` during the delay.
        (IStrategy[] memory strategies, uint256[] memory depositShares) = _strategyManager.getDeposits(staker);
        withdrawalRoots = new bytes32[](strategies.length);
        for (uint256 i = 0; i < strategies.length; ++i) {
            IStrategy[] memory single = new IStrategy[](1);
            uint256[] memory singleShares = new uint256[](1);
            single[0] = strategies[i];
            singleShares[0] = depositShares[i];
            withdrawalRoots[i] = _removeSharesAndQueueWithdrawal(staker, operator, single, singleShares);
        }
    }

    /// @inheritdoc IDelegationManagerCore
    function queueWithdrawals(QueuedWithdrawalParams[] calldata params)
        external
        nonReentrant
        returns (bytes32[] memory withdrawalRoots)
    {
        withdrawalRoots = new bytes32[](params.length);
        address operator = delegatedTo[msg.sender];
        for (uint256 i = 0; i < params.length; ++i) {
            QueuedWithdrawalParams calldata p = params[i];
            if (p.strategies.length != p.depositShares.length) {
                revert InputArrayLengthMismatch(p.strategies.length, p.depositShares.length);
            }
            if (p.strategies.length == 0) revert InputArrayLengthZero();
            if (p.withdrawer != msg.sender) revert WithdrawerNotStaker(p.withdrawer, msg.sender);
            withdrawalRoots[i] = _removeSharesAndQueueWithdrawal(msg.sender, operator, p.strategies, p.depositShares);
        }
    }

    /// @inheritdoc IDelegationManagerCore
    function completeQueuedWithdrawal(Withdrawal calldata withdrawal, IERC20[] calldata tokens, bool receiveAsTokens)
        external
        nonReentrant
    {
        bytes32 root = calculateWithdrawalRoot(withdrawal);
        if (!pendingWithdrawals[root]) revert WithdrawalNotQueued(root);
        if (msg.sender != withdrawal.withdrawer) revert WithdrawerNotCaller(withdrawal.withdrawer, msg.sender);
        // Slashable through block `slashableUntil` inclusive, so the magnitude history there is final once past it.
        uint32 slashableUntil = withdrawal.startBlock + _minWithdrawalDelayBlocks;
        if (block.number <= slashableUntil) revert WithdrawalDelayNotElapsed(root, slashableUntil, block.number);
        if (receiveAsTokens && tokens.length != withdrawal.strategies.length) {
            revert InputArrayLengthMismatch(withdrawal.strategies.length, tokens.length);
        }
        delete pendingWithdrawals[root];

        for (uint256 i = 0; i < withdrawal.strategies.length; ++i) {
            IStrategy strategy = withdrawal.strategies[i];
            uint256 slashingFactor = withdrawal.delegatedTo == address(0)
                ? SlashingLib.WAD
                : _allocationManager.getMaxMagnitudeAtBlock(withdrawal.delegatedTo, strategy, slashableUntil);
            uint256 shares = withdrawal.scaledShares[i].scaleForCompletion(slashingFactor);
            if (shares == 0) continue;

            if (receiveAsTokens) {
                _strategyManager.withdrawSharesAsTokens(withdrawal.withdrawer, strategy, tokens[i], shares);
            } else {
                (uint256 prevDepositShares, uint256 addedShares) =
                    _strategyManager.addShares(withdrawal.staker, strategy, shares);
                _increaseDelegation(withdrawal.staker, strategy, prevDepositShares, addedShares);
            }
        }
        emit SlashingWithdrawalCompleted(root);
    }

    // ---------------------------------------------------------------- hooks

    /// @inheritdoc IDelegationManagerCore
    function increaseDelegatedShares(address staker, IStrategy strategy, uint256 prevDepositShares, uint256 addedShares)
        external
        onlyStrategyManager
    {
        _increaseDelegation(staker, strategy, prevDepositShares, addedShares);
    }

    /// @inheritdoc IDelegationManagerCore
    function slashOperatorShares(address operator, IStrategy strategy, uint64 prevMaxMagnitude, uint64 newMaxMagnitude)
        external
        onlyAllocationManager
        returns (uint256 totalSlashedShares)
    {
        if (prevMaxMagnitude == 0 || newMaxMagnitude >= prevMaxMagnitude) {
            revert InvalidMagnitudeUpdate(prevMaxMagnitude, newMaxMagnitude);
        }
        // Delegated shares: keep `shares * new / prev`, rounded up so the operator's total never drops below
        // the sum of its stakers' (rounded-down) withdrawable shares.
        uint256 shares = operatorShares[operator][strategy];
        uint256 remaining = Math.mulDiv(shares, newMaxMagnitude, prevMaxMagnitude, Math.Rounding.Ceil);
        operatorShares[operator][strategy] = remaining;

        // Queued withdrawals still inside their delay lose the same fraction at completion.
        uint256 queuedScaled = _slashableScaledSharesInQueue(operator, strategy);
        uint256 slashedQueued =
            queuedScaled.scaleForCompletion(prevMaxMagnitude) - queuedScaled.scaleForCompletion(newMaxMagnitude);

        totalSlashedShares = (shares - remaining) + slashedQueued;
        if (totalSlashedShares != 0) _strategyManager.increaseBurnableShares(strategy, totalSlashedShares);
        emit OperatorSharesSlashed(operator, strategy, totalSlashedShares);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IDelegationManager
    function isOperator(address operator) public view returns (bool) {
        return operator != address(0) && delegatedTo[operator] == operator;
    }

    /// @inheritdoc IDelegationManagerCore
    function isDelegated(address staker) external view returns (bool) {
        return delegatedTo[staker] != address(0);
    }

    /// @inheritdoc IDelegationManager
    function getOperatorShares(address operator, IStrategy[] memory strategies)
        external
        view
        returns (uint256[] memory shares)
    {
        shares = new uint256[](strategies.length);
        for (uint256 i = 0; i < strategies.length; ++i) {
            shares[i] = operatorShares[operator][strategies[i]];
        }
    }

    /// @inheritdoc IDelegationManagerCore
    function delegationApprover(address operator) external view returns (address) {
        return _delegationApprover[operator];
    }

    /// @inheritdoc IDelegationManagerCore
    function minWithdrawalDelayBlocks() external view returns (uint32) {
        return _minWithdrawalDelayBlocks;
    }

    /// @inheritdoc IDelegationManagerCore
    function depositScalingFactor(address staker, IStrategy strategy) public view returns (uint256) {
        uint256 dsf = _depositScalingFactor[staker][strategy];
        return dsf == 0 ? SlashingLib.WAD : dsf;
    }

    /// @inheritdoc IDelegationManagerCore
    function getWithdrawableShares(address staker, IStrategy[] calldata strategies)
        external
        view
        returns (uint256[] memory withdrawableShares, uint256[] memory depositShares)
    {
        withdrawableShares = new uint256[](strategies.length);
        depositShares = new uint256[](strategies.length);
        address operator = delegatedTo[staker];
        for (uint256 i = 0; i < strategies.length; ++i) {
            depositShares[i] = _strategyManager.stakerDepositShares(staker, strategies[i]);
            withdrawableShares[i] = depositShares[i].calcWithdrawable(
                depositScalingFactor(staker, strategies[i]), _slashingFactor(operator, strategies[i])
            );
        }
    }

    /// @inheritdoc IDelegationManagerCore
    function getSlashableSharesInQueue(address operator, IStrategy strategy) external view returns (uint256) {
        return _slashableScaledSharesInQueue(operator, strategy).scaleForCompletion(_slashingFactor(operator, strategy));
    }

    /// @inheritdoc IDelegationManagerCore
    function calculateWithdrawalRoot(Withdrawal memory withdrawal) public pure returns (bytes32) {
        return keccak256(abi.encode(withdrawal));
    }

    /// @inheritdoc IDelegationManagerCore
    function calculateDelegationApprovalDigestHash(
        address staker,
        address operator,
        address approver,
        bytes32 approverSalt,
        uint256 expiry
    ) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(abi.encode(DELEGATION_APPROVAL_TYPEHASH, approver, staker, operator, approverSalt, expiry))
        );
    }

    /// @inheritdoc IDelegationManagerCore
    function strategyManager() external view returns (address) {
        return address(_strategyManager);
    }

    /// @inheritdoc IDelegationManagerCore
    function allocationManager() external view returns (address) {
        return address(_allocationManager);
    }

    // ---------------------------------------------------------------- internals

    function _checkOperatorCaller(address operator) internal view {
        if (msg.sender != operator) revert CallerNotOperator(msg.sender, operator);
        if (!isOperator(operator)) revert OperatorNotRegistered(operator);
    }

    function _checkApproverSignature(
        address staker,
        address operator,
        address approver,
        ISignatureUtils.SignatureWithExpiry calldata sig,
        bytes32 salt
    ) internal {
        // Expiry is a timestamp in EigenLayer's ABI; a few seconds of validator skew do not matter here.
        // forge-lint: disable-next-line(block-timestamp)
        if (sig.expiry < block.timestamp) revert SignatureExpired(sig.expiry, block.timestamp);
        if (delegationApproverSaltIsSpent[approver][salt]) revert SaltSpent(approver, salt);
        bytes32 digest = calculateDelegationApprovalDigestHash(staker, operator, approver, salt, sig.expiry);
        if (!SignatureChecker.isValidSignatureNow(approver, digest, sig.signature)) revert InvalidSignature(approver);
        delegationApproverSaltIsSpent[approver][salt] = true;
    }

    /// @dev The staker's withdrawable shares are kept as they are; only the scaling factor is re-expressed
    ///      against the new operator's slashing factor.
    function _delegate(address staker, address operator) internal {
        delegatedTo[staker] = operator;
        emit StakerDelegated(staker, operator);

        (IStrategy[] memory strategies, uint256[] memory depositShares) = _strategyManager.getDeposits(staker);
        for (uint256 i = 0; i < strategies.length; ++i) {
            IStrategy strategy = strategies[i];
            uint256 slashingFactor = _allocationManager.getMaxMagnitude(operator, strategy);
            if (slashingFactor == 0) revert FullySlashed(operator, strategy);
            // Undelegated shares carry no slashing factor (WAD).
            uint256 withdrawable =
                depositShares[i].calcWithdrawable(depositScalingFactor(staker, strategy), SlashingLib.WAD);
            uint256 dsf = Math.mulDiv(
                Math.mulDiv(withdrawable, SlashingLib.WAD, depositShares[i]), SlashingLib.WAD, slashingFactor
            );
            _setDepositScalingFactor(staker, strategy, dsf);
            operatorShares[operator][strategy] += withdrawable;
            emit OperatorSharesIncreased(operator, staker, strategy, withdrawable);
        }
    }

    function _increaseDelegation(address staker, IStrategy strategy, uint256 prevDepositShares, uint256 addedShares)
        internal
    {
        address operator = delegatedTo[staker];
        uint256 slashingFactor = _slashingFactor(operator, strategy);
        if (slashingFactor == 0) revert FullySlashed(operator, strategy);
        _setDepositScalingFactor(
            staker,
            strategy,
            SlashingLib.updateDepositScalingFactor(
                depositScalingFactor(staker, strategy), prevDepositShares, addedShares, slashingFactor
            )
        );
        if (operator != address(0)) {
            operatorShares[operator][strategy] += addedShares;
            emit OperatorSharesIncreased(operator, staker, strategy, addedShares);
        }
    }

    function _removeSharesAndQueueWithdrawal(
        address staker,
        address operator,
        IStrategy[] memory strategies,
        uint256[] memory depositShares
    ) internal returns (bytes32 root) {
        uint256[] memory scaledShares = new uint256[](strategies.length);
        uint256[] memory withdrawableShares = new uint256[](strategies.length);
        for (uint256 i = 0; i < strategies.length; ++i) {
            IStrategy strategy = strategies[i];
            uint256 dsf = depositScalingFactor(staker, strategy);
            withdrawableShares[i] = depositShares[i].calcWithdrawable(dsf, _slashingFactor(operator, strategy));
            scaledShares[i] = depositShares[i].scaleForQueue(dsf);

            if (operator != address(0)) {
                _decreaseOperatorShares(operator, staker, strategy, withdrawableShares[i]);
                Checkpoints.Trace208 storage cumulative = _cumulativeScaledShares[operator][strategy];
                cumulative.push(
                    SafeCast.toUint48(block.number), SafeCast.toUint208(cumulative.latest() + scaledShares[i])
                );
            }
            // Reverts if the staker lacks the shares; a fully withdrawn position starts afresh at WAD.
            if (_strategyManager.removeDepositShares(staker, strategy, depositShares[i]) == 0) {
                delete _depositScalingFactor[staker][strategy];
            }
        }

        Withdrawal memory withdrawal = Withdrawal({
            staker: staker,
            delegatedTo: operator,
            withdrawer: staker,
            nonce: cumulativeWithdrawalsQueued[staker]++,
            startBlock: uint32(block.number),
            strategies: strategies,
            scaledShares: scaledShares
        });
        root = calculateWithdrawalRoot(withdrawal);
        pendingWithdrawals[root] = true;
        emit SlashingWithdrawalQueued(root, withdrawal, withdrawableShares);
    }

    /// @dev Rounding keeps operator shares at or above the sum of withdrawable shares, so this never needs
    ///      to clamp in practice; it clamps anyway rather than lock a staker's withdrawal on a 1-wei residue.
    function _decreaseOperatorShares(address operator, address staker, IStrategy strategy, uint256 shares) internal {
        uint256 current = operatorShares[operator][strategy];
        uint256 decrease = shares > current ? current : shares;
        operatorShares[operator][strategy] = current - decrease;
        emit OperatorSharesDecreased(operator, staker, strategy, decrease);
    }

    function _setDepositScalingFactor(address staker, IStrategy strategy, uint256 dsf) internal {
        // Storage 0 means WAD, so a factor that rounds to 0 (shares worth < 1e-18 of their count) is kept at 1,
        // which still values them at ~0 instead of at par.
        if (dsf == 0) dsf = 1;
        _depositScalingFactor[staker][strategy] = dsf;
        emit DepositScalingFactorUpdated(staker, strategy, dsf);
    }

    function _slashingFactor(address operator, IStrategy strategy) internal view returns (uint256) {
        if (operator == address(0)) return SlashingLib.WAD;
        return _allocationManager.getMaxMagnitude(operator, strategy);
    }

    /// @dev Withdrawals queued at block `s` are slashable through `s + delay`, i.e. those with `s >= now - delay`.
    function _slashableScaledSharesInQueue(address operator, IStrategy strategy) internal view returns (uint256) {
        Checkpoints.Trace208 storage cumulative = _cumulativeScaledShares[operator][strategy];
        uint256 delay = _minWithdrawalDelayBlocks;
        uint256 before =
            block.number > delay ? cumulative.upperLookupRecent(SafeCast.toUint48(block.number - delay - 1)) : 0;
        return cumulative.latest() - before;
    }
}
