// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IStrategy} from "../interfaces/IStrategy.sol";

/// @title A strategy holding one ERC-20 token, accounted for in shares.
/// @notice Shares and balance both carry virtual offsets (`SHARES_OFFSET`, `BALANCE_OFFSET`), as in EigenLayer's
///         StrategyBase: the exchange rate starts at 1 and an attacker who donates tokens to an empty strategy to
///         round the next depositor's shares down to zero has to donate ~1e3x what they steal, so the attack loses money.
///         All rounding favours the strategy: deposits and withdrawals round down.
contract StrategyBase is IStrategy {
    using SafeERC20 for IERC20;

    /// @notice Virtual shares added to `totalShares` in every conversion.
    uint256 public constant SHARES_OFFSET = 1e3;
    /// @notice Virtual tokens added to the balance in every conversion.
    uint256 public constant BALANCE_OFFSET = 1e3;
    /// @notice Cap on total shares so that `shares * balance` products cannot overflow (EigenLayer's 1e38 - 1).
    uint256 public constant MAX_TOTAL_SHARES = 1e38 - 1;

    /// @notice The StrategyManager, the only caller of `deposit` and `withdraw`.
    address public immutable strategyManager;
    /// @inheritdoc IStrategy
    IERC20 public immutable underlyingToken;
    /// @inheritdoc IStrategy
    uint256 public totalShares;

    /// @notice Only the StrategyManager may call this function; `caller` is not it.
    error OnlyStrategyManager(address caller);
    /// @notice The strategy holds `expected`, not `token`.
    error OnlyUnderlyingToken(IERC20 expected, IERC20 token);
    /// @notice A deposit of `amount` tokens would mint zero shares.
    error NewSharesZero(uint256 amount);
    /// @notice Total shares would reach `totalShares`, above `MAX_TOTAL_SHARES`.
    error TotalSharesExceedsMax(uint256 totalShares);
    /// @notice `amountShares` were asked for but only `totalShares` exist.
    error WithdrawalAmountExceedsTotalDeposits(uint256 amountShares, uint256 totalShares);
    /// @notice The strategy's balance is below the `amount` just deposited (fee-on-transfer tokens are unsupported).
    error BalanceBelowDeposit(uint256 balance, uint256 amount);
    /// @notice A zero address where an account is required.
    error ZeroAddress();

    /// @notice The value of one share (1e18 units) in tokens (1e18 units), after each deposit and withdrawal.
    event ExchangeRateEmitted(uint256 rate);

    modifier onlyStrategyManager() {
        if (msg.sender != strategyManager) revert OnlyStrategyManager(msg.sender);
        _;
    }

    /// @param strategyManager_ The StrategyManager that routes deposits and withdrawals.
    /// @param underlyingToken_ The token held.
    constructor(address strategyManager_, IERC20 underlyingToken_) {
        if (strategyManager_ == address(0) || address(underlyingToken_) == address(0)) revert ZeroAddress();
        strategyManager = strategyManager_;
        underlyingToken = underlyingToken_;
    }

    /// @inheritdoc IStrategy
    /// @dev The StrategyManager has already transferred `amount` tokens in, so the balance before the deposit is
    ///      `balance - amount`.
    function deposit(IERC20 token, uint256 amount) external onlyStrategyManager returns (uint256 newShares) {
        if (token != underlyingToken) revert OnlyUnderlyingToken(underlyingToken, token);
        uint256 balance = _tokenBalance();
        if (balance < amount) revert BalanceBelowDeposit(balance, amount);

        uint256 virtualShareAmount = totalShares + SHARES_OFFSET;
        uint256 virtualPriorTokenBalance = balance - amount + BALANCE_OFFSET;
        newShares = (amount * virtualShareAmount) / virtualPriorTokenBalance;
        if (newShares == 0) revert NewSharesZero(amount);

        uint256 newTotalShares = totalShares + newShares;
        if (newTotalShares > MAX_TOTAL_SHARES) revert TotalSharesExceedsMax(newTotalShares);
        totalShares = newTotalShares;
        _emitExchangeRate(balance + BALANCE_OFFSET, newTotalShares + SHARES_OFFSET);
    }

    /// @inheritdoc IStrategy
    function withdraw(address recipient, IERC20 token, uint256 amountShares) external onlyStrategyManager {
        if (token != underlyingToken) revert OnlyUnderlyingToken(underlyingToken, token);
        uint256 priorTotalShares = totalShares;
        if (amountShares > priorTotalShares) {
            revert WithdrawalAmountExceedsTotalDeposits(amountShares, priorTotalShares);
        }

        uint256 virtualTokenBalance = _tokenBalance() + BALANCE_OFFSET;
        uint256 virtualPriorTotalShares = priorTotalShares + SHARES_OFFSET;
        uint256 amountToSend = (virtualTokenBalance * amountShares) / virtualPriorTotalShares;
        totalShares = priorTotalShares - amountShares;
        _emitExchangeRate(virtualTokenBalance - amountToSend, virtualPriorTotalShares - amountShares);

        if (amountToSend != 0) underlyingToken.safeTransfer(recipient, amountToSend);
    }

    /// @inheritdoc IStrategy
    function sharesToUnderlyingView(uint256 amountShares) public view returns (uint256) {
        return ((_tokenBalance() + BALANCE_OFFSET) * amountShares) / (totalShares + SHARES_OFFSET);
    }

    /// @inheritdoc IStrategy
    function underlyingToSharesView(uint256 amountUnderlying) public view returns (uint256) {
        return (amountUnderlying * (totalShares + SHARES_OFFSET)) / (_tokenBalance() + BALANCE_OFFSET);
    }

    function _tokenBalance() internal view returns (uint256) {
        return underlyingToken.balanceOf(address(this));
    }

    function _emitExchangeRate(uint256 virtualTokenBalance, uint256 virtualTotalShares) internal {
        emit ExchangeRateEmitted((1e18 * virtualTokenBalance) / virtualTotalShares);
    }
}
