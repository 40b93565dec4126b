// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CertBuilder} from "../harnesses/CertBuilder.sol";
import {BN254} from "../../src/libraries/BN254.sol";
import {Merkle} from "../../src/libraries/Merkle.sol";
import {DATypes} from "../../src/da/DATypes.sol";
import {CertVerifier} from "../../src/da/CertVerifier.sol";
import {CertVerificationLib} from "../../src/da/CertVerificationLib.sol";
import {IBLSSignatureChecker} from "../../src/middleware/interfaces/IBLSSignatureChecker.sol";

contract CertVerifierTest is CertBuilder {
    using BN254 for BN254.G1Point;

    uint8 internal constant SUCCESS = uint8(CertVerifier.StatusCode.SUCCESS);
    uint8 internal constant INVALID = uint8(CertVerifier.StatusCode.INVALID_CERT);
    uint8 internal constant INTERNAL = uint8(CertVerifier.StatusCode.INTERNAL_ERROR);

    /// @notice A valid certificate, encoded once (building one costs a G2 multiplication).
    bytes internal validCert;

    function setUp() public override {
        super.setUp();
        validCert = abi.encode(_buildCert(0, hex"0001", hex"0001", rbn, _none()));
    }

    function _status(DATypes.DACertV3 memory cert) internal view returns (uint8) {
        return certVerifier.checkDACert(abi.encode(cert));
    }

    function test_statusCodesMatchEigenDA() public pure {
        assertEq(SUCCESS, 1);
        assertEq(INVALID, 6);
        assertEq(INTERNAL, 7);
    }

    function test_validCert_success() public view {
        assertEq(_status(_buildCert(0, hex"0001", hex"0001", rbn, _none())), SUCCESS, "all signed");
        // op3 (20 of 180, 5 of 115) not signing still leaves both quorums above 55%
        assertEq(_status(_buildCert(1, hex"0001", hex"0001", rbn, _list(3))), SUCCESS, "one non-signer");
        // blob in quorum 0 only, both signed
        assertEq(_status(_buildCert(0, hex"00", hex"0001", rbn, _none())), SUCCESS, "subset of signed");
    }

    function test_referenceBlockNumberAtFixedOffset() public view {
        // abi.encode(cert) = [offset 0x20][batchRoot][referenceBlockNumber]...: tooling can read the RBN from
        // bytes 64..96 without decoding the certificate (bytes 32..64 once the leading offset word is dropped)
        DATypes.DACertV3 memory cert = _buildCert(0, hex"0001", hex"0001", rbn, _none());
        bytes memory encoded = abi.encode(cert);
        uint256 root;
        uint256 word;
        assembly {
            root := mload(add(encoded, 0x40))
            word := mload(add(encoded, 0x60))
        }
        assertEq(root, uint256(cert.batchHeader.batchRoot), "batch root at 32..64");
        assertEq(word, rbn, "reference block at 64..96");
    }

    function test_invalid_inclusionProof() public {
        DATypes.DACertV3 memory cert = _buildCert(0, hex"0001", hex"0001", rbn, _none());
        cert.blobInclusionInfo.blobIndex = 2;
        assertEq(_status(cert), INVALID, "wrong index");
        cert.blobInclusionInfo.blobIndex = 1;
        cert.blobInclusionInfo.blobCertificate.blobHeader.commitment.length += 1;
        assertEq(_status(cert), INVALID, "tampered blob header");
        bytes32 leaf = Merkle.blobLeaf(CertVerificationLib.hashBlobCertificate(cert.blobInclusionInfo.blobCertificate));
        vm.expectRevert(
            abi.encodeWithSelector(
                CertVerificationLib.InvalidInclusionProof.selector, uint32(1), leaf, cert.batchHeader.batchRoot
            )
        );
        certVerifier.checkDACertReverts(cert);
    }

    function test_invalid_unknownBlobVersion() public {
        DATypes.DACertV3 memory cert = _buildCert(9, hex"0001", hex"0001", rbn, _none());
        assertEq(_status(cert), INVALID);
        vm.expectRevert(abi.encodeWithSelector(CertVerificationLib.InvalidBlobVersion.selector, uint16(9), uint16(2)));
        certVerifier.checkDACertReverts(cert);
    }

    function test_governanceChangesApplyFromTheirBlockOnly() public {
        // A certificate over quorums 0 and 1 at `rbn` is valid; the owner then raises the confirmation
        // threshold and requires quorum 1 only for blob in quorum 0: the issued certificates keep the rules of
        // their reference block, and new reference blocks get the new rules.
        DATypes.DACertV3 memory issued = _buildCert(1, hex"00", hex"0001", rbn, _list(3));
        assertEq(_status(issued), SUCCESS, "valid before the change");
        vm.startPrank(owner);
        // op3 silent: quorum 0 signed 160/180 = 88%, quorum 1 110/115 = 95%
        thresholdRegistry.setSecurityThresholds(DATypes.SecurityThresholds({confirmationThreshold: 90, adversaryThreshold: 33}));
        thresholdRegistry.setQuorumNumbersRequired(hex"0001");
        vm.stopPrank();
        uint32 changedAt = uint32(block.number);
        assertEq(_status(issued), SUCCESS, "an issued certificate stays valid");
        vm.roll(block.number + 1);
        DATypes.DACertV3 memory fresh = _buildCert(1, hex"00", hex"0001", changedAt, _list(3));
        vm.expectRevert(
            abi.encodeWithSelector(CertVerificationLib.BlobQuorumsNotSubset.selector, uint256(1), uint256(2))
        );
        certVerifier.checkDACertReverts(fresh);
        assertEq(_status(fresh), INVALID, "88% < 90% under the new threshold");
        fresh = _buildCert(1, hex"0001", hex"0001", changedAt, _none());
        assertEq(_status(fresh), SUCCESS, "all signed, both quorums");
        fresh = _buildCert(1, hex"00", hex"0001", changedAt, _none());
        vm.expectRevert(
            abi.encodeWithSelector(CertVerificationLib.RequiredQuorumsNotSubset.selector, uint256(3), uint256(1))
        );
        certVerifier.checkDACertReverts(fresh);
        assertEq(certVerifier.securityThresholdsAtBlock(rbn).confirmationThreshold, 55);
        assertEq(certVerifier.securityThresholdsAtBlock(changedAt).confirmationThreshold, 90);
        assertEq(certVerifier.quorumNumbersRequiredAtBlock(rbn), hex"00");
        assertEq(certVerifier.quorumNumbersRequiredAtBlock(changedAt), hex"0001");
    }

    function test_invalid_referenceBlockBeforeTheRegistry() public {
        DATypes.DACertV3 memory cert = _buildCert(0, hex"0001", hex"0001", rbn, _none());
        cert.batchHeader.referenceBlockNumber = 0;
        assertEq(_status(cert), INVALID);
    }

    function test_invalid_insufficientStake() public {
        // op0 not signing: quorum 0 signed 60/180 = 33% and quorum 1 55/115 = 48%, both below 55%
        DATypes.DACertV3 memory cert = _buildCert(0, hex"0001", hex"0001", rbn, _list(0));
        assertEq(_status(cert), INVALID);
        vm.expectRevert(
            abi.encodeWithSelector(CertVerificationLib.BlobQuorumsNotSubset.selector, uint256(3), uint256(0))
        );
        certVerifier.checkDACertReverts(cert);
    }

    function test_invalid_requiredQuorumMissing() public {
        DATypes.DACertV3 memory cert = _buildCert(0, hex"01", hex"01", rbn, _none());
        assertEq(_status(cert), INVALID);
        vm.expectRevert(
            abi.encodeWithSelector(CertVerificationLib.RequiredQuorumsNotSubset.selector, uint256(1), uint256(2))
        );
        certVerifier.checkDACertReverts(cert);
    }

    function test_invalid_badSignature() public view {
        DATypes.DACertV3 memory cert = _buildCert(0, hex"0001", hex"0001", rbn, _none());
        cert.nonSignerStakesAndSignature.sigma = cert.nonSignerStakesAndSignature.sigma.plus(BN254.generatorG1());
        assertEq(_status(cert), INVALID);
    }

    function test_invalid_pointOffCurve() public view {
        // the precompile rejects (1, 3); the checker's custom error maps to INVALID_CERT, not INTERNAL_ERROR
        DATypes.DACertV3 memory cert = _buildCert(0, hex"0001", hex"0001", rbn, _none());
        cert.nonSignerStakesAndSignature.sigma = BN254.G1Point(1, 3);
        assertEq(_status(cert), INVALID, "sigma off curve");
        cert = _buildCert(0, hex"0001", hex"0001", rbn, _none());
        cert.nonSignerStakesAndSignature.apkG2.X[0] = 1;
        assertEq(_status(cert), INVALID, "apkG2 off curve");
    }

    function test_invalid_futureReferenceBlock() public {
        DATypes.DACertV3 memory cert = _buildCert(0, hex"0001", hex"0001", rbn, _none());
        vm.roll(rbn);
        assertEq(_status(cert), INVALID);
    }

    function test_invalid_undecodableOrOversized() public view {
        assertEq(certVerifier.checkDACert(hex"deadbeef"), INVALID, "garbage");
        assertEq(certVerifier.checkDACert(""), INVALID, "empty");
        bytes memory encoded = abi.encode(_buildCert(0, hex"0001", hex"0001", rbn, _none()));
        bytes memory truncated = new bytes(encoded.length / 2);
        for (uint256 i = 0; i < truncated.length; ++i) {
            truncated[i] = encoded[i];
        }
        assertEq(certVerifier.checkDACert(truncated), INVALID, "truncated");
        assertEq(certVerifier.checkDACert(new bytes(262_145)), INVALID, "oversized");
    }

    function test_invalid_tooManyNonSigners() public view {
        DATypes.DACertV3 memory cert = _buildCert(0, hex"0001", hex"0001", rbn, _none());
        cert.nonSignerStakesAndSignature.nonSignerStakeIndices[0] = new uint32[](416);
        assertEq(_status(cert), INVALID);
    }

    function test_invalid_tooManyQuorums() public view {
        DATypes.DACertV3 memory cert = _buildCert(0, hex"0001", hex"0001", rbn, _none());
        cert.signedQuorumNumbers = hex"000102030405";
        assertEq(_status(cert), INVALID);
    }

    function test_internalError_misconfiguredVerifier() public {
        // a signature verifier without code: the call's empty revert is a verifier bug, not a bad cert
        CertVerifier broken = new CertVerifier(thresholdRegistry, IBLSSignatureChecker(address(0xdead)));
        assertEq(broken.checkDACert(abi.encode(_buildCert(0, hex"0001", hex"0001", rbn, _none()))), INTERNAL);
    }

    function testFuzz_neverReverts(bytes calldata junk) public view {
        uint8 status = certVerifier.checkDACert(junk);
        assertEq(status, INVALID);
    }

    function testFuzz_flippedByteNeverSucceedsOrReverts(uint256 position, uint8 mask) public view {
        bytes memory encoded = validCert;
        position = bound(position, 0, encoded.length - 1);
        mask = uint8(bound(mask, 1, 255));
        encoded[position] = bytes1(uint8(encoded[position]) ^ mask);
        uint8 status = certVerifier.checkDACert(encoded);
        // most flips invalidate; a few land in ignored padding (e.g. high bytes of a uint8 are rejected by
        // the decoder, zero padding of dynamic bytes is not read) and may still succeed
        assertTrue(status == SUCCESS || status == INVALID || status == INTERNAL, "a status, never a revert");
    }
}
