// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LaminaTest} from "../utils/LaminaTest.sol";
import {BLSTestVectors} from "../utils/BLSTestVectors.sol";
import {G2Ops} from "../utils/G2Ops.sol";
import {BN254} from "../../src/libraries/BN254.sol";

/// @notice Exposes the library's reverting functions so tests can expect their errors.
contract BN254Harness {
    function scalarMulTiny(uint256 x, uint256 y, uint16 s) external view returns (BN254.G1Point memory) {
        return BN254.scalar_mul_tiny(BN254.G1Point(x, y), s);
    }

    function plus(uint256 x1, uint256 y1, uint256 x2, uint256 y2) external view returns (BN254.G1Point memory) {
        return BN254.plus(BN254.G1Point(x1, y1), BN254.G1Point(x2, y2));
    }
}

contract BN254Test is LaminaTest {
    using BN254 for BN254.G1Point;

    BN254Harness internal harness = new BN254Harness();

    function test_hashToG1_knownAnswers() public view {
        // hashToG1(0) = (1, 2): x = 0 gives 3, a non-residue; x = 1 gives 4 whose (p+1)/4 power is 2.
        BN254.G1Point memory zero = BN254.hashToG1(bytes32(0));
        assertEq(zero.X, 1, "hashToG1(0).X");
        assertEq(zero.Y, 2, "hashToG1(0).Y");
        for (uint256 i = 0; i < BLSTestVectors.HASH_COUNT; ++i) {
            (bytes32 input, uint256 x, uint256 y) = BLSTestVectors.hashToG1Vector(i);
            BN254.G1Point memory p = BN254.hashToG1(input);
            assertEq(p.X, x, "hashToG1 x vs py reference");
            assertEq(p.Y, y, "hashToG1 y vs py reference");
        }
    }

    function testFuzz_hashToG1_onCurve(bytes32 h) public view {
        BN254.G1Point memory p = BN254.hashToG1(h);
        uint256 p3 = addmod(mulmod(mulmod(p.X, p.X, BN254.FP_MODULUS), p.X, BN254.FP_MODULUS), 3, BN254.FP_MODULUS);
        assertEq(mulmod(p.Y, p.Y, BN254.FP_MODULUS), p3, "y^2 = x^3 + 3");
        // try-and-increment moves at most a few steps from h mod p
        assertLe((p.X + BN254.FP_MODULUS - uint256(h) % BN254.FP_MODULUS) % BN254.FP_MODULUS, 64, "x near h");
    }

    function test_keys_matchPyEcc() public view {
        for (uint256 i = 0; i < BLSTestVectors.KEY_COUNT; ++i) {
            (uint256 sk, uint256[2] memory pk1, uint256[4] memory pk2) = BLSTestVectors.key(i);
            BN254.G1Point memory g1 = BN254.generatorG1().scalar_mul(sk);
            assertEq(g1.X, pk1[0], "pk1.x");
            assertEq(g1.Y, pk1[1], "pk1.y");
            BN254.G2Point memory g2 = G2Ops.mulGenerator(sk);
            assertEq(g2.X[0], pk2[0], "pk2.x1");
            assertEq(g2.X[1], pk2[1], "pk2.x0");
            assertEq(g2.Y[0], pk2[2], "pk2.y1");
            assertEq(g2.Y[1], pk2[3], "pk2.y0");
            // e(pk1, -G2) * e(G1, pk2) == 1
            assertTrue(BN254.pairing(g1, BN254.negGeneratorG2(), BN254.generatorG1(), g2), "keys pair");
        }
    }

    function test_pairing_rejectsMismatchedKeys() public view {
        (uint256 sk0,,) = BLSTestVectors.key(0);
        (,, uint256[4] memory pk2b) = BLSTestVectors.key(1);
        BN254.G2Point memory other = BN254.G2Point([pk2b[0], pk2b[1]], [pk2b[2], pk2b[3]]);
        assertFalse(
            BN254.pairing(BN254.generatorG1().scalar_mul(sk0), BN254.negGeneratorG2(), BN254.generatorG1(), other),
            "keys of different secrets must not pair"
        );
    }

    function testFuzz_scalarMulTiny_matchesEcMul(uint16 s, uint256 k) public view {
        s = uint16(bound(s, 0, 511));
        k = bound(k, 1, BN254.FR_MODULUS - 1);
        BN254.G1Point memory p = BN254.generatorG1().scalar_mul(k);
        BN254.G1Point memory tiny = p.scalar_mul_tiny(s);
        BN254.G1Point memory full = p.scalar_mul(s);
        assertEq(tiny.X, full.X, "x");
        assertEq(tiny.Y, full.Y, "y");
    }

    function test_RevertIf_scalarMulTinyTooLarge() public {
        vm.expectRevert(abi.encodeWithSelector(BN254.ScalarTooLarge.selector, uint256(512)));
        harness.scalarMulTiny(1, 2, 512);
    }

    function test_RevertIf_pointOffCurve() public {
        vm.expectRevert(BN254.ECAddFailed.selector);
        harness.plus(1, 3, 1, 2);
    }

    function testFuzz_negate_cancels(uint256 k) public view {
        k = bound(k, 1, BN254.FR_MODULUS - 1);
        BN254.G1Point memory p = BN254.generatorG1().scalar_mul(k);
        BN254.G1Point memory sum = p.plus(p.negate());
        assertEq(sum.X, 0, "x");
        assertEq(sum.Y, 0, "y");
    }

    function test_hashG1Point_isKeccakOfCoordinates() public pure {
        BN254.G1Point memory p = BN254.G1Point(1, 2);
        assertEq(BN254.hashG1Point(p), keccak256(abi.encodePacked(uint256(1), uint256(2))));
    }

    function testFuzz_g2Ops_addIsMulDistributive(uint256 a, uint256 b) public view {
        a = bound(a, 1, 1 << 32);
        b = bound(b, 1, 1 << 32);
        BN254.G2Point memory sum = G2Ops.add(G2Ops.mulGenerator(a), G2Ops.mulGenerator(b));
        BN254.G2Point memory direct = G2Ops.mulGenerator(a + b);
        assertEq(sum.X[0], direct.X[0]);
        assertEq(sum.X[1], direct.X[1]);
        assertEq(sum.Y[0], direct.Y[0]);
        assertEq(sum.Y[1], direct.Y[1]);
    }
}
