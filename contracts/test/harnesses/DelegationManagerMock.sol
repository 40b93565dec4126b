// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDelegationManager} from "../../src/interfaces/IDelegationManager.sol";
import {IStrategy} from "../../src/interfaces/IStrategy.sol";

/// @title Test double of the DelegationManager's read side: operator shares set directly by the test.
contract DelegationManagerMock is IDelegationManager {
    mapping(address operator => mapping(IStrategy strategy => uint256 shares)) public shares;
    mapping(address operator => bool registered) internal _isOperator;

    /// @notice Sets `operator`'s delegated shares in `strategy` (and marks it an operator).
    function setOperatorShares(address operator, IStrategy strategy, uint256 amount) external {
        _isOperator[operator] = true;
        shares[operator][strategy] = amount;
    }

    function isOperator(address operator) external view returns (bool) {
        return _isOperator[operator];
    }

    function delegatedTo(address staker) external view returns (address) {
        return _isOperator[staker] ? staker : address(0);
    }

    function operatorShares(address operator, IStrategy strategy) external view returns (uint256) {
        return shares[operator][strategy];
    }

    function getOperatorShares(address operator, IStrategy[] memory strategies)
        external
        view
        returns (uint256[] memory out)
    {
        out = new uint256[](strategies.length);
        for (uint256 i = 0; i < strategies.length; ++i) {
            out[i] = shares[operator][strategies[i]];
        }
    }
}
