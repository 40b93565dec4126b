// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IStrategy} from "../interfaces/IStrategy.sol";
import {IStrategyManager} from "../interfaces/IStrategyManager.sol";
import {IDelegationManagerCore} from "../interfaces/IDelegationManager.sol";

/// @title Stakers' deposit shares per strategy; the entry point for deposits.
/// @notice The owner whitelists strategies. Deposits move tokens into the strategy and report the new shares to the
///         DelegationManager, which credits the staker's operator. Withdrawals and slashing go through the
///         DelegationManager, which drives the `onlyDelegationManager` functions.
/// @dev The DelegationManager and this contract reference each other, so the deployer wires it once with
///      `initialize` right after both exist.
contract StrategyManager is IStrategyManager, Ownable, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Most strategies one staker may hold, bounding the loops in undelegation (EigenLayer's limit).
    uint256 public constant MAX_STAKER_STRATEGY_LIST_LENGTH = 32;
    /// @notice Where the tokens of burned (slashed) shares go: EigenLayer's DEFAULT_BURN_ADDRESS.
    address public constant BURN_ADDRESS = 0x00000000000000000000000000000000000E16E4;

    address private immutable _deployer;
    IDelegationManagerCore private _delegation;

    mapping(IStrategy strategy => bool) public strategyIsWhitelistedForDeposit;
    mapping(address staker => mapping(IStrategy strategy => uint256 shares)) public stakerDepositShares;
    mapping(address staker => IStrategy[] strategies) internal _stakerStrategyList;
    mapping(IStrategy strategy => uint256 shares) internal _burnableShares;

    modifier onlyDelegationManager() {
        if (msg.sender != address(_delegation)) revert OnlyDelegationManager(msg.sender);
        _;
    }

    /// @param initialOwner Who whitelists strategies.
    constructor(address initialOwner) Ownable(initialOwner) {
        _deployer = msg.sender;
    }

    /// @notice Wires the DelegationManager. Deployer only, once.
    function initialize(IDelegationManagerCore delegation_) external {
        if (msg.sender != _deployer) revert OnlyDeployer(msg.sender);
        if (address(_delegation) != address(0)) revert AlreadyInitialized();
        if (address(delegation_) == address(0)) revert ZeroAddress();
        _delegation = delegation_;
        emit DelegationManagerSet(address(delegation_));
    }

    // ---------------------------------------------------------------- stakers

    /// @inheritdoc IStrategyManager
    function depositIntoStrategy(IStrategy strategy, IERC20 token, uint256 amount)
        external
        nonReentrant
        returns (uint256 depositShares)
    {
        if (address(_delegation) == address(0)) revert NotInitialized();
        if (!strategyIsWhitelistedForDeposit[strategy]) revert StrategyNotWhitelisted(strategy);

        token.safeTransferFrom(msg.sender, address(strategy), amount);
        depositShares = strategy.deposit(token, amount);

        (uint256 prevDepositShares, uint256 addedShares) = _addShares(msg.sender, strategy, depositShares);
        _delegation.increaseDelegatedShares(msg.sender, strategy, prevDepositShares, addedShares);
        emit Deposit(msg.sender, strategy, amount, depositShares);
    }

    // ---------------------------------------------------------------- DelegationManager hooks

    /// @inheritdoc IStrategyManager
    function removeDepositShares(address staker, IStrategy strategy, uint256 depositSharesToRemove)
        external
        onlyDelegationManager
        returns (uint256 depositSharesLeft)
    {
        if (depositSharesToRemove == 0) revert SharesAmountZero();
        uint256 held = stakerDepositShares[staker][strategy];
        if (depositSharesToRemove > held) {
            revert SharesAmountTooHigh(staker, strategy, depositSharesToRemove, held);
        }
        depositSharesLeft = held - depositSharesToRemove;
        stakerDepositShares[staker][strategy] = depositSharesLeft;
        if (depositSharesLeft == 0) _removeStrategyFromList(staker, strategy);
    }

    /// @inheritdoc IStrategyManager
    function addShares(address staker, IStrategy strategy, uint256 shares)
        external
        onlyDelegationManager
        returns (uint256 prevDepositShares, uint256 addedShares)
    {
        return _addShares(staker, strategy, shares);
    }

    /// @inheritdoc IStrategyManager
    function withdrawSharesAsTokens(address recipient, IStrategy strategy, IERC20 token, uint256 shares)
        external
        onlyDelegationManager
        nonReentrant
    {
        strategy.withdraw(recipient, token, shares);
    }

    /// @inheritdoc IStrategyManager
    function increaseBurnableShares(IStrategy strategy, uint256 shares) external onlyDelegationManager {
        _burnableShares[strategy] += shares;
        emit BurnableSharesIncreased(strategy, shares);
    }

    /// @inheritdoc IStrategyManager
    /// @dev Separate from slashing so that a misbehaving token can never block a slash.
    function burnShares(IStrategy strategy) external nonReentrant {
        uint256 shares = _burnableShares[strategy];
        if (shares == 0) return;
        _burnableShares[strategy] = 0;
        emit BurnableSharesDecreased(strategy, shares);
        strategy.withdraw(BURN_ADDRESS, strategy.underlyingToken(), shares);
    }

    // ---------------------------------------------------------------- owner

    /// @inheritdoc IStrategyManager
    function addStrategiesToDepositWhitelist(IStrategy[] calldata strategies) external onlyOwner {
        for (uint256 i = 0; i < strategies.length; ++i) {
            if (address(strategies[i]) == address(0)) revert ZeroAddress();
            if (!strategyIsWhitelistedForDeposit[strategies[i]]) {
                strategyIsWhitelistedForDeposit[strategies[i]] = true;
                emit StrategyAddedToDepositWhitelist(strategies[i]);
            }
        }
    }

    /// @inheritdoc IStrategyManager
    function removeStrategiesFromDepositWhitelist(IStrategy[] calldata strategies) external onlyOwner {
        for (uint256 i = 0; i < strategies.length; ++i) {
            if (strategyIsWhitelistedForDeposit[strategies[i]]) {
                strategyIsWhitelistedForDeposit[strategies[i]] = false;
                emit StrategyRemovedFromDepositWhitelist(strategies[i]);
            }
        }
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IStrategyManager
    function getStakerStrategyList(address staker) external view returns (IStrategy[] memory) {
        return _stakerStrategyList[staker];
    }

    /// @inheritdoc IStrategyManager
    function getDeposits(address staker)
        external
        view
        returns (IStrategy[] memory strategies, uint256[] memory shares)
    {
        strategies = _stakerStrategyList[staker];
        shares = new uint256[](strategies.length);
        for (uint256 i = 0; i < strategies.length; ++i) {
            shares[i] = stakerDepositShares[staker][strategies[i]];
        }
    }

    /// @inheritdoc IStrategyManager
    function getBurnableShares(IStrategy strategy) external view returns (uint256) {
        return _burnableShares[strategy];
    }

    /// @inheritdoc IStrategyManager
    function delegation() external view returns (address) {
        return address(_delegation);
    }

    // ---------------------------------------------------------------- internals

    function _addShares(address staker, IStrategy strategy, uint256 shares)
        internal
        returns (uint256 prevDepositShares, uint256 addedShares)
    {
        if (staker == address(0)) revert ZeroAddress();
        if (shares == 0) revert SharesAmountZero();
        prevDepositShares = stakerDepositShares[staker][strategy];
        if (prevDepositShares == 0) {
            uint256 length = _stakerStrategyList[staker].length;
            if (length >= MAX_STAKER_STRATEGY_LIST_LENGTH) {
                revert MaxStrategiesExceeded(staker, MAX_STAKER_STRATEGY_LIST_LENGTH);
            }
            _stakerStrategyList[staker].push(strategy);
        }
        stakerDepositShares[staker][strategy] = prevDepositShares + shares;
        addedShares = shares;
    }

    /// @dev Swap-and-pop; the list has at most MAX_STAKER_STRATEGY_LIST_LENGTH entries.
    function _removeStrategyFromList(address staker, IStrategy strategy) internal {
        IStrategy[] storage list = _stakerStrategyList[staker];
        uint256 length = list.length;
        for (uint256 i = 0; i < length; ++i) {
            if (list[i] == strategy) {
                list[i] = list[length - 1];
                list.pop();
                return;
            }
        }
    }
}
