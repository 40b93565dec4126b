// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MiddlewareFixture} from "../harnesses/MiddlewareFixture.sol";
import {G2Ops} from "../utils/G2Ops.sol";
import {BN254} from "../../src/libraries/BN254.sol";
import {Merkle} from "../../src/libraries/Merkle.sol";
import {IBLSSignatureChecker} from "../../src/middleware/interfaces/IBLSSignatureChecker.sol";
import {IBLSApkRegistry} from "../../src/middleware/interfaces/IBLSApkRegistry.sol";
import {DATypes} from "../../src/da/DATypes.sol";
import {CertVerifier} from "../../src/da/CertVerifier.sol";
import {CertVerificationLib} from "../../src/da/CertVerificationLib.sol";

/// @notice Cheatcode outside LaminaTest's Vm: marks every storage slot of `target` cold again (EIP-2929), so a
///         measurement after building the inputs (which reads the same slots) is not flattered by warm reads.
interface VmCool {
    function cool(address target) external;
}

/// @title Gas figures for docs/gas.md, measured with gasleft() around one external call, storage cold.
/// @notice 130 operators registered in quorums 0 and 1. Reported values are execution gas of the call
///         (what a contract calling the checker pays); `calldata_*` values add the 21000 base cost and
///         EIP-2028 calldata cost for a direct transaction. Written to snapshots/GasReportTest.json.
contract GasReportTest is MiddlewareFixture {
    using BN254 for BN254.G1Point;

    uint256 internal constant OPERATORS = 130;
    VmCool internal constant VM_COOL = VmCool(VM_ADDRESS);
    uint32 internal ref;

    function setUp() public override {
        super.setUp();
        // Consecutive secrets so each G2 key costs one G2 addition (test-speed only; any keys give the same gas).
        uint256 base = uint256(keccak256("gas-report")) % (BN254.FR_MODULUS - OPERATORS);
        BN254.G2Point memory pk2 = G2Ops.mulGenerator(base);
        for (uint256 i = 0; i < OPERATORS; ++i) {
            if (i != 0) pk2 = G2Ops.add(pk2, BN254.generatorG2());
            uint256 op = _newOperatorWithG2(base + i, pk2);
            _setShares(op, 0, (i + 1) * 1e18);
            _setShares(op, 2, (i + 1) * 1e18);
            if (i + 1 < OPERATORS) _register(op, hex"0001");
        }
        ref = uint32(block.number);
        vm.roll(block.number + 1);
    }

    function _coolAll() internal {
        VM_COOL.cool(address(serviceManager));
        VM_COOL.cool(address(coordinator));
        VM_COOL.cool(address(stakeRegistry));
        VM_COOL.cool(address(apkRegistry));
        VM_COOL.cool(address(indexRegistry));
        VM_COOL.cool(address(certVerifier));
        VM_COOL.cool(address(thresholdRegistry));
    }

    function _firstN(uint256 n) internal pure returns (uint256[] memory l) {
        l = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            l[i] = i;
        }
    }

    /// @notice 21000 + EIP-2028 calldata cost of a transaction carrying `data`.
    function _txOverhead(bytes memory data) internal pure returns (uint256 gas) {
        gas = 21000;
        for (uint256 i = 0; i < data.length; ++i) {
            gas += data[i] == 0 ? 4 : 16;
        }
    }

    function _measureCheckSignatures(uint256 nonSigners) internal returns (uint256 used) {
        bytes32 msgHash = keccak256(abi.encode("gas", nonSigners));
        IBLSSignatureChecker.NonSignerStakesAndSignature memory p =
            _signAndBuild(msgHash, hex"0001", ref, _firstN(nonSigners));
        bytes memory quorums = hex"0001";
        _coolAll();
        uint256 before = gasleft();
        (IBLSSignatureChecker.QuorumStakeTotals memory t,) = serviceManager.checkSignatures(msgHash, quorums, ref, p);
        used = before - gasleft();
        // sanity: the first n operators (stakes 1..n) did not sign
        uint256 missing = nonSigners * (nonSigners + 1) / 2 * 1e18;
        assertEq(uint256(t.totalStakeForQuorum[0]) - t.signedStakeForQuorum[0], missing, "non-signer stake");
        string memory name = string.concat("checkSignatures_2q_", vm.toString(nonSigners), "_nonsigners");
        vm.snapshotValue(name, used);
        vm.snapshotValue(
            string.concat("tx_", name),
            used + _txOverhead(abi.encodeCall(serviceManager.checkSignatures, (msgHash, quorums, ref, p)))
        );
    }

    function test_gas_checkSignatures() public {
        uint256 g0 = _measureCheckSignatures(0);
        _measureCheckSignatures(1);
        _measureCheckSignatures(10);
        uint256 g100 = _measureCheckSignatures(100);
        uint256 g128 = _measureCheckSignatures(128);
        vm.snapshotValue("checkSignatures_per_nonsigner_0_to_100", (g100 - g0) / 100);
        // target: EigenDA's published worst case, 3.53M gas for 128 non-signers over 2 quorums
        assertLt(g128, 3_530_000, "no worse than EigenDA");
    }

    function test_gas_checkDACert_and_confirmBatch() public {
        // checkDACert: 2 quorums, 1 non-signer, 3-blob batch (proof depth 2)
        DATypes.BlobCertificate memory c;
        c.blobHeader.version = 0;
        c.blobHeader.quorumNumbers = hex"0001";
        c.blobHeader.commitment.commitment = BN254.generatorG1();
        c.blobHeader.commitment.lengthCommitment = BN254.generatorG2();
        c.blobHeader.commitment.lengthProof = BN254.generatorG2();
        c.blobHeader.commitment.length = 1024;
        c.signature = new bytes(65);
        c.relayKeys = new uint32[](2);
        bytes32[] memory leaves = new bytes32[](3);
        leaves[0] = Merkle.blobLeaf(CertVerificationLib.hashBlobCertificate(c));
        (leaves[1], leaves[2]) = (keccak256("b1"), keccak256("b2"));
        DATypes.DACertV3 memory cert;
        cert.batchHeader = DATypes.BatchHeaderV2(Merkle.merkleizeKeccak(leaves), ref);
        cert.blobInclusionInfo = DATypes.BlobInclusionInfo(c, 0, Merkle.getProofKeccak(leaves, 0));
        cert.signedQuorumNumbers = hex"0001";
        cert.nonSignerStakesAndSignature =
            _signAndBuild(CertVerificationLib.hashBatchHeaderV2(cert.batchHeader), hex"0001", ref, _firstN(1));
        bytes memory encoded = abi.encode(cert);
        _coolAll();
        uint256 before = gasleft();
        uint8 status = certVerifier.checkDACert(encoded);
        uint256 used = before - gasleft();
        assertEq(status, uint8(CertVerifier.StatusCode.SUCCESS));
        vm.snapshotValue("checkDACert_2q_1_nonsigner", used);
        vm.snapshotValue(
            "tx_checkDACert_2q_1_nonsigner", used + _txOverhead(abi.encodeCall(certVerifier.checkDACert, (encoded)))
        );

        // confirmBatch: 2 quorums, 1 non-signer
        DATypes.BatchHeader memory h = DATypes.BatchHeader(keccak256("root"), hex"0001", hex"3737", ref);
        IBLSSignatureChecker.NonSignerStakesAndSignature memory p = _signAndBuild(
            keccak256(abi.encode(DATypes.ReducedBatchHeader(h.blobHeadersRoot, ref))), hex"0001", ref, _firstN(1)
        );
        _coolAll();
        vm.prank(confirmer);
        before = gasleft();
        serviceManager.confirmBatch(h, p);
        used = before - gasleft();
        vm.snapshotValue("confirmBatch_2q_1_nonsigner", used);
        vm.snapshotValue(
            "tx_confirmBatch_2q_1_nonsigner", used + _txOverhead(abi.encodeCall(serviceManager.confirmBatch, (h, p)))
        );
    }

    function test_gas_registerOperator() public {
        // the last operator registers for both quorums: proof of possession + three registries + AVS
        uint256 op = OPERATORS - 1;
        IBLSApkRegistry.PubkeyRegistrationParams memory params = _pubkeyParams(op);
        _coolAll();
        vm.prank(operators[op].addr);
        uint256 before = gasleft();
        coordinator.registerOperator(hex"0001", "localhost:32005", params, _emptySignature());
        uint256 used = before - gasleft();
        vm.snapshotValue("registerOperator_2q_first_time", used);
    }
}
