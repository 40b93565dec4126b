// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LaminaTest} from "../utils/LaminaTest.sol";
import {BitmapUtils} from "../../src/libraries/BitmapUtils.sol";

contract BitmapUtilsHarness {
    function ordered(bytes memory b) external pure returns (uint256) {
        return BitmapUtils.orderedBytesArrayToBitmap(b);
    }

    function orderedBounded(bytes memory b, uint8 bound) external pure returns (uint256) {
        return BitmapUtils.orderedBytesArrayToBitmap(b, bound);
    }
}

contract BitmapUtilsTest is LaminaTest {
    BitmapUtilsHarness internal harness = new BitmapUtilsHarness();

    /// @notice Naive popcount twin of countNumOnes.
    function _naiveCount(uint256 x) internal pure returns (uint256 n) {
        for (uint256 i = 0; i < 256; ++i) {
            if ((x >> i) & 1 == 1) ++n;
        }
    }

    function testFuzz_roundTrip(uint256 bitmap) public pure {
        bytes memory arr = BitmapUtils.bitmapToBytesArray(bitmap);
        assertEq(arr.length, _naiveCount(bitmap), "one byte per set bit");
        assertTrue(BitmapUtils.isArrayStrictlyAscendingOrdered(arr), "ascending");
        assertEq(BitmapUtils.orderedBytesArrayToBitmap(arr), bitmap, "round trip");
        assertEq(BitmapUtils.bytesArrayToBitmap(arr), bitmap, "unordered agrees");
    }

    function testFuzz_countNumOnes(uint256 x) public pure {
        assertEq(BitmapUtils.countNumOnes(x), _naiveCount(x));
    }

    function testFuzz_setOps(uint256 a, uint256 b, uint8 bit) public pure {
        assertTrue(BitmapUtils.isSubsetOf(a & b, a), "a&b subset of a");
        assertEq(BitmapUtils.isSubsetOf(a, b), (a | b) == b, "subset iff union is b");
        assertEq(BitmapUtils.noBitsInCommon(a, b), a & b == 0);
        assertEq(BitmapUtils.minus(a, b) & b, 0, "minus removes b");
        assertEq(BitmapUtils.plus(BitmapUtils.minus(a, b), a & b), a, "minus + intersection = a");
        assertTrue(BitmapUtils.isSet(BitmapUtils.setBit(a, bit), bit), "setBit sets");
        assertEq(BitmapUtils.numberIsInBitmap(a, bit), (a >> bit) & 1 == 1);
    }

    function test_RevertIf_notAscending() public {
        vm.expectRevert(BitmapUtils.BytesArrayNotOrdered.selector);
        harness.ordered(hex"0100");
        vm.expectRevert(BitmapUtils.BytesArrayNotOrdered.selector);
        harness.ordered(hex"0101");
    }

    function test_RevertIf_aboveBound() public {
        vm.expectRevert(abi.encodeWithSelector(BitmapUtils.BitmapValueTooLarge.selector, uint256(0x5), uint8(2)));
        harness.orderedBounded(hex"0002", 2);
        assertEq(harness.orderedBounded(hex"0001", 2), 3);
    }
}
