// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title A strategy holds one ERC-20 token and accounts for it in shares (EigenLayer ABI).
interface IStrategy {
    /// @notice Called by the StrategyManager after it moved `amount` tokens in; returns shares minted.
    function deposit(IERC20 token, uint256 amount) external returns (uint256 newShares);
    /// @notice Called by the StrategyManager to burn `amountShares` and send the tokens to `recipient`.
    function withdraw(address recipient, IERC20 token, uint256 amountShares) external;
    /// @notice Tokens that `amountShares` shares are worth now.
    function sharesToUnderlyingView(uint256 amountShares) external view returns (uint256);
    /// @notice Shares that `amountUnderlying` tokens are worth now.
    function underlyingToSharesView(uint256 amountUnderlying) external view returns (uint256);
    /// @notice The token this strategy holds.
    function underlyingToken() external view returns (IERC20);
    /// @notice Total shares outstanding.
    function totalShares() external view returns (uint256);
}
