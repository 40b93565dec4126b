// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ISignatureUtils} from "../../interfaces/ISignatureUtils.sol";
import {IAVSDirectory} from "../../interfaces/IAVSDirectory.sol";

/// @title An AVS's entry point into EigenLayer's AVSDirectory (EigenLayer ABI subset).
interface IServiceManager {
    /// @notice Only the RegistryCoordinator may call this function; `caller` is not it.
    error OnlyRegistryCoordinator(address caller);

    /// @notice Forwards an operator's registration (with its signature) to the AVSDirectory. Coordinator only.
    function registerOperatorToAVS(
        address operator,
        ISignatureUtils.SignatureWithSaltAndExpiry memory operatorSignature
    ) external;
    /// @notice Forwards an operator's deregistration to the AVSDirectory. Coordinator only.
    function deregisterOperatorFromAVS(address operator) external;
    /// @notice The AVSDirectory this service manager registers operators with.
    function avsDirectory() external view returns (IAVSDirectory);
}
