// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LaminaTest} from "../utils/LaminaTest.sol";
import {G2Ops} from "../utils/G2Ops.sol";
import {DelegationManagerMock} from "./DelegationManagerMock.sol";
import {AVSDirectoryMock} from "./AVSDirectoryMock.sol";

import {IStrategy} from "../../src/interfaces/IStrategy.sol";
import {IDelegationManager} from "../../src/interfaces/IDelegationManager.sol";
import {IAVSDirectory} from "../../src/interfaces/IAVSDirectory.sol";
import {IAllocationManager} from "../../src/interfaces/IAllocationManager.sol";
import {ISignatureUtils} from "../../src/interfaces/ISignatureUtils.sol";
import {BN254} from "../../src/libraries/BN254.sol";
import {RegistryCoordinator} from "../../src/middleware/RegistryCoordinator.sol";
import {BLSApkRegistry} from "../../src/middleware/BLSApkRegistry.sol";
import {StakeRegistry} from "../../src/middleware/StakeRegistry.sol";
import {IndexRegistry} from "../../src/middleware/IndexRegistry.sol";
import {OperatorStateRetriever} from "../../src/middleware/OperatorStateRetriever.sol";
import {IRegistryCoordinator} from "../../src/middleware/interfaces/IRegistryCoordinator.sol";
import {IBLSApkRegistry} from "../../src/middleware/interfaces/IBLSApkRegistry.sol";
import {IStakeRegistry} from "../../src/middleware/interfaces/IStakeRegistry.sol";
import {IIndexRegistry} from "../../src/middleware/interfaces/IIndexRegistry.sol";
import {IBLSSignatureChecker} from "../../src/middleware/interfaces/IBLSSignatureChecker.sol";
import {LaminaServiceManager} from "../../src/da/LaminaServiceManager.sol";
import {ThresholdRegistry} from "../../src/da/ThresholdRegistry.sol";
import {CertVerifier} from "../../src/da/CertVerifier.sol";
import {DATypes} from "../../src/da/DATypes.sol";

