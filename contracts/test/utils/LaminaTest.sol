// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Vm} from "./Vm.sol";

/// @title Lamina's test base: cheatcodes, assertions, `bound` and named accounts.
/// @notice forge-std 1.1.2's `Test.sol` does not compile with solc 0.8.30, so tests inherit this instead.
///         Assertions forward to forge's own assertion cheatcodes, which revert with a message that
///         prints both sides ("left != right") prefixed by the optional `err`.
abstract contract LaminaTest {
    /// @notice The cheatcode address: `address(uint160(uint256(keccak256("hevm cheat code"))))`.
    address internal constant VM_ADDRESS = 0x7109709ECfa91a80626fF3989D68f67F5b1DD12D;
    /// @notice Foundry's cheatcodes.
    Vm internal constant vm = Vm(VM_ADDRESS);

    /// @notice Marks this contract as a test contract for tools that look for the flag.
    bool public IS_TEST = true;

    uint256 private constant UINT256_MAX = type(uint256).max;

    // ------------------------------------------------------------------ booleans
    function assertTrue(bool condition) internal pure {
        vm.assertTrue(condition, "assertTrue failed");
    }

    function assertTrue(bool condition, string memory err) internal pure {
        vm.assertTrue(condition, err);
    }

    function assertFalse(bool condition) internal pure {
        vm.assertFalse(condition, "assertFalse failed");
    }

    function assertFalse(bool condition, string memory err) internal pure {
        vm.assertFalse(condition, err);
    }

    // ------------------------------------------------------------------ equality
    function assertEq(bool left, bool right) internal pure {
        vm.assertEq(left, right, "assertEq(bool) failed");
    }

    function assertEq(bool left, bool right, string memory err) internal pure {
        vm.assertEq(left, right, err);
    }

    function assertEq(uint256 left, uint256 right) internal pure {
        vm.assertEq(left, right, "assertEq(uint256) failed");
    }

    function assertEq(uint256 left, uint256 right, string memory err) internal pure {
        vm.assertEq(left, right, err);
    }

    function assertEq(int256 left, int256 right) internal pure {
        vm.assertEq(left, right, "assertEq(int256) failed");
    }

    function assertEq(int256 left, int256 right, string memory err) internal pure {
        vm.assertEq(left, right, err);
    }

    function assertEq(address left, address right) internal pure {
        vm.assertEq(left, right, "assertEq(address) failed");
    }

    function assertEq(address left, address right, string memory err) internal pure {
        vm.assertEq(left, right, err);
    }

    function assertEq(bytes32 left, bytes32 right) internal pure {
        vm.assertEq(left, right, "assertEq(bytes32) failed");
    }

    function assertEq(bytes32 left, bytes32 right, string memory err) internal pure {
        vm.assertEq(left, right, err);
    }

    function assertEq(string memory left, string memory right) internal pure {
        vm.assertEq(left, right, "assertEq(string) failed");
    }

    function assertEq(string memory left, string memory right, string memory err) internal pure {
        vm.assertEq(left, right, err);
    }

    function assertEq(bytes memory left, bytes memory right) internal pure {
        vm.assertEq(left, right, "assertEq(bytes) failed");
    }

    function assertEq(bytes memory left, bytes memory right, string memory err) internal pure {
        vm.assertEq(left, right, err);
    }

    function assertEq(uint256[] memory left, uint256[] memory right) internal pure {
        vm.assertEq(left, right, "assertEq(uint256[]) failed");
    }

    function assertEq(uint256[] memory left, uint256[] memory right, string memory err) internal pure {
        vm.assertEq(left, right, err);
    }

    function assertEq(address[] memory left, address[] memory right) internal pure {
        vm.assertEq(left, right, "assertEq(address[]) failed");
    }

    function assertEq(address[] memory left, address[] memory right, string memory err) internal pure {
        vm.assertEq(left, right, err);
    }

    function assertNotEq(uint256 left, uint256 right) internal pure {
        vm.assertNotEq(left, right, "assertNotEq(uint256) failed");
    }

    function assertNotEq(uint256 left, uint256 right, string memory err) internal pure {
        vm.assertNotEq(left, right, err);
    }

    function assertNotEq(address left, address right) internal pure {
        vm.assertNotEq(left, right, "assertNotEq(address) failed");
    }

    function assertNotEq(address left, address right, string memory err) internal pure {
        vm.assertNotEq(left, right, err);
    }

    function assertNotEq(bytes32 left, bytes32 right) internal pure {
        vm.assertNotEq(left, right, "assertNotEq(bytes32) failed");
    }

    function assertNotEq(bytes32 left, bytes32 right, string memory err) internal pure {
        vm.assertNotEq(left, right, err);
    }

    // ------------------------------------------------------------------ ordering
    function assertGt(uint256 left, uint256 right) internal pure {
        vm.assertGt(left, right, "assertGt failed");
    }

    function assertGt(uint256 left, uint256 right, string memory err) internal pure {
        vm.assertGt(left, right, err);
    }

    function assertGe(uint256 left, uint256 right) internal pure {
        vm.assertGe(left, right, "assertGe failed");
    }

    function assertGe(uint256 left, uint256 right, string memory err) internal pure {
        vm.assertGe(left, right, err);
    }

    function assertLt(uint256 left, uint256 right) internal pure {
        vm.assertLt(left, right, "assertLt failed");
    }

    function assertLt(uint256 left, uint256 right, string memory err) internal pure {
        vm.assertLt(left, right, err);
    }

    function assertLe(uint256 left, uint256 right) internal pure {
        vm.assertLe(left, right, "assertLe failed");
    }

    function assertLe(uint256 left, uint256 right, string memory err) internal pure {
        vm.assertLe(left, right, err);
    }

    function assertApproxEqAbs(uint256 left, uint256 right, uint256 maxDelta) internal pure {
        vm.assertApproxEqAbs(left, right, maxDelta, "assertApproxEqAbs failed");
    }

    function assertApproxEqAbs(uint256 left, uint256 right, uint256 maxDelta, string memory err) internal pure {
        vm.assertApproxEqAbs(left, right, maxDelta, err);
    }

    /// @dev `maxPercentDelta` is a WAD: 1e18 = 100%.
    function assertApproxEqRel(uint256 left, uint256 right, uint256 maxPercentDelta) internal pure {
        vm.assertApproxEqRel(left, right, maxPercentDelta, "assertApproxEqRel failed");
    }

    function assertApproxEqRel(uint256 left, uint256 right, uint256 maxPercentDelta, string memory err) internal pure {
        vm.assertApproxEqRel(left, right, maxPercentDelta, err);
    }

    /// @notice Fails the test unconditionally.
    function fail(string memory err) internal pure {
        vm.assertTrue(false, err);
    }

    // ------------------------------------------------------------------ fuzzing helpers
    /// @notice Maps `x` into `[min, max]` without discarding inputs (forge-std's `StdUtils.bound`):
    ///         values already in range stay, small values map to `min + x`, large values to `max - (MAX - x)`,
    ///         the rest wrap modulo the range size.
    function bound(uint256 x, uint256 min, uint256 max) internal pure virtual returns (uint256 result) {
        vm.assertLe(min, max, "bound: min > max");
        if (x >= min && x <= max) return x;

        uint256 size = max - min + 1;
        // Keep edge cases reachable: 0, 1, 2, 3 map to min.., MAX, MAX-1, .. map to max...
        if (x <= 3 && size > x) return min + x;
        if (x >= UINT256_MAX - 3 && size > UINT256_MAX - x) return max - (UINT256_MAX - x);

        if (x > max) {
            uint256 diff = x - max;
            uint256 rem = diff % size;
            if (rem == 0) return max;
            result = min + rem - 1;
        } else {
            uint256 diff = min - x;
            uint256 rem = diff % size;
            if (rem == 0) return min;
            result = max - rem + 1;
        }
    }

    // ------------------------------------------------------------------ accounts
    /// @notice A deterministic private key for `name` (never 0, below the secp256k1 order).
    function keyOf(string memory name) internal pure returns (uint256 privateKey) {
        // secp256k1 group order n; keys must lie in [1, n-1].
        uint256 n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
        privateKey = (uint256(keccak256(abi.encodePacked(name))) % (n - 1)) + 1;
    }

    /// @notice A deterministic, labelled address for `name`.
    function makeAddr(string memory name) internal returns (address account) {
        account = vm.addr(keyOf(name));
        vm.label(account, name);
    }

    /// @notice A deterministic, labelled address for `name` and its private key (for `vm.sign`).
    function makeAddrAndKey(string memory name) internal returns (address account, uint256 privateKey) {
        privateKey = keyOf(name);
        account = vm.addr(privateKey);
        vm.label(account, name);
    }

    /// @notice Signs `digest` with `privateKey` and packs the signature as `r ‖ s ‖ v` (65 bytes, as ECDSA.recover wants).
    function signDigest(uint256 privateKey, bytes32 digest) internal pure returns (bytes memory signature) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(privateKey, digest);
        signature = abi.encodePacked(r, s, v);
    }

    /// @notice Advances `block.number` by `blocks` (and time by 12 s per block, as on mainnet).
    function advanceBlocks(uint256 blocks) internal {
        vm.roll(block.number + blocks);
        vm.warp(block.timestamp + blocks * 12);
    }
}
