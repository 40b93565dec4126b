// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ISignatureUtils} from "../interfaces/ISignatureUtils.sol";
import {IAVSDirectory, IAVSDirectoryCore} from "../interfaces/IAVSDirectory.sol";
import {IDelegationManager} from "../interfaces/IDelegationManager.sol";

/// @title Operator <-> AVS registrations, each consented to by the operator's EIP-712 signature.
/// @notice The AVS (its service manager) calls `registerOperatorToAVS` with the operator's signature over
///         `calculateOperatorAVSRegistrationDigestHash(operator, avs, salt, expiry)`; salts are single-use per
///         operator and signatures expire. EIP-1271 contract signers are supported through SignatureChecker.
contract AVSDirectory is IAVSDirectoryCore, EIP712 {
    /// @inheritdoc IAVSDirectoryCore
    bytes32 public constant OPERATOR_AVS_REGISTRATION_TYPEHASH =
        keccak256("OperatorAVSRegistration(address operator,address avs,bytes32 salt,uint256 expiry)");

    /// @notice The DelegationManager in which operators must be registered.
    IDelegationManager public immutable delegation;

    /// @inheritdoc IAVSDirectoryCore
    mapping(address avs => mapping(address operator => OperatorAVSRegistrationStatus)) public avsOperatorStatus;
    /// @inheritdoc IAVSDirectoryCore
    mapping(address operator => mapping(bytes32 salt => bool)) public operatorSaltIsSpent;

    /// @param delegation_ The DelegationManager.
    constructor(IDelegationManager delegation_) EIP712("Lamina", "1") {
        delegation = delegation_;
    }

    /// @inheritdoc IAVSDirectory
    function registerOperatorToAVS(
        address operator,
        ISignatureUtils.SignatureWithSaltAndExpiry memory operatorSignature
    ) external {
        // Expiry is a timestamp in EigenLayer's ABI; a few seconds of validator skew do not matter here.
        // forge-lint: disable-next-line(block-timestamp)
        if (operatorSignature.expiry < block.timestamp) {
            revert SignatureExpired(operatorSignature.expiry, block.timestamp);
        }
        if (avsOperatorStatus[msg.sender][operator] == OperatorAVSRegistrationStatus.REGISTERED) {
            revert OperatorAlreadyRegisteredToAVS(operator, msg.sender);
        }
        if (operatorSaltIsSpent[operator][operatorSignature.salt]) revert SaltSpent(operator, operatorSignature.salt);
        if (!delegation.isOperator(operator)) revert OperatorNotRegisteredToEigenLayer(operator);

        bytes32 digest = calculateOperatorAVSRegistrationDigestHash(
            operator, msg.sender, operatorSignature.salt, operatorSignature.expiry
        );
        if (!SignatureChecker.isValidSignatureNow(operator, digest, operatorSignature.signature)) {
            revert InvalidSignature(operator);
        }

        operatorSaltIsSpent[operator][operatorSignature.salt] = true;
        avsOperatorStatus[msg.sender][operator] = OperatorAVSRegistrationStatus.REGISTERED;
        emit OperatorAVSRegistrationStatusUpdated(operator, msg.sender, OperatorAVSRegistrationStatus.REGISTERED);
    }

    /// @inheritdoc IAVSDirectory
    function deregisterOperatorFromAVS(address operator) external {
        if (avsOperatorStatus[msg.sender][operator] != OperatorAVSRegistrationStatus.REGISTERED) {
            revert OperatorNotRegisteredToAVS(operator, msg.sender);
        }
        avsOperatorStatus[msg.sender][operator] = OperatorAVSRegistrationStatus.UNREGISTERED;
        emit OperatorAVSRegistrationStatusUpdated(operator, msg.sender, OperatorAVSRegistrationStatus.UNREGISTERED);
    }

    /// @inheritdoc IAVSDirectoryCore
    function updateAVSMetadataURI(string calldata metadataURI) external {
        emit AVSMetadataURIUpdated(msg.sender, metadataURI);
    }

    /// @inheritdoc IAVSDirectoryCore
    function cancelSalt(bytes32 salt) external {
        operatorSaltIsSpent[msg.sender][salt] = true;
    }

    /// @inheritdoc IAVSDirectory
    function calculateOperatorAVSRegistrationDigestHash(address operator, address avs, bytes32 salt, uint256 expiry)
        public
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(OPERATOR_AVS_REGISTRATION_TYPEHASH, operator, avs, salt, expiry)));
    }

    /// @inheritdoc IAVSDirectoryCore
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }
}
