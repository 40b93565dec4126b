// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LaminaTest} from "../utils/LaminaTest.sol";

/// @notice Self-tests of the test base: assertions fail when they should, `bound` stays in range.
contract LaminaTestTest is LaminaTest {
    /// @dev External wrapper so a failing assertion can be observed with `expectRevert`.
    function externalAssertEq(uint256 a, uint256 b) external pure {
        assertEq(a, b);
    }

    function test_AssertEqPasses() public pure {
        assertEq(uint256(7), uint256(7));
        assertEq(address(1), address(1));
        assertEq(bytes32(uint256(3)), bytes32(uint256(3)));
        assertTrue(true);
        assertGt(uint256(2), uint256(1));
        assertLe(uint256(1), uint256(1));
    }

    function test_RevertIf_AssertEqFails() public {
        vm.expectRevert(bytes("assertEq(uint256) failed: 1 != 2"));
        this.externalAssertEq(1, 2);
    }

    function testFuzz_BoundStaysInRange(uint256 x, uint256 min, uint256 max) public pure {
        if (min > max) (min, max) = (max, min);
        uint256 r = bound(x, min, max);
        assertGe(r, min);
        assertLe(r, max);
    }

    function testFuzz_BoundKeepsInRangeValues(uint256 x) public pure {
        x = x % 1000;
        assertEq(bound(x, 0, 999), x);
    }

    function test_SignDigestRecovers() public {
        (address alice, uint256 key) = makeAddrAndKey("alice");
        bytes32 digest = keccak256("lamina");
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        assertEq(ecrecover(digest, v, r, s), alice);
        assertEq(signDigest(key, digest).length, 65);
    }
}
