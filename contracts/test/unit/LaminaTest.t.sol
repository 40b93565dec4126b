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

    function test_LastCallGasMeasuresCalls() public {
        this.externalAssertEq(1, 1);
        assertGt(vm.lastCallGas().gasTotalUsed, 0);
    }

    function test_JsonCheatcodesRoundTrip() public {
        string memory json = vm.serializeUint("o", "n", 42);
        json = vm.serializeBytes32("o", "h", keccak256("x"));
        json = vm.serializeBytes("o", "b", hex"beef");
        json = vm.serializeBool("o", "t", true);
        assertEq(vm.parseJsonUint(json, ".n"), 42);
        assertEq(vm.parseJsonBytes32(json, ".h"), keccak256("x"));
        assertEq(vm.parseJsonBytes(json, ".b"), hex"beef");
        assertTrue(vm.keyExistsJson(json, ".t"));
        assertFalse(vm.keyExistsJson(json, ".missing"));
        assertEq(abi.decode(vm.parseJson(json, ".n"), (uint256)), 42);
        assertEq(vm.parseJsonUintArray('{"a":[1,2]}', ".a").length, 2);
    }

    function test_DeriveKeyMatchesAnvil() public {
        // anvil's first default account.
        uint256 key = vm.deriveKey("test test test test test test test test test test test junk", 0);
        assertEq(vm.addr(key), 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266);
        assertEq(vm.toString(int256(-3)), "-3");
        assertEq(vm.toString(true), "true");
    }
}
