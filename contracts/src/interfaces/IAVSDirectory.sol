// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ISignatureUtils} from "./ISignatureUtils.sol";

/// @title Operator <-> AVS registration with the operator's EIP-712 consent (EigenLayer ABI).
interface IAVSDirectory {
    /// @notice Called by an AVS (its service manager) to register `operator`, who signed
    ///         `calculateOperatorAVSRegistrationDigestHash(operator, msg.sender, salt, expiry)`.
    function registerOperatorToAVS(
        address operator,
        ISignatureUtils.SignatureWithSaltAndExpiry memory operatorSignature
    ) external;
    /// @notice Called by an AVS to deregister `operator`.
    function deregisterOperatorFromAVS(address operator) external;
    /// @notice The EIP-712 digest an operator signs to consent to registering with `avs`.
    function calculateOperatorAVSRegistrationDigestHash(address operator, address avs, bytes32 salt, uint256 expiry)
        external
        view
        returns (bytes32);
}

/// @title Types, errors and events of the AVSDirectory.
interface IAVSDirectoryTypes {
    /// @notice Whether an operator is registered to an AVS.
    enum OperatorAVSRegistrationStatus {
        UNREGISTERED,
        REGISTERED
    }
}

/// @title Errors of the AVSDirectory.
interface IAVSDirectoryErrors {
    /// @notice `operator` is not registered in the DelegationManager.
    error OperatorNotRegisteredToEigenLayer(address operator);
    /// @notice `operator` is already registered to `avs`.
    error OperatorAlreadyRegisteredToAVS(address operator, address avs);
    /// @notice `operator` is not registered to `avs`.
    error OperatorNotRegisteredToAVS(address operator, address avs);
    /// @notice The operator's signature expired at `expiry`; now is `timestamp`.
    error SignatureExpired(uint256 expiry, uint256 timestamp);
    /// @notice `operator` already used `salt`.
    error SaltSpent(address operator, bytes32 salt);
    /// @notice The signature is not `operator`'s over the registration digest.
    error InvalidSignature(address operator);
}

/// @title Events of the AVSDirectory.
interface IAVSDirectoryEvents {
    /// @notice `operator`'s registration to `avs` changed to `status`.
    event OperatorAVSRegistrationStatusUpdated(
        address indexed operator, address indexed avs, IAVSDirectoryTypes.OperatorAVSRegistrationStatus status
    );
    /// @notice `avs` published metadata at `metadataURI`.
    event AVSMetadataURIUpdated(address indexed avs, string metadataURI);
}

/// @title The full AVSDirectory of the restaking core.
interface IAVSDirectoryCore is IAVSDirectory, IAVSDirectoryTypes, IAVSDirectoryErrors, IAVSDirectoryEvents {
    /// @notice Emits metadata for the calling AVS.
    function updateAVSMetadataURI(string calldata metadataURI) external;
    /// @notice Marks `salt` spent for the calling operator, invalidating signatures that use it.
    function cancelSalt(bytes32 salt) external;
    /// @notice Whether `operator` is registered to `avs`.
    function avsOperatorStatus(address avs, address operator) external view returns (OperatorAVSRegistrationStatus);
    /// @notice Whether `operator` already used `salt`.
    function operatorSaltIsSpent(address operator, bytes32 salt) external view returns (bool);
    /// @notice The EIP-712 type hash of the registration message.
    function OPERATOR_AVS_REGISTRATION_TYPEHASH() external view returns (bytes32);
    /// @notice The EIP-712 domain separator of this contract on this chain.
    function domainSeparator() external view returns (bytes32);
}
