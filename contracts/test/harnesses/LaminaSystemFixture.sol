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

/// @title The whole system from `DeployLamina` with three operators that deposited, registered in the
///        DelegationManager, consented to the AVS with ECDSA and registered with real BLS keys in quorums 0 and 1.
/// @dev Operator i deposits (i + 1) * 10 tokens in each of the four strategies.
abstract contract LaminaSystemFixture is LaminaTest, DeployLamina {
    using BN254 for BN254.G1Point;

    LaminaDeployment internal d;
    address[3] internal ops;
    uint256[3] internal ecdsaKeys;
    uint256[3] internal blsKeys;
    uint256 internal constant E = 1e18;
    uint256 internal lastRegistrationGas;

    function setUp() public virtual {
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
}
