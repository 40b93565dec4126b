// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MiddlewareFixture} from "../harnesses/MiddlewareFixture.sol";
import {CertBuilder} from "../harnesses/CertBuilder.sol";
import {BN254} from "../../src/libraries/BN254.sol";
import {Merkle} from "../../src/libraries/Merkle.sol";
import {DATypes} from "../../src/da/DATypes.sol";
import {CertVerifier} from "../../src/da/CertVerifier.sol";
import {CertVerificationLib} from "../../src/da/CertVerificationLib.sol";
import {LaminaServiceManager} from "../../src/da/LaminaServiceManager.sol";
import {OperatorStateRetriever} from "../../src/middleware/OperatorStateRetriever.sol";
import {IBLSSignatureChecker} from "../../src/middleware/interfaces/IBLSSignatureChecker.sol";
import {IBLSSignatureCheckerErrors} from "../../src/middleware/interfaces/IBLSSignatureChecker.sol";

/// @title The forged certificate of issue 13: at a reference block where the required quorum had no stake
///        (its only operator registered and then left), aggregate key, signature and G2 key at infinity.
///        Before the fix `signed*100 >= total*threshold` held as `0 >= 0` and the certificate verified.
contract CertVerifierEmptyQuorumTest is MiddlewareFixture {
    using BN254 for BN254.G1Point;

    uint8 internal constant SUCCESS = uint8(CertVerifier.StatusCode.SUCCESS);
    uint8 internal constant INVALID = uint8(CertVerifier.StatusCode.INVALID_CERT);

    /// @notice A block at which quorum 0 (the required quorum) has zero total stake and an apk at infinity.
    uint32 internal emptyRbn;

    function setUp() public override {
        super.setUp();
        uint256 op = _newOperator(uint256(keccak256("lone operator")) % 2 ** 250);
        _setShares(op, 0, 100 ether);
        _register(op, hex"00");
        vm.roll(block.number + 1);
        vm.prank(operators[op].addr);
        coordinator.deregisterOperator(hex"00");
        vm.roll(block.number + 1);
        emptyRbn = uint32(block.number);
        vm.roll(block.number + 5);
    }

    function _forgedParams(uint32 referenceBlock)
        internal
        view
        returns (IBLSSignatureChecker.NonSignerStakesAndSignature memory p)
    {
        OperatorStateRetriever.CheckSignaturesIndices memory indices =
            retriever.getCheckSignaturesIndices(coordinator, referenceBlock, hex"00", new bytes32[](0));
        p.nonSignerQuorumBitmapIndices = indices.nonSignerQuorumBitmapIndices;
        p.quorumApkIndices = indices.quorumApkIndices;
        p.totalStakeIndices = indices.totalStakeIndices;
        p.nonSignerStakeIndices = indices.nonSignerStakeIndices;
        p.quorumApks = new BN254.G1Point[](1); // (0, 0): the point at infinity, the apk of an empty quorum
        // apkG2 and sigma stay (0, 0[, 0, 0]): the points at infinity
    }

    /// @notice The forged certificate for an arbitrary blob (any commitment), signed by nobody.
    function _forgedCert(uint32 referenceBlock) internal view returns (DATypes.DACertV3 memory cert) {
        DATypes.BlobCertificate memory c;
        c.blobHeader.version = 0;
        c.blobHeader.quorumNumbers = hex"00";
        c.blobHeader.commitment.commitment = BN254.generatorG1().scalar_mul(123456789);
        c.blobHeader.commitment.lengthCommitment = BN254.generatorG2();
        c.blobHeader.commitment.lengthProof = BN254.generatorG2();
        c.blobHeader.commitment.length = 32;
        c.blobHeader.paymentHeaderHash = keccak256("anything");
        bytes32[] memory leaves = new bytes32[](1);
        leaves[0] = Merkle.blobLeaf(CertVerificationLib.hashBlobCertificate(c));
        cert.blobInclusionInfo.blobCertificate = c;
        cert.blobInclusionInfo.inclusionProof = Merkle.getProofKeccak(leaves, 0);
        cert.batchHeader =
            DATypes.BatchHeaderV2({batchRoot: Merkle.merkleizeKeccak(leaves), referenceBlockNumber: referenceBlock});
        cert.signedQuorumNumbers = hex"00";
        cert.nonSignerStakesAndSignature = _forgedParams(referenceBlock);
    }

    function test_fixtureQuorumIsEmptyAtReferenceBlock() public view {
        assertEq(stakeRegistry.getTotalStakeAtBlockNumberFromIndex(0, emptyRbn, _forgedParams(emptyRbn).totalStakeIndices[0]), 0);
    }

    function test_invalid_forgedCertOverEmptyRequiredQuorum() public {
        DATypes.DACertV3 memory cert = _forgedCert(emptyRbn);
        assertEq(certVerifier.checkDACert(abi.encode(cert)), INVALID, "empty quorum never confirms");
        // the checker refuses the G2 key at infinity first ...
        vm.expectRevert(IBLSSignatureCheckerErrors.ApkG2AtInfinity.selector);
        certVerifier.checkDACertReverts(cert);
        // ... and with finite G2 key and signature, the empty quorum's aggregate key at infinity
        cert.nonSignerStakesAndSignature.apkG2 = BN254.generatorG2();
        cert.nonSignerStakesAndSignature.sigma = BN254.generatorG1();
        assertEq(certVerifier.checkDACert(abi.encode(cert)), INVALID);
        vm.expectRevert(abi.encodeWithSelector(IBLSSignatureCheckerErrors.QuorumApkAtInfinity.selector, uint8(0)));
        certVerifier.checkDACertReverts(cert);
    }

    function test_confirmedQuorumsNeverIncludeAnEmptyQuorum() public {
        // Even a checker that let the infinity points through: the library alone refuses a zero-stake quorum.
        uint96[] memory total = new uint96[](1);
        uint96[] memory signed = new uint96[](1);
        assertEq(CertVerificationLib.confirmedQuorums(hex"00", total, signed, 55), 0, "0 of 0 is not confirmed");
        total[0] = 1;
        signed[0] = 1;
        assertEq(CertVerificationLib.confirmedQuorums(hex"00", total, signed, 55), 1, "1 of 1 is");
    }

    function test_RevertIf_confirmBatchOverEmptyQuorum() public {
        DATypes.BatchHeader memory h = DATypes.BatchHeader({
            blobHeadersRoot: keccak256("forged"),
            quorumNumbers: hex"00",
            signedStakeForQuorums: hex"64",
            referenceBlockNumber: emptyRbn
        });
        IBLSSignatureChecker.NonSignerStakesAndSignature memory p = _forgedParams(emptyRbn);
        vm.prank(confirmer);
        vm.expectRevert(IBLSSignatureCheckerErrors.ApkG2AtInfinity.selector);
        serviceManager.confirmBatch(h, p);
        p.apkG2 = BN254.generatorG2();
        p.sigma = BN254.generatorG1();
        vm.prank(confirmer);
        vm.expectRevert(abi.encodeWithSelector(IBLSSignatureCheckerErrors.QuorumApkAtInfinity.selector, uint8(0)));
        serviceManager.confirmBatch(h, p);
    }

    function test_RevertIf_infinityWhereAKeyOrSignatureIsExpected() public {
        IBLSSignatureChecker.NonSignerStakesAndSignature memory p = _forgedParams(emptyRbn);
        p.quorumApks[0] = BN254.generatorG1();
        vm.expectRevert(IBLSSignatureCheckerErrors.ApkG2AtInfinity.selector);
        serviceManager.checkSignatures(keccak256("m"), hex"00", emptyRbn, p);
        p.apkG2 = BN254.generatorG2();
        vm.expectRevert(IBLSSignatureCheckerErrors.SigmaAtInfinity.selector);
        serviceManager.checkSignatures(keccak256("m"), hex"00", emptyRbn, p);
        p.sigma = BN254.generatorG1();
        p.nonSignerPubkeys = new BN254.G1Point[](1);
        p.nonSignerQuorumBitmapIndices = new uint32[](1);
        vm.expectRevert(abi.encodeWithSelector(IBLSSignatureCheckerErrors.NonSignerPubkeyAtInfinity.selector, 0));
        serviceManager.checkSignatures(keccak256("m"), hex"00", emptyRbn, p);
    }
}

