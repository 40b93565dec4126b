// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title The Foundry cheatcodes Lamina's tests and scripts use.
/// @notice forge-std 1.1.2 (the npm release we pin) ships an old `Vm` without assertion, snapshot,
///         JSON or environment cheatcodes, and its `Test.sol` does not compile with solc 0.8.30. This
///         interface declares the cheatcodes of the running forge (1.7.1) we need, with the exact
///         signatures of forge-std 1.9's `Vm.sol`, so calls hit the right selectors.
/// @dev Live at `VM_ADDRESS = address(uint160(uint256(keccak256("hevm cheat code"))))`.
interface Vm {
    /// @notice Gas accounting of the last call (`lastCallGas`).
    struct Gas {
        uint64 gasLimit;
        uint64 gasTotalUsed;
        uint64 gasMemoryUsed;
        int64 gasRefunded;
        uint64 gasRemaining;
    }

    // ---------------------------------------------------------------- environment
    /// @notice Sets `block.timestamp`.
    function warp(uint256 newTimestamp) external;
    /// @notice Sets `block.number`.
    function roll(uint256 newHeight) external;
    /// @notice Sets `block.chainid`.
    function chainId(uint256 newChainId) external;
    /// @notice Sets the balance of `account` in wei.
    function deal(address account, uint256 newBalance) external;
    /// @notice Replaces the code at `target`.
    function etch(address target, bytes calldata newRuntimeBytecode) external;
    /// @notice Reads a storage slot.
    function load(address target, bytes32 slot) external view returns (bytes32 data);
    /// @notice Writes a storage slot.
    function store(address target, bytes32 slot, bytes32 value) external;
    /// @notice The current block number, also under `via_ir` where `block.number` may be cached.
    function getBlockNumber() external view returns (uint256 height);
    /// @notice The current block timestamp.
    function getBlockTimestamp() external view returns (uint256 timestamp);

    // ---------------------------------------------------------------- callers
    /// @notice Sets `msg.sender` for the next call.
    function prank(address msgSender) external;
    /// @notice Sets `msg.sender` and `tx.origin` for the next call.
    function prank(address msgSender, address txOrigin) external;
    /// @notice Sets `msg.sender` for all calls until `stopPrank`.
    function startPrank(address msgSender) external;
    /// @notice Sets `msg.sender` and `tx.origin` for all calls until `stopPrank`.
    function startPrank(address msgSender, address txOrigin) external;
    /// @notice Ends a `startPrank`.
    function stopPrank() external;

    // ---------------------------------------------------------------- keys and signatures
    /// @notice The address of private key `privateKey`.
    function addr(uint256 privateKey) external pure returns (address keyAddr);
    /// @notice Signs `digest` with `privateKey` (secp256k1).
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    /// @notice Names `account` in traces.
    function label(address account, string calldata newLabel) external;

