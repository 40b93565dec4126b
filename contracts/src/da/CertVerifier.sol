// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBLSSignatureChecker} from "../middleware/interfaces/IBLSSignatureChecker.sol";
import {DATypes} from "./DATypes.sol";
import {CertVerificationLib} from "./CertVerificationLib.sol";
import {IThresholdRegistry} from "./interfaces/IThresholdRegistry.sol";

/// @title Checks a Lamina DA certificate (EigenDA V3 layout) and returns a status code instead of reverting.
/// @notice `checkDACert` never reverts on any input (short of the caller giving it too little gas): rollup
///         fraud and validity provers need an answer for invalid certificates too. Checks, in order:
///         Merkle inclusion of the blob certificate in the batch root, security parameters of the blob version,
///         the aggregate signature against stake at the reference block, per-quorum confirmation thresholds,
///         and required ⊆ blob quorums ⊆ confirmed quorums; thresholds and required quorums are the
///         ThresholdRegistry's at the reference block.
contract CertVerifier {
    /// @notice Certificates longer than this many bytes are invalid (bounds ABI decoding cost).
    uint256 public constant MAX_CALLDATA_BYTES_LENGTH = 262_144;
    /// @notice Gas cap for decoding a certificate.
    uint256 public constant MAX_ABI_DECODE_GAS = 2_097_152;
    /// @notice The certificate version this verifier accepts.
    uint8 public constant CERT_VERSION = 3;

    /// @notice Same numbering as EigenDA's `EigenDACertVerifier.StatusCode`.
    enum StatusCode {
        NULL_ERROR, // 0: never returned
        SUCCESS, // 1: the certificate is valid
        UNUSED_HISTORICAL_INVALID_INCLUSION_PROOF,
        UNUSED_HISTORICAL_SECURITY_ASSUMPTIONS_NOT_MET,
        UNUSED_HISTORICAL_BLOB_QUORUMS_NOT_SUBSET,
        UNUSED_HISTORICAL_REQUIRED_QUORUMS_NOT_SUBSET,
        INVALID_CERT, // 6: a check failed, or the bytes do not decode
        INTERNAL_ERROR // 7: a panic or an empty revert: a bug or misconfiguration of the verifier itself
    }

    /// @notice Where blob versions, thresholds and required quorums (with their history) live.
    IThresholdRegistry public immutable thresholdRegistry;
    /// @notice Checks signatures against stake (the service manager).
    IBLSSignatureChecker public immutable signatureVerifier;

    /// @param thresholdRegistry_ blob version parameters, and the thresholds and required quorums this verifier
    ///        enforces at each certificate's reference block
    /// @param signatureVerifier_ the BLS signature checker (service manager)
    constructor(IThresholdRegistry thresholdRegistry_, IBLSSignatureChecker signatureVerifier_) {
        thresholdRegistry = thresholdRegistry_;
        signatureVerifier = signatureVerifier_;
    }

    /// @notice Checks `abiEncodedCert` (abi.encode(DATypes.DACertV3)); returns a `StatusCode` as uint8.
    /// @dev Call it at a block after the certificate's reference block.
    function checkDACert(bytes calldata abiEncodedCert) external view returns (uint8) {
        if (abiEncodedCert.length > MAX_CALLDATA_BYTES_LENGTH) return uint8(StatusCode.INVALID_CERT);

        DATypes.DACertV3 memory cert;
        // Decoding failures surface as empty reverts or panics; catch them separately so that they count as an
        // invalid certificate rather than an internal error.
        try this.decodeCert{gas: MAX_ABI_DECODE_GAS}(abiEncodedCert) returns (DATypes.DACertV3 memory decoded) {
            cert = decoded;
        } catch {
            return uint8(StatusCode.INVALID_CERT);
        }

        try this.checkDACertReverts(cert) {
            return uint8(StatusCode.SUCCESS);
        } catch Error(string memory) {
            return uint8(StatusCode.INVALID_CERT);
        } catch Panic(uint256) {
            return uint8(StatusCode.INTERNAL_ERROR);
        } catch (bytes memory reason) {
            // A custom error (4-byte selector and arguments) is a failed check; anything shorter is an EVM-level
            // failure such as running out of gas.
            if (reason.length < 4) return uint8(StatusCode.INTERNAL_ERROR);
            return uint8(StatusCode.INVALID_CERT);
        }
    }

    /// @notice Decodes a certificate. External only so `checkDACert` can try/catch it; not part of the API.
    function decodeCert(bytes calldata data) external pure returns (DATypes.DACertV3 memory) {
        return abi.decode(data, (DATypes.DACertV3));
    }

    /// @notice Runs all checks on `cert`, reverting with the failing check's custom error.
    /// @dev Thresholds and required quorums are those in force at the certificate's reference block (the
    ///      registry's history), the same values the disperser and the client read.
    function checkDACertReverts(DATypes.DACertV3 memory cert) external view {
        uint32 referenceBlock = cert.batchHeader.referenceBlockNumber;
        CertVerificationLib.checkDACert(
            thresholdRegistry,
            signatureVerifier,
            cert,
            thresholdRegistry.securityThresholdsAtBlock(referenceBlock),
            thresholdRegistry.quorumNumbersRequiredAtBlock(referenceBlock)
        );
    }

    /// @notice The thresholds this verifier enforces for certificates with reference block `blockNumber`.
    function securityThresholdsAtBlock(uint32 blockNumber) external view returns (DATypes.SecurityThresholds memory) {
        return thresholdRegistry.securityThresholdsAtBlock(blockNumber);
    }

    /// @notice The quorums certificates with reference block `blockNumber` must cover.
    function quorumNumbersRequiredAtBlock(uint32 blockNumber) external view returns (bytes memory) {
        return thresholdRegistry.quorumNumbersRequiredAtBlock(blockNumber);
    }

    /// @notice The certificate version this verifier accepts.
    function certVersion() external pure returns (uint8) {
        return CERT_VERSION;
    }
}
