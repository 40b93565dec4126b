// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IStrategy} from "./IStrategy.sol";

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
    function getOperatorShares(address operator, IStrategy[] memory strategies)
        external
        view
        returns (uint256[] memory);
}
