// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IStrategy} from "./IStrategy.sol";

/// @title Errors of the StrategyManager.
interface IStrategyManagerErrors {
    /// @notice Only the DelegationManager may call this function; `caller` is not it.
    error OnlyDelegationManager(address caller);
    /// @notice Only the deployer may wire the contract, once; `caller` is not the deployer.
    error OnlyDeployer(address caller);
    /// @notice The DelegationManager was already wired.
    error AlreadyInitialized();
    /// @notice The DelegationManager is not wired yet.
    error NotInitialized();
    /// @notice `strategy` is not on the deposit whitelist.
    error StrategyNotWhitelisted(IStrategy strategy);
    /// @notice A zero address where an account is required.
    error ZeroAddress();
    /// @notice `staker` holds `available` deposit shares of `strategy`, `requested` were asked for.
    error SharesAmountTooHigh(address staker, IStrategy strategy, uint256 requested, uint256 available);
    /// @notice A zero share amount where shares are required.
    error SharesAmountZero();
    /// @notice `staker` already deposits into `max` strategies, the most one staker may use.
    error MaxStrategiesExceeded(address staker, uint256 max);
}

/// @title Events of the StrategyManager.
interface IStrategyManagerEvents {
    /// @notice `staker` deposited `amount` tokens and received `shares` deposit shares of `strategy`.
    event Deposit(address indexed staker, IStrategy indexed strategy, uint256 amount, uint256 shares);
    /// @notice `strategy` may now receive deposits.
    event StrategyAddedToDepositWhitelist(IStrategy strategy);
    /// @notice `strategy` no longer receives deposits (withdrawals still work).
    event StrategyRemovedFromDepositWhitelist(IStrategy strategy);
    /// @notice The DelegationManager was wired.
    event DelegationManagerSet(address delegationManager);
    /// @notice Slashing added `shares` of `strategy` to the pool waiting to be burned.
    event BurnableSharesIncreased(IStrategy indexed strategy, uint256 shares);
    /// @notice `shares` of `strategy` were burned: their tokens went to the burn address.
    event BurnableSharesDecreased(IStrategy indexed strategy, uint256 shares);
}

/// @title Holds stakers' deposit shares per strategy and moves tokens in and out of strategies.
/// @notice Stakers deposit through `depositIntoStrategy`; withdrawals go through the DelegationManager,
///         which calls the `onlyDelegationManager` functions here.
interface IStrategyManager is IStrategyManagerErrors, IStrategyManagerEvents {
    /// @notice Moves `amount` of `token` from the caller into `strategy` and credits the caller with the
    ///         shares minted, which are delegated to the caller's operator if any.
    /// @return depositShares The shares minted.
    function depositIntoStrategy(IStrategy strategy, IERC20 token, uint256 amount)
        external
        returns (uint256 depositShares);

    /// @notice Removes `depositSharesToRemove` of `staker`'s deposit shares (a withdrawal was queued).
    /// @return depositSharesLeft The staker's deposit shares of `strategy` afterwards.
    function removeDepositShares(address staker, IStrategy strategy, uint256 depositSharesToRemove)
        external
        returns (uint256 depositSharesLeft);

    /// @notice Credits `staker` with `shares` deposit shares (a withdrawal completed as shares).
    /// @return prevDepositShares The staker's deposit shares before.
    /// @return addedShares The shares added.
    function addShares(address staker, IStrategy strategy, uint256 shares)
        external
        returns (uint256 prevDepositShares, uint256 addedShares);

    /// @notice Burns `shares` of `strategy` and sends the tokens to `recipient` (a withdrawal completed as tokens).
    function withdrawSharesAsTokens(address recipient, IStrategy strategy, IERC20 token, uint256 shares) external;

    /// @notice Adds `shares` slashed from an operator to the pool of `strategy` shares to burn.
    function increaseBurnableShares(IStrategy strategy, uint256 shares) external;

    /// @notice Burns the pooled slashed shares of `strategy`: their tokens go to `BURN_ADDRESS`. Anyone may call.
    function burnShares(IStrategy strategy) external;

    /// @notice Allows deposits into each of `strategies`. Owner only.
    function addStrategiesToDepositWhitelist(IStrategy[] calldata strategies) external;

    /// @notice Stops deposits into each of `strategies`. Owner only.
    function removeStrategiesFromDepositWhitelist(IStrategy[] calldata strategies) external;

    /// @notice Whether `strategy` accepts deposits.
    function strategyIsWhitelistedForDeposit(IStrategy strategy) external view returns (bool);

    /// @notice `staker`'s deposit shares of `strategy` (before any slashing is applied).
    function stakerDepositShares(address staker, IStrategy strategy) external view returns (uint256);

    /// @notice The strategies `staker` holds deposit shares in.
    function getStakerStrategyList(address staker) external view returns (IStrategy[] memory);

    /// @notice The strategies `staker` holds deposit shares in and the shares held.
    function getDeposits(address staker) external view returns (IStrategy[] memory, uint256[] memory);

    /// @notice Slashed shares of `strategy` waiting to be burned.
    function getBurnableShares(IStrategy strategy) external view returns (uint256);

    /// @notice The DelegationManager this StrategyManager reports deposits to.
    function delegation() external view returns (address);
}
