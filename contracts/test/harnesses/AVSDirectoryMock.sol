// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAVSDirectory} from "../../src/interfaces/IAVSDirectory.sol";
import {ISignatureUtils} from "../../src/interfaces/ISignatureUtils.sol";

/// @title Test double of the AVSDirectory: records which operators each AVS registered.
contract AVSDirectoryMock is IAVSDirectory {
    mapping(address avs => mapping(address operator => bool registered)) public isRegistered;

    function registerOperatorToAVS(address operator, ISignatureUtils.SignatureWithSaltAndExpiry memory) external {
        isRegistered[msg.sender][operator] = true;
    }

    function deregisterOperatorFromAVS(address operator) external {
        isRegistered[msg.sender][operator] = false;
    }

    function calculateOperatorAVSRegistrationDigestHash(address operator, address avs, bytes32 salt, uint256 expiry)
        external
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(operator, avs, salt, expiry));
    }
}
