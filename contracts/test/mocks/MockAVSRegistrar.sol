// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAVSRegistrar} from "../../src/interfaces/IAVSRegistrar.sol";

/// @notice Records AllocationManager callbacks; can be told to reject registrations.
contract MockAVSRegistrar is IAVSRegistrar {
    /// @notice Raised when `rejectAll` is set.
    error RegistrationRejected(address operator);

    bool public rejectAll;
    uint256 public registerCalls;
    uint256 public deregisterCalls;
    address public lastOperator;
    address public lastAvs;
    uint32[] internal _lastSetIds;
    bytes public lastData;

    function setRejectAll(bool reject) external {
        rejectAll = reject;
    }

    function registerOperator(address operator, address avs, uint32[] calldata operatorSetIds, bytes calldata data)
        external
    {
        if (rejectAll) revert RegistrationRejected(operator);
        ++registerCalls;
        lastOperator = operator;
        lastAvs = avs;
        _lastSetIds = operatorSetIds;
        lastData = data;
    }

    function deregisterOperator(address operator, address avs, uint32[] calldata operatorSetIds) external {
        ++deregisterCalls;
        lastOperator = operator;
        lastAvs = avs;
        _lastSetIds = operatorSetIds;
    }

    function lastSetIds() external view returns (uint32[] memory) {
        return _lastSetIds;
    }
}
