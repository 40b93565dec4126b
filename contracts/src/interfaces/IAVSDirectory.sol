// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ISignatureUtils} from "./ISignatureUtils.sol";

/// @title Operator <-> AVS registration with the operator's EIP-712 consent (EigenLayer ABI).
interface IAVSDirectory {
    /// @notice Called by an AVS (its service manager) to register `operator`, who signed
    ///         `calculateOperatorAVSRegistrationDigestHash(operator, msg.sender, salt, expiry)`.
    function registerOperatorToAVS(address operator, ISignatureUtils.SignatureWithSaltAndExpiry memory operatorSignature)
        external;
    /// @notice Called by an AVS to deregister `operator`.
    function deregisterOperatorFromAVS(address operator) external;
    /// @notice The EIP-712 digest an operator signs to consent to registering with `avs`.
    function calculateOperatorAVSRegistrationDigestHash(address operator, address avs, bytes32 salt, uint256 expiry)
        external
        view
        returns (bytes32);
}
