// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title The callback an AVS receives when operators join or leave its operator sets (EigenLayer ABI).
/// @notice The AllocationManager calls the AVS's registrar (the AVS itself unless it set another)
///         inside `registerForOperatorSets` / `deregisterFromOperatorSets`; a revert aborts the (de)registration.
interface IAVSRegistrar {
    /// @notice `operator` joins `operatorSetIds` of `avs`; `data` is passed through from the operator.
    function registerOperator(address operator, address avs, uint32[] calldata operatorSetIds, bytes calldata data)
        external;

    /// @notice `operator` leaves `operatorSetIds` of `avs`.
    function deregisterOperator(address operator, address avs, uint32[] calldata operatorSetIds) external;
}
