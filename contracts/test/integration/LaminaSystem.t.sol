// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {LaminaTest} from "../utils/LaminaTest.sol";
import {G2Ops} from "../utils/G2Ops.sol";
import {DeployLamina} from "../../script/DeployLamina.sol";
import {IStrategy} from "../../src/interfaces/IStrategy.sol";
import {ISignatureUtils} from "../../src/interfaces/ISignatureUtils.sol";
import {IDelegationManagerTypes} from "../../src/interfaces/IDelegationManager.sol";
import {BN254} from "../../src/libraries/BN254.sol";
import {Merkle} from "../../src/libraries/Merkle.sol";
import {IBLSApkRegistry} from "../../src/middleware/interfaces/IBLSApkRegistry.sol";
import {IBLSSignatureChecker} from "../../src/middleware/interfaces/IBLSSignatureChecker.sol";
import {OperatorStateRetriever} from "../../src/middleware/OperatorStateRetriever.sol";
import {DATypes} from "../../src/da/DATypes.sol";
import {CertVerifier} from "../../src/da/CertVerifier.sol";
import {CertVerificationLib} from "../../src/da/CertVerificationLib.sol";

/// @notice The deployed system end to end: deposits -> operator registration -> signed certificate ->
///         checkDACert / confirmBatch, then a withdrawal lowering stake while old reference blocks still verify.
contract LaminaSystemTest is LaminaTest, DeployLamina {
    using BN254 for BN254.G1Point;

    LaminaDeployment internal d;
    address[3] internal ops;
    uint256[3] internal ecdsaKeys;
    uint256[3] internal blsKeys;
    uint256 internal constant E = 1e18;
    uint256 internal lastRegistrationGas;

    function setUp() public {
        d = _deployLamina(address(this));
        for (uint256 i = 0; i < 3; ++i) {
            (ops[i], ecdsaKeys[i]) = makeAddrAndKey(string.concat("operator-", _digit(i)));
            blsKeys[i] = uint256(keccak256(abi.encode("integration-bls", i))) % BN254.FR_MODULUS;
            vm.prank(ops[i]);
            d.core.delegationManager.registerAsOperator(address(0), 0, "");
            // unequal stakes: operator i deposits (i + 1) * 10 tokens in each strategy
            for (uint256 s = 0; s < 4; ++s) {
                _deposit(ops[i], s, (i + 1) * 10 * E);
            }
            _registerWithAvs(i);
        }
        vm.roll(block.number + 1);
    }

    function _deposit(address staker, uint256 s, uint256 amount) internal {
        d.tokens[s].mint(staker, amount);
        vm.startPrank(staker);
        d.tokens[s].approve(address(d.core.strategyManager), amount);
        d.core.strategyManager.depositIntoStrategy(d.strategies[s], IERC20(address(d.tokens[s])), amount);
        vm.stopPrank();
    }

    function _registerWithAvs(uint256 i) internal {
        uint256 expiry = block.timestamp + 1 days;
        bytes32 salt = keccak256(abi.encode("avs-salt", i));
        bytes32 digest = d.core.avsDirectory
            .calculateOperatorAVSRegistrationDigestHash(ops[i], address(d.serviceManager), salt, expiry);
        ISignatureUtils.SignatureWithSaltAndExpiry memory operatorSig = ISignatureUtils.SignatureWithSaltAndExpiry({
            signature: signDigest(ecdsaKeys[i], digest), salt: salt, expiry: expiry
        });
        BN254.G1Point memory h = d.registryCoordinator.pubkeyRegistrationMessageHash(ops[i]);
        IBLSApkRegistry.PubkeyRegistrationParams memory params = IBLSApkRegistry.PubkeyRegistrationParams({
            pubkeyRegistrationSignature: h.scalar_mul(blsKeys[i]),
            pubkeyG1: BN254.generatorG1().scalar_mul(blsKeys[i]),
            pubkeyG2: G2Ops.mulGenerator(blsKeys[i])
        });
        vm.prank(ops[i]);
        uint256 before = gasleft();
        d.registryCoordinator.registerOperator(hex"0001", "127.0.0.1:32005", params, operatorSig);
        lastRegistrationGas = before - gasleft();
    }

    /// @notice Aggregate signature of every operator except `nonSigner` (3 = nobody) over both quorums.
    function _sign(bytes32 msgHash, uint32 ref, uint256 nonSigner)
        internal
        view
        returns (IBLSSignatureChecker.NonSignerStakesAndSignature memory p)
    {
        bytes memory quorums = hex"0001";
        uint256 secret;
        BN254.G1Point memory apk;
        for (uint256 i = 0; i < 3; ++i) {
            apk = apk.plus(BN254.generatorG1().scalar_mul(blsKeys[i]));
            // every operator is in both quorums: a signer counts twice
            if (i != nonSigner) secret = addmod(secret, mulmod(2, blsKeys[i], BN254.FR_MODULUS), BN254.FR_MODULUS);
        }
        p.quorumApks = new BN254.G1Point[](2);
        (p.quorumApks[0], p.quorumApks[1]) = (apk, apk);
        bytes32[] memory ids = new bytes32[](nonSigner < 3 ? 1 : 0);
        p.nonSignerPubkeys = new BN254.G1Point[](ids.length);
        if (nonSigner < 3) {
            p.nonSignerPubkeys[0] = BN254.generatorG1().scalar_mul(blsKeys[nonSigner]);
            ids[0] = BN254.hashG1Point(p.nonSignerPubkeys[0]);
        }
        OperatorStateRetriever.CheckSignaturesIndices memory idx =
            d.operatorStateRetriever.getCheckSignaturesIndices(d.registryCoordinator, ref, quorums, ids);
        p.nonSignerQuorumBitmapIndices = idx.nonSignerQuorumBitmapIndices;
        p.quorumApkIndices = idx.quorumApkIndices;
        p.totalStakeIndices = idx.totalStakeIndices;
        p.nonSignerStakeIndices = idx.nonSignerStakeIndices;
        p.sigma = BN254.hashToG1(msgHash).scalar_mul(secret);
        p.apkG2 = G2Ops.mulGenerator(secret);
    }

    function _cert(uint32 ref, uint256 nonSigner) internal view returns (DATypes.DACertV3 memory cert) {
        DATypes.BlobCertificate memory c;
        c.blobHeader.version = 1;
        c.blobHeader.quorumNumbers = hex"0001";
        c.blobHeader.commitment.commitment = BN254.generatorG1();
        c.blobHeader.commitment.lengthCommitment = BN254.generatorG2();
        c.blobHeader.commitment.lengthProof = BN254.generatorG2();
        c.blobHeader.commitment.length = 32;
        c.relayKeys = new uint32[](1);
        bytes32[] memory leaves = new bytes32[](2);
        leaves[0] = Merkle.blobLeaf(CertVerificationLib.hashBlobCertificate(c));
        leaves[1] = keccak256("another blob");
        cert.batchHeader = DATypes.BatchHeaderV2({batchRoot: Merkle.merkleizeKeccak(leaves), referenceBlockNumber: ref});
        cert.blobInclusionInfo = DATypes.BlobInclusionInfo({
            blobCertificate: c, blobIndex: 0, inclusionProof: Merkle.getProofKeccak(leaves, 0)
        });
        cert.signedQuorumNumbers = hex"0001";
        cert.nonSignerStakesAndSignature =
            _sign(CertVerificationLib.hashBatchHeaderV2(cert.batchHeader), ref, nonSigner);
    }

    /// @notice registerOperator gas with the real AVSDirectory (ECDSA consent check), for docs/gas.md. The
    ///         third operator registers into quorums that already have members (warm-ish storage paths are
    ///         not reused: every slot it writes is new).
    function test_gas_registerOperator_realCore() public {
        vm.snapshotValue("registerOperator_2q_real_avs_directory", lastRegistrationGas);
        assertGt(lastRegistrationGas, 0);
    }

    function test_registrationThroughRealCore() public view {
        for (uint256 i = 0; i < 3; ++i) {
            assertEq(
                uint256(d.core.avsDirectory.avsOperatorStatus(address(d.serviceManager), ops[i])), 1, "AVS registered"
            );
        }
        // quorum 0 = strategies 0 + 1 at 1x: operator i has 2 * (i + 1) * 10 tokens of weight
        assertEq(d.stakeRegistry.getCurrentStake(d.registryCoordinator.getOperatorId(ops[1]), 0), 40 * E);
        assertEq(d.stakeRegistry.getCurrentTotalStake(0), 120 * E);
        assertEq(d.stakeRegistry.getCurrentTotalStake(1), 120 * E);
    }

    function test_certificateAndBatchConfirmation() public {
        uint32 ref = uint32(block.number - 1);
        assertEq(d.certVerifier.checkDACert(abi.encode(_cert(ref, 3))), uint8(CertVerifier.StatusCode.SUCCESS));
        // operator 0 (20 of 120 = 17%) silent: 83% signed, still confirmed
        assertEq(d.certVerifier.checkDACert(abi.encode(_cert(ref, 0))), uint8(CertVerifier.StatusCode.SUCCESS));
        // operator 2 (60 of 120 = 50%) silent: 50% < 55%
        assertEq(d.certVerifier.checkDACert(abi.encode(_cert(ref, 2))), uint8(CertVerifier.StatusCode.INVALID_CERT));

        DATypes.BatchHeader memory h = DATypes.BatchHeader({
            blobHeadersRoot: keccak256("root"),
            quorumNumbers: hex"0001",
            signedStakeForQuorums: hex"3737",
            referenceBlockNumber: ref
        });
        bytes32 reduced = keccak256(abi.encode(DATypes.ReducedBatchHeader(h.blobHeadersRoot, ref)));
        d.serviceManager.confirmBatch(h, _sign(reduced, ref, 0));
        assertEq(d.serviceManager.batchId(), 1);
    }

    function test_withdrawalLowersStake_oldReferenceStillVerifies() public {
        uint32 oldRef = uint32(block.number - 1);
        // operator 2 queues a withdrawal of all its strategy-2 shares (quorum 1 weight 60 -> 30)
        IStrategy[] memory strategies = new IStrategy[](1);
        strategies[0] = d.strategies[2];
        uint256[] memory shares = new uint256[](1);
        shares[0] = 30 * E;
        IDelegationManagerTypes.QueuedWithdrawalParams[] memory params =
            new IDelegationManagerTypes.QueuedWithdrawalParams[](1);
        params[0] = IDelegationManagerTypes.QueuedWithdrawalParams({
            strategies: strategies, depositShares: shares, withdrawer: ops[2]
        });
        vm.prank(ops[2]);
        d.core.delegationManager.queueWithdrawals(params);
        address[] memory list = new address[](1);
        list[0] = ops[2];
        d.registryCoordinator.updateOperators(list);
        assertEq(d.stakeRegistry.getCurrentTotalStake(1), 90 * E);
        vm.roll(block.number + 1);

        // the certificate over the old reference block is still valid, with the old stakes
        assertEq(d.certVerifier.checkDACert(abi.encode(_cert(oldRef, 0))), uint8(CertVerifier.StatusCode.SUCCESS));
        (IBLSSignatureChecker.QuorumStakeTotals memory t,) =
            d.serviceManager.checkSignatures(keccak256("m"), hex"0001", oldRef, _sign(keccak256("m"), oldRef, 2));
        assertEq(t.totalStakeForQuorum[1], 120 * E, "old total");
        uint32 newRef = uint32(block.number - 1);
        (t,) = d.serviceManager.checkSignatures(keccak256("m"), hex"0001", newRef, _sign(keccak256("m"), newRef, 2));
        assertEq(t.totalStakeForQuorum[1], 90 * E, "new total");
        assertEq(t.signedStakeForQuorum[1], 60 * E, "90 - operator 2's remaining 30");
    }
}