/// @title Malformed `NonSignerStakesAndSignature` shapes: always INVALID_CERT (6), never INTERNAL_ERROR (7),
///        which is reserved for faults of the verifier itself.
contract CertVerifierMalformedShapeTest is CertBuilder {
    using BN254 for BN254.G1Point;

    uint8 internal constant SUCCESS = uint8(CertVerifier.StatusCode.SUCCESS);
    uint8 internal constant INVALID = uint8(CertVerifier.StatusCode.INVALID_CERT);

    /// @notice op3 does not sign: quorums 0 and 1 each have one non-signer stake index.
    bytes internal baseEncoded;

    function setUp() public override {
        super.setUp();
        DATypes.DACertV3 memory cert = _buildCert(1, hex"0001", hex"0001", rbn, _list(3));
        baseEncoded = abi.encode(cert);
    }

    function _base() internal view returns (DATypes.DACertV3 memory) {
        return abi.decode(baseEncoded, (DATypes.DACertV3));
    }

    function _status(DATypes.DACertV3 memory cert) internal view returns (uint8) {
        return certVerifier.checkDACert(abi.encode(cert));
    }

    function _resized(uint32[] memory a, uint256 n) internal pure returns (uint32[] memory b) {
        b = new uint32[](n);
        for (uint256 i = 0; i < n && i < a.length; ++i) {
            b[i] = a[i];
        }
    }

    function test_baseIsValid() public view {
        assertEq(_status(_base()), SUCCESS);
    }

    function test_invalid_nonSignerStakeIndicesTooShort() public {
        DATypes.DACertV3 memory cert = _base();
        cert.nonSignerStakesAndSignature.nonSignerStakeIndices[0] = new uint32[](0);
        assertEq(_status(cert), INVALID, "was INTERNAL_ERROR (array out-of-bounds panic)");
        vm.expectRevert(
            abi.encodeWithSelector(
                IBLSSignatureCheckerErrors.NonSignerStakeIndicesLengthMismatch.selector, uint8(0), 0, 1
            )
        );
        certVerifier.checkDACertReverts(cert);
    }

    function test_invalid_nonSignerStakeIndicesTooLong() public {
        DATypes.DACertV3 memory cert = _base();
        cert.nonSignerStakesAndSignature.nonSignerStakeIndices[1] =
            _resized(cert.nonSignerStakesAndSignature.nonSignerStakeIndices[1], 3);
        assertEq(_status(cert), INVALID);
        vm.expectRevert(
            abi.encodeWithSelector(
                IBLSSignatureCheckerErrors.NonSignerStakeIndicesLengthMismatch.selector, uint8(1), 3, 1
            )
        );
        certVerifier.checkDACertReverts(cert);
    }

    function test_invalid_perQuorumArraysMismatch() public {
        DATypes.DACertV3 memory cert = _base();
        cert.nonSignerStakesAndSignature.totalStakeIndices = new uint32[](1);
        vm.expectRevert(IBLSSignatureCheckerErrors.InputArrayLengthMismatch.selector);
        certVerifier.checkDACertReverts(cert);
        assertEq(_status(cert), INVALID);
    }

    /// @notice One or two of the nine arrays (the non-signer parameters, each quorum's stake indices and the
    ///         signed quorums) resized at random: SUCCESS only for the original shape, INVALID_CERT otherwise,
    ///         never INTERNAL_ERROR.
    function testFuzz_malformedShapesAreInvalidNeverInternal(uint8 which1, uint8 len1, uint8 which2, uint8 len2)
        public
        view
    {
        uint256[9] memory lens = [uint256(1), 1, 2, 2, 2, 2, 1, 1, 2];
        lens[bound(which1, 0, 8)] = bound(len1, 0, 3);
        lens[bound(which2, 0, 8)] = bound(len2, 0, 3);
        DATypes.DACertV3 memory cert = _base();
        IBLSSignatureChecker.NonSignerStakesAndSignature memory p = cert.nonSignerStakesAndSignature;
        p.nonSignerQuorumBitmapIndices = _resized(p.nonSignerQuorumBitmapIndices, lens[0]);
        p.nonSignerPubkeys = _resizedPoints(p.nonSignerPubkeys, lens[1]);
        p.quorumApks = _resizedPoints(p.quorumApks, lens[2]);
        p.quorumApkIndices = _resized(p.quorumApkIndices, lens[3]);
        p.totalStakeIndices = _resized(p.totalStakeIndices, lens[4]);
        {
            uint32[][] memory outer = new uint32[][](lens[5]);
            for (uint256 i = 0; i < lens[5]; ++i) {
                uint32[] memory inner = i < p.nonSignerStakeIndices.length ? p.nonSignerStakeIndices[i] : new uint32[](0);
                outer[i] = _resized(inner, i < 2 ? lens[6 + i] : 1);
            }
            p.nonSignerStakeIndices = outer;
        }
        bytes[4] memory quorumChoices = [bytes(""), bytes(hex"00"), bytes(hex"0001"), bytes(hex"000102")];
        cert.signedQuorumNumbers = quorumChoices[lens[8]];
        cert.nonSignerStakesAndSignature = p;

        uint8 status = _status(cert);
        bool original = true;
        uint256[9] memory originalLens = [uint256(1), 1, 2, 2, 2, 2, 1, 1, 2];
        for (uint256 i = 0; i < 9; ++i) {
            if (lens[i] != originalLens[i]) original = false;
        }
        assertEq(status, original ? SUCCESS : INVALID, "malformed shapes are INVALID_CERT, never INTERNAL_ERROR");
    }

    function _resizedPoints(BN254.G1Point[] memory a, uint256 n) internal pure returns (BN254.G1Point[] memory b) {
        b = new BN254.G1Point[](n);
        for (uint256 i = 0; i < n; ++i) {
            b[i] = i < a.length ? a[i] : BN254.G1Point(1, 2);
        }
    }
}
