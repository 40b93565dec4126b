// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MiddlewareFixture} from "../harnesses/MiddlewareFixture.sol";
import {G2Ops} from "../utils/G2Ops.sol";
import {BN254} from "../../src/libraries/BN254.sol";
import {IBLSApkRegistry, IBLSApkRegistryErrors} from "../../src/middleware/interfaces/IBLSApkRegistry.sol";

contract BLSApkRegistryTest is MiddlewareFixture {
    using BN254 for BN254.G1Point;

    function setUp() public override {
        super.setUp();
        for (uint256 i = 0; i < 3; ++i) {
            uint256 op = _newOperator(1000 + i);
            _setShares(op, 0, 1e18);
            _setShares(op, 2, 1e18);
        }
    }

    function _registerWith(uint256 op, IBLSApkRegistry.PubkeyRegistrationParams memory params) internal {
        vm.prank(operators[op].addr);
        coordinator.registerOperator(hex"00", "socket", params, _emptySignature());
    }

    function test_apkIsSumOfKeysWithHistory() public {
        _register(0, hex"0001");
        uint256 b1 = block.number;
        vm.roll(b1 + 1);
        _register(1, hex"00");
        BN254.G1Point memory apk0 = apkRegistry.getApk(0);
        BN254.G1Point memory expected = operators[0].pk1.plus(operators[1].pk1);
        assertEq(apk0.X, expected.X);
        assertEq(apk0.Y, expected.Y);
        assertEq(apkRegistry.getApk(1).X, operators[0].pk1.X);

        assertEq(apkRegistry.getApkHistoryLength(0), 3, "init + two blocks");
        uint32[] memory idx = apkRegistry.getApkIndicesAtBlockNumber(hex"0001", b1);
        assertEq(idx[0], 1);
        assertEq(idx[1], 1);
        assertEq(
            apkRegistry.getApkHashAtBlockNumberAndIndex(0, uint32(b1), 1), bytes24(BN254.hashG1Point(operators[0].pk1))
        );
        vm.expectRevert(
            abi.encodeWithSelector(IBLSApkRegistryErrors.BlockNumberNotLatest.selector, uint32(b1 + 1), uint32(b1 + 1))
        );
        apkRegistry.getApkHashAtBlockNumberAndIndex(0, uint32(b1 + 1), 1);
        vm.expectRevert(
            abi.encodeWithSelector(IBLSApkRegistryErrors.BlockNumberTooRecent.selector, uint32(b1), uint32(b1 + 1))
        );
        apkRegistry.getApkHashAtBlockNumberAndIndex(0, uint32(b1), 2);

        // deregistration subtracts the key again
        vm.prank(operators[1].addr);
        coordinator.deregisterOperator(hex"00");
        assertEq(apkRegistry.getApk(0).X, operators[0].pk1.X);
    }

    function test_registersKeysAndId() public {
        _register(0, hex"00");
        (BN254.G1Point memory pk, bytes32 id) = apkRegistry.getRegisteredPubkey(operators[0].addr);
        assertEq(pk.X, operators[0].pk1.X);
        assertEq(id, operators[0].id);
        assertEq(apkRegistry.getOperatorFromPubkeyHash(id), operators[0].addr);
        assertEq(apkRegistry.getOperatorPubkeyG2(operators[0].addr).X[0], operators[0].pk2.X[0]);
    }

    function test_RevertIf_zeroKey() public {
        IBLSApkRegistry.PubkeyRegistrationParams memory params = _pubkeyParams(0);
        params.pubkeyG1 = BN254.G1Point(0, 0);
        vm.prank(operators[0].addr);
        vm.expectRevert(IBLSApkRegistryErrors.ZeroPubKey.selector);
        coordinator.registerOperator(hex"00", "socket", params, _emptySignature());
    }

    function test_RevertIf_duplicateKey() public {
        _register(0, hex"00");
        uint256 copy = _newOperatorWithG2(operators[0].sk, operators[0].pk2);
        operators[copy].addr = address(0xC0B1); // same key, another operator
        _setShares(copy, 0, 1e18);
        IBLSApkRegistry.PubkeyRegistrationParams memory params = _pubkeyParams(copy);
        vm.prank(operators[copy].addr);
        vm.expectRevert(
            abi.encodeWithSelector(IBLSApkRegistryErrors.BLSPubkeyAlreadyRegistered.selector, operators[0].id)
        );
        coordinator.registerOperator(hex"00", "socket", params, _emptySignature());
    }

    function test_RevertIf_rogueKey() public {
        // The attacker picks a and registers pk = a*G1 - pk_victim (and the matching G2 key), so that the
        // quorum apk would become a*G1, a key it controls. It cannot prove possession of pk's secret.
        _register(0, hex"00");
        uint256 a = 0xA77AC4;
        uint256 attacker = _newOperatorWithG2(a, G2Ops.add(G2Ops.mulGenerator(a), G2Ops.neg(operators[0].pk2)));
        BN254.G1Point memory roguePk = BN254.generatorG1().scalar_mul(a).plus(operators[0].pk1.negate());
        operators[attacker].pk1 = roguePk;
        _setShares(attacker, 0, 1e18);
        BN254.G1Point memory h = coordinator.pubkeyRegistrationMessageHash(operators[attacker].addr);
        IBLSApkRegistry.PubkeyRegistrationParams memory params = IBLSApkRegistry.PubkeyRegistrationParams({
            pubkeyRegistrationSignature: h.scalar_mul(a), // the best the attacker can sign
            pubkeyG1: roguePk,
            pubkeyG2: operators[attacker].pk2
        });
        vm.prank(operators[attacker].addr);
        vm.expectRevert(IBLSApkRegistryErrors.InvalidBLSSignatureOrPrivateKey.selector);
        coordinator.registerOperator(hex"00", "socket", params, _emptySignature());
    }

    function test_RevertIf_g2KeyOfAnotherSecret() public {
        IBLSApkRegistry.PubkeyRegistrationParams memory params = _pubkeyParams(0);
        params.pubkeyG2 = operators[1].pk2;
        vm.prank(operators[0].addr);
        vm.expectRevert(IBLSApkRegistryErrors.InvalidBLSSignatureOrPrivateKey.selector);
        coordinator.registerOperator(hex"00", "socket", params, _emptySignature());
    }

    function test_RevertIf_popForAnotherOperator() public {
        // operator 1's proof of possession replayed by operator 0 signs the wrong message hash
        IBLSApkRegistry.PubkeyRegistrationParams memory params = _pubkeyParams(0);
        BN254.G1Point memory otherHash = coordinator.pubkeyRegistrationMessageHash(operators[1].addr);
        params.pubkeyRegistrationSignature = otherHash.scalar_mul(operators[0].sk);
        vm.prank(operators[0].addr);
        vm.expectRevert(IBLSApkRegistryErrors.InvalidBLSSignatureOrPrivateKey.selector);
        coordinator.registerOperator(hex"00", "socket", params, _emptySignature());
    }

    function test_RevertIf_notCoordinator() public {
        vm.expectRevert(abi.encodeWithSelector(IBLSApkRegistryErrors.OnlyRegistryCoordinator.selector, address(this)));
        apkRegistry.registerOperator(operators[0].addr, hex"00");
        vm.expectRevert(abi.encodeWithSelector(IBLSApkRegistryErrors.OnlyRegistryCoordinator.selector, address(this)));
        apkRegistry.initializeQuorum(5);
    }
}