/// @title Shared fixture: the whole middleware + DA stack over test doubles of the restaking core, with
///        quorums 0 and 1 (two strategies each), BLS operators with real keys, and a signing helper.
/// @dev Strategy multipliers: quorum 0 counts s0 at 1x and s1 at 2x; quorum 1 counts s2 at 1x and s3 at 0.5x.
abstract contract MiddlewareFixture is LaminaTest {
    using BN254 for BN254.G1Point;

    /// @notice A test operator and its BLS keys.
    struct Operator {
        address addr;
        uint256 sk;
        BN254.G1Point pk1;
        BN254.G2Point pk2;
        bytes32 id;
    }

    address internal owner = address(0xA11CE);
    address internal churnApprover;
    uint256 internal churnApproverKey;
    address internal ejector = address(0xE7EC7);
    address internal confirmer = address(0xC0FF1);
    uint256 internal constant EJECTION_COOLDOWN = 1 days;
    /// @notice confirmBatch's reference-block window in unit tests (EigenDA mainnet's value).
    uint32 internal constant BLOCK_STALE_MEASURE = 300;
    uint32 internal constant MAX_OPERATORS = 200;

    DelegationManagerMock internal delegation;
    AVSDirectoryMock internal avsDirectory;
    RegistryCoordinator internal coordinator;
    BLSApkRegistry internal apkRegistry;
    StakeRegistry internal stakeRegistry;
    IndexRegistry internal indexRegistry;
    OperatorStateRetriever internal retriever;
    LaminaServiceManager internal serviceManager;
    ThresholdRegistry internal thresholdRegistry;
    CertVerifier internal certVerifier;
    IStrategy[4] internal strategies;

    Operator[] internal operators;
    mapping(bytes32 operatorId => uint256 indexPlusOne) internal operatorIndexById;

    function setUp() public virtual {
        (churnApprover, churnApproverKey) = makeAddrAndKey("churnApprover");
        delegation = new DelegationManagerMock();
        avsDirectory = new AVSDirectoryMock();
        for (uint256 i = 0; i < 4; ++i) {
            strategies[i] = IStrategy(address(uint160(0x5000 + i)));
        }
        _deployStack(IDelegationManager(address(delegation)), IAVSDirectory(address(avsDirectory)));
        vm.roll(block.number + 1);
    }

    function _deployStack(IDelegationManager delegationManager, IAVSDirectory directory) internal {
        coordinator = new RegistryCoordinator(owner, churnApprover, ejector, EJECTION_COOLDOWN);
        apkRegistry = new BLSApkRegistry(address(coordinator));
        stakeRegistry = new StakeRegistry(address(coordinator), delegationManager);
        indexRegistry = new IndexRegistry(address(coordinator));
        retriever = new OperatorStateRetriever();
        thresholdRegistry = new ThresholdRegistry(
            owner, DATypes.SecurityThresholds({confirmationThreshold: 55, adversaryThreshold: 33}), hex"00"
        );
        vm.startPrank(owner);
        coordinator.initialize(stakeRegistry, apkRegistry, indexRegistry);
        // No AllocationManager: slashing wiring is tested on the deployed system (test/integration).
        serviceManager = new LaminaServiceManager(
            directory, coordinator, thresholdRegistry, IAllocationManager(address(0)), BLOCK_STALE_MEASURE, owner
        );
        coordinator.setServiceManager(serviceManager);
        serviceManager.setBatchConfirmer(confirmer, true);
        thresholdRegistry.addVersionedBlobParams(
            DATypes.VersionedBlobParams({maxNumOperators: 3537, numChunks: 8192, codingRate: 8})
        );
        thresholdRegistry.addVersionedBlobParams(
            DATypes.VersionedBlobParams({maxNumOperators: 8, numChunks: 64, codingRate: 8})
        );
        coordinator.createQuorum(_setParams(), 1, _strategyParams(0));
        coordinator.createQuorum(_setParams(), 1, _strategyParams(1));
        vm.stopPrank();
        certVerifier = new CertVerifier(thresholdRegistry, serviceManager);
    }

    function _setParams() internal pure returns (IRegistryCoordinator.OperatorSetParam memory) {
        return IRegistryCoordinator.OperatorSetParam({
            maxOperatorCount: MAX_OPERATORS, kickBIPsOfOperatorStake: 11000, kickBIPsOfTotalStake: 1001
        });
    }

    function _strategyParams(uint256 quorum) internal view returns (IStakeRegistry.StrategyParams[] memory params) {
        params = new IStakeRegistry.StrategyParams[](2);
        if (quorum == 0) {
            params[0] = IStakeRegistry.StrategyParams(strategies[0], 1e18);
            params[1] = IStakeRegistry.StrategyParams(strategies[1], 2e18);
        } else {
            params[0] = IStakeRegistry.StrategyParams(strategies[2], 1e18);
            params[1] = IStakeRegistry.StrategyParams(strategies[3], 5e17);
        }
    }

    // ------------------------------------------------------------------ operators

    /// @notice A new operator with secret `sk` (G2 key computed with G2Ops).
    function _newOperator(uint256 sk) internal returns (uint256) {
        return _newOperatorWithG2(sk, G2Ops.mulGenerator(sk));
    }

    /// @notice A new operator with secret `sk` whose G2 key `pk2 = sk*G2` the caller computed.
    function _newOperatorWithG2(uint256 sk, BN254.G2Point memory pk2) internal returns (uint256 index) {
        BN254.G1Point memory pk1 = BN254.generatorG1().scalar_mul(sk);
        address addr = address(uint160(uint256(keccak256(abi.encode("lamina-operator", sk)))));
        index = operators.length;
        operators.push(Operator({addr: addr, sk: sk, pk1: pk1, pk2: pk2, id: BN254.hashG1Point(pk1)}));
        operatorIndexById[operators[index].id] = index + 1;
    }

    /// @notice Sets the operator's shares in strategy `s` (0..3).
    function _setShares(uint256 op, uint256 s, uint256 amount) internal {
        delegation.setOperatorShares(operators[op].addr, strategies[s], amount);
    }

    /// @notice The proof-of-possession registration parameters of operator `op`.
    function _pubkeyParams(uint256 op) internal view returns (IBLSApkRegistry.PubkeyRegistrationParams memory) {
        Operator storage o = operators[op];
        BN254.G1Point memory h = coordinator.pubkeyRegistrationMessageHash(o.addr);
        return IBLSApkRegistry.PubkeyRegistrationParams({
            pubkeyRegistrationSignature: h.scalar_mul(o.sk), pubkeyG1: o.pk1, pubkeyG2: o.pk2
        });
    }

    function _emptySignature() internal pure returns (ISignatureUtils.SignatureWithSaltAndExpiry memory s) {}

    /// @notice Registers operator `op` for `quorums`.
    function _register(uint256 op, bytes memory quorums) internal {
        IBLSApkRegistry.PubkeyRegistrationParams memory params = _pubkeyParams(op);
        vm.prank(operators[op].addr);
        coordinator.registerOperator(quorums, "localhost:32005", params, _emptySignature());
    }

    // ------------------------------------------------------------------ signing

    /// @notice Signs `msgHash` with every operator of `quorumNumbers` at `rbn` except `nonSigners` (operator
    ///         indices), and builds the checker's parameters with the OperatorStateRetriever, as an aggregator would.
    function _signAndBuild(bytes32 msgHash, bytes memory quorumNumbers, uint32 rbn, uint256[] memory nonSigners)
        internal
        view
        returns (IBLSSignatureChecker.NonSignerStakesAndSignature memory params)
    {
        uint256 aggregateSecret;
        params.quorumApks = new BN254.G1Point[](quorumNumbers.length);
        OperatorStateRetriever.Operator[][] memory state = retriever.getOperatorState(coordinator, quorumNumbers, rbn);
        for (uint256 q = 0; q < quorumNumbers.length; ++q) {
            for (uint256 j = 0; j < state[q].length; ++j) {
                uint256 op = operatorIndexById[state[q][j].operatorId] - 1;
                params.quorumApks[q] = params.quorumApks[q].plus(operators[op].pk1);
                if (!_contains(nonSigners, op)) {
                    // a signer counts once per signing quorum it belongs to, like its key in the apks
                    aggregateSecret = addmod(aggregateSecret, operators[op].sk, BN254.FR_MODULUS);
                }
            }
        }
        bytes32[] memory ids = _sortedIds(nonSigners);
        params.nonSignerPubkeys = new BN254.G1Point[](ids.length);
        for (uint256 i = 0; i < ids.length; ++i) {
            params.nonSignerPubkeys[i] = operators[operatorIndexById[ids[i]] - 1].pk1;
        }
        OperatorStateRetriever.CheckSignaturesIndices memory indices =
            retriever.getCheckSignaturesIndices(coordinator, rbn, quorumNumbers, ids);
        params.nonSignerQuorumBitmapIndices = indices.nonSignerQuorumBitmapIndices;
        params.quorumApkIndices = indices.quorumApkIndices;
        params.totalStakeIndices = indices.totalStakeIndices;
        params.nonSignerStakeIndices = indices.nonSignerStakeIndices;
        params.sigma = BN254.hashToG1(msgHash).scalar_mul(aggregateSecret);
        params.apkG2 = G2Ops.mulGenerator(aggregateSecret);
    }

    function _contains(uint256[] memory list, uint256 x) internal pure returns (bool) {
        for (uint256 i = 0; i < list.length; ++i) {
            if (list[i] == x) return true;
        }
        return false;
    }

    /// @notice The operator ids of `ops`, ascending (insertion sort: lists are short).
    function _sortedIds(uint256[] memory ops) internal view returns (bytes32[] memory ids) {
        ids = new bytes32[](ops.length);
        for (uint256 i = 0; i < ops.length; ++i) {
            bytes32 id = operators[ops[i]].id;
            uint256 j = i;
            while (j > 0 && uint256(ids[j - 1]) > uint256(id)) {
                ids[j] = ids[j - 1];
                --j;
            }
            ids[j] = id;
        }
    }

    function _list(uint256 a) internal pure returns (uint256[] memory l) {
        l = new uint256[](1);
        l[0] = a;
    }

    function _list(uint256 a, uint256 b) internal pure returns (uint256[] memory l) {
        l = new uint256[](2);
        (l[0], l[1]) = (a, b);
    }

    function _none() internal pure returns (uint256[] memory) {
        return new uint256[](0);
    }
}
