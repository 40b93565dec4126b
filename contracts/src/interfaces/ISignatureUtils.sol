// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title Signature types shared by the restaking core and the middleware (EigenLayer ABI).
interface ISignatureUtils {
    /// @notice An ECDSA (or EIP-1271) signature with a salt against replay and an expiry.
    struct SignatureWithSaltAndExpiry {
        bytes signature;
        bytes32 salt;
        uint256 expiry;
    }

    /// @notice An ECDSA (or EIP-1271) signature with an expiry; the salt travels separately.
    struct SignatureWithExpiry {
        bytes signature;
        uint256 expiry;
    }
}