    // ---------------------------------------------------------------- expectations
    /// @notice The next call must revert with exactly `revertData`.
    function expectRevert(bytes calldata revertData) external;
    /// @notice The next call must revert with data starting with `revertData`.
    function expectRevert(bytes4 revertData) external;
    /// @notice The next call must revert.
    function expectRevert() external;
    /// @notice The next emitted event must match the one emitted after this call, on the chosen topics and data.
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData) external;
    /// @notice As `expectEmit(bool,bool,bool,bool)`, also checking the emitter.
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter) external;
    /// @notice Expects the next event to match all topics and data.
    function expectEmit() external;
    /// @notice Expects the next event to match all topics and data, emitted by `emitter`.
    function expectEmit(address emitter) external;
    /// @notice Expects a call to `callee` with `data` (a prefix of the calldata).
    function expectCall(address callee, bytes calldata data) external;
    /// @notice Makes calls to `callee` with `data` return `returnData`.
    function mockCall(address callee, bytes calldata data, bytes calldata returnData) external;
    /// @notice Removes all mocks.
    function clearMockedCalls() external;

    // ---------------------------------------------------------------- fuzzing
    /// @notice Discards the current fuzz input when `condition` is false. Prefer `bound`.
    function assume(bool condition) external pure;

    // ---------------------------------------------------------------- snapshots and gas
    /// @notice Snapshots the EVM state.
    function snapshotState() external returns (uint256 snapshotId);
    /// @notice Restores a snapshot taken with `snapshotState`.
    function revertToState(uint256 snapshotId) external returns (bool success);
    /// @notice Starts measuring gas under `name` (written to `snapshots/<contract>.json`).
    function startSnapshotGas(string calldata name) external;
    /// @notice Stops the current gas measurement and returns the gas used.
    function stopSnapshotGas() external returns (uint256 gasUsed);
    /// @notice Records a value under `name` in `snapshots/<contract>.json`.
    function snapshotValue(string calldata name, uint256 value) external;
    /// @notice Gas used by the last call made by the test contract.
    function lastCallGas() external view returns (Gas memory gas);
    /// @notice Pauses gas metering (setup inside a test does not count).
    function pauseGasMetering() external;
    /// @notice Resumes gas metering.
    function resumeGasMetering() external;

    // ---------------------------------------------------------------- assertions (revert with a message on failure)
    /// @notice Asserts `condition`.
    function assertTrue(bool condition, string calldata error) external pure;
    /// @notice Asserts `!condition`.
    function assertFalse(bool condition, string calldata error) external pure;
    /// @notice Asserts `left == right`.
    function assertEq(bool left, bool right, string calldata error) external pure;
    /// @notice Asserts `left == right`.
    function assertEq(uint256 left, uint256 right, string calldata error) external pure;
    /// @notice Asserts `left == right`.
    function assertEq(int256 left, int256 right, string calldata error) external pure;
    /// @notice Asserts `left == right`.
    function assertEq(address left, address right, string calldata error) external pure;
    /// @notice Asserts `left == right`.
    function assertEq(bytes32 left, bytes32 right, string calldata error) external pure;
    /// @notice Asserts `left == right`.
    function assertEq(string calldata left, string calldata right, string calldata error) external pure;
    /// @notice Asserts `left == right`.
    function assertEq(bytes calldata left, bytes calldata right, string calldata error) external pure;
    /// @notice Asserts `left == right` element-wise.
    function assertEq(uint256[] calldata left, uint256[] calldata right, string calldata error) external pure;
    /// @notice Asserts `left == right` element-wise.
    function assertEq(address[] calldata left, address[] calldata right, string calldata error) external pure;
    /// @notice Asserts `left == right` element-wise.
    function assertEq(bytes32[] calldata left, bytes32[] calldata right, string calldata error) external pure;
    /// @notice Asserts `left != right`.
    function assertNotEq(uint256 left, uint256 right, string calldata error) external pure;
    /// @notice Asserts `left != right`.
    function assertNotEq(address left, address right, string calldata error) external pure;
    /// @notice Asserts `left != right`.
    function assertNotEq(bytes32 left, bytes32 right, string calldata error) external pure;
    /// @notice Asserts `left > right`.
    function assertGt(uint256 left, uint256 right, string calldata error) external pure;
    /// @notice Asserts `left >= right`.
    function assertGe(uint256 left, uint256 right, string calldata error) external pure;
    /// @notice Asserts `left < right`.
    function assertLt(uint256 left, uint256 right, string calldata error) external pure;
    /// @notice Asserts `left <= right`.
    function assertLe(uint256 left, uint256 right, string calldata error) external pure;
    /// @notice Asserts `|left - right| <= maxDelta`.
    function assertApproxEqAbs(uint256 left, uint256 right, uint256 maxDelta, string calldata error) external pure;
    /// @notice Asserts `|left - right| <= maxPercentDelta * right / 1e18`.
    function assertApproxEqRel(uint256 left, uint256 right, uint256 maxPercentDelta, string calldata error)
        external
        pure;

    // ---------------------------------------------------------------- strings
    /// @notice Decimal representation of `value`.
    function toString(uint256 value) external pure returns (string memory stringifiedValue);
    /// @notice Checksummed hex representation of `value`.
    function toString(address value) external pure returns (string memory stringifiedValue);
    /// @notice Hex representation of `value`.
    function toString(bytes32 value) external pure returns (string memory stringifiedValue);
    /// @notice Decimal representation of `value`.
    function toString(int256 value) external pure returns (string memory stringifiedValue);
    /// @notice "true" or "false".
    function toString(bool value) external pure returns (string memory stringifiedValue);
    /// @notice Hex representation of `value`.
    function toString(bytes calldata value) external pure returns (string memory stringifiedValue);

    // ---------------------------------------------------------------- environment variables, files, JSON (scripts)
    /// @notice Reads an environment variable as a uint256 (decimal or 0x-hex); reverts if unset.
    function envUint(string calldata name) external view returns (uint256 value);
    /// @notice Reads an environment variable as a uint256, or `defaultValue` if unset.
    function envOr(string calldata name, uint256 defaultValue) external view returns (uint256 value);
    /// @notice Reads an environment variable as an address, or `defaultValue` if unset.
    function envOr(string calldata name, address defaultValue) external view returns (address value);
    /// @notice Reads an environment variable as a string, or `defaultValue` if unset.
    function envOr(string calldata name, string calldata defaultValue) external view returns (string memory value);
    /// @notice Reads an environment variable as an address; reverts if unset.
    function envAddress(string calldata name) external view returns (address value);
    /// @notice Reads an environment variable as a string; reverts if unset.
    function envString(string calldata name) external view returns (string memory value);
    /// @notice The project root.
    function projectRoot() external view returns (string memory path);
    /// @notice Reads a whole file (needs `fs_permissions`).
    function readFile(string calldata path) external view returns (string memory data);
    /// @notice Writes a whole file (needs `fs_permissions`).
    function writeFile(string calldata path, string calldata data) external;
    /// @notice Writes a serialized JSON object to `path`.
    function writeJson(string calldata json, string calldata path) external;
    /// @notice Adds `key: value` to the JSON object `objectKey`, returning the serialized object.
    function serializeAddress(string calldata objectKey, string calldata valueKey, address value)
        external
        returns (string memory json);
    /// @notice Adds `key: value` to the JSON object `objectKey`, returning the serialized object.
    function serializeUint(string calldata objectKey, string calldata valueKey, uint256 value)
        external
        returns (string memory json);
    /// @notice Adds `key: value` to the JSON object `objectKey`, returning the serialized object.
    function serializeString(string calldata objectKey, string calldata valueKey, string calldata value)
        external
        returns (string memory json);
    /// @notice Adds `key: value` (a nested serialized object) to `objectKey`.
    function serializeJson(string calldata objectKey, string calldata value) external returns (string memory json);
    /// @notice Adds `key: value` to the JSON object `objectKey`, returning the serialized object.
    function serializeBytes32(string calldata objectKey, string calldata valueKey, bytes32 value)
        external
        returns (string memory json);
    /// @notice Adds `key: value` (0x-hex) to the JSON object `objectKey`, returning the serialized object.
    function serializeBytes(string calldata objectKey, string calldata valueKey, bytes calldata value)
        external
        returns (string memory json);
    /// @notice Adds `key: value` to the JSON object `objectKey`, returning the serialized object.
    function serializeBool(string calldata objectKey, string calldata valueKey, bool value)
        external
        returns (string memory json);
    /// @notice ABI-encodes the value at `key` (a JSONPath) in `json`.
    function parseJson(string calldata json, string calldata key) external pure returns (bytes memory abiEncodedData);
    /// @notice Whether `key` (a JSONPath) exists in `json`.
    function keyExistsJson(string calldata json, string calldata key) external view returns (bool);
    /// @notice Reads a bytes32 at `key` (a JSONPath) in `json`.
    function parseJsonBytes32(string calldata json, string calldata key) external pure returns (bytes32 value);
    /// @notice Reads 0x-hex bytes at `key` (a JSONPath) in `json`.
    function parseJsonBytes(string calldata json, string calldata key) external pure returns (bytes memory value);
    /// @notice Reads a uint256 array at `key` (a JSONPath) in `json`.
    function parseJsonUintArray(string calldata json, string calldata key)
        external
        pure
        returns (uint256[] memory values);
    /// @notice Reads a bytes32 array at `key` (a JSONPath) in `json`.
    function parseJsonBytes32Array(string calldata json, string calldata key)
        external
        pure
        returns (bytes32[] memory values);
    /// @notice Reads a bytes array at `key` (a JSONPath) in `json`.
    function parseJsonBytesArray(string calldata json, string calldata key)
        external
        pure
        returns (bytes[] memory values);
    /// @notice Whether a file or directory exists at `path`.
    function exists(string calldata path) external view returns (bool result);
    /// @notice Creates a directory (and its parents when `recursive`).
    function createDir(string calldata path, bool recursive) external;
    /// @notice Runs a command (needs `ffi = true`); returns its stdout, hex-decoded when it is 0x-hex.
    function ffi(string[] calldata commandInput) external returns (bytes memory result);
    /// @notice Skips the current test when `skipTest` is true.
    function skip(bool skipTest) external;
    /// @notice Reads an address at `key` (a JSONPath) in `json`.
    function parseJsonAddress(string calldata json, string calldata key) external pure returns (address value);
    /// @notice Reads a uint256 at `key` (a JSONPath) in `json`.
    function parseJsonUint(string calldata json, string calldata key) external pure returns (uint256 value);

    // ---------------------------------------------------------------- broadcasting (scripts)
    /// @notice The private key at `index` of `mnemonic` (path m/44'/60'/0'/0/index), as anvil derives its accounts.
    function deriveKey(string calldata mnemonic, uint32 index) external pure returns (uint256 privateKey);
    /// @notice Adds `privateKey` to the script's wallets and returns its address.
    function rememberKey(uint256 privateKey) external returns (address keyAddr);
    /// @notice Broadcasts the following calls as transactions signed by `privateKey`.
    function startBroadcast(uint256 privateKey) external;
    /// @notice Broadcasts the following calls as transactions from `signer`.
    function startBroadcast(address signer) external;
    /// @notice Broadcasts the following calls from the script's default sender.
    function startBroadcast() external;
    /// @notice Ends a `startBroadcast`.
    function stopBroadcast() external;
}
