// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BN254} from "../libraries/BN254.sol";
import {IBLSApkRegistry} from "./interfaces/IBLSApkRegistry.sol";

/// @title Operators' BLS keys and each quorum's aggregate public key (apk) history.
/// @notice Keys are registered once per operator with a proof of possession (binding the G1 key, the G2 key and
///         the operator address), which is what makes summing keys into an apk safe against rogue-key attacks.
contract BLSApkRegistry is IBLSApkRegistry {
    using BN254 for BN254.G1Point;

    /// @notice keccak256 of the G1 point at infinity (0, 0): never a valid key.
    bytes32 internal constant ZERO_PK_HASH = hex"ad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5";

    /// @inheritdoc IBLSApkRegistry
    address public immutable registryCoordinator;

    /// @notice Operator address => id (hash of its G1 key).
    mapping(address operator => bytes32 pubkeyHash) public operatorToPubkeyHash;
    /// @notice Id => operator address.
    mapping(bytes32 pubkeyHash => address operator) public pubkeyHashToOperator;
    /// @notice Operator address => G1 key.
    mapping(address operator => BN254.G1Point pubkeyG1) public operatorToPubkey;
    mapping(address operator => BN254.G2Point pubkeyG2) internal _operatorToPubkeyG2;
    /// @notice Each quorum's aggregate key hash history.
    mapping(uint8 quorumNumber => ApkUpdate[] history) public apkHistory;
    /// @notice Each quorum's current aggregate key.
    mapping(uint8 quorumNumber => BN254.G1Point apk) public currentApk;

    modifier onlyRegistryCoordinator() {
        if (msg.sender != registryCoordinator) revert OnlyRegistryCoordinator(msg.sender);
        _;
    }

    /// @param coordinator the RegistryCoordinator, the only caller of the mutating functions
    constructor(address coordinator) {
        registryCoordinator = coordinator;
    }

    /// @inheritdoc IBLSApkRegistry
    function registerOperator(address operator, bytes calldata quorumNumbers) external onlyRegistryCoordinator {
        (BN254.G1Point memory pubkey, bytes32 operatorId) = getRegisteredPubkey(operator);
        _processQuorumApkUpdate(quorumNumbers, pubkey);
        emit OperatorAddedToQuorums(operator, operatorId, quorumNumbers);
    }

    /// @inheritdoc IBLSApkRegistry
    function deregisterOperator(address operator, bytes calldata quorumNumbers) external onlyRegistryCoordinator {
        (BN254.G1Point memory pubkey, bytes32 operatorId) = getRegisteredPubkey(operator);
        _processQuorumApkUpdate(quorumNumbers, pubkey.negate());
        emit OperatorRemovedFromQuorums(operator, operatorId, quorumNumbers);
    }

    /// @inheritdoc IBLSApkRegistry
    function initializeQuorum(uint8 quorumNumber) external onlyRegistryCoordinator {
        if (apkHistory[quorumNumber].length != 0) revert QuorumAlreadyExists(quorumNumber);
        apkHistory[quorumNumber].push(
            ApkUpdate({apkHash: bytes24(0), updateBlockNumber: uint32(block.number), nextUpdateBlockNumber: 0})
        );
    }

    /// @inheritdoc IBLSApkRegistry
    /// @dev Proof of possession, as upstream: with gamma = keccak256(sigma, pkG1, pkG2, H(m)) mod r, check
    ///      e(sigma + gamma*pkG1, -G2) * e(H(m) + gamma*G1, pkG2) == 1. For a random gamma this holds only if
    ///      e(sigma, G2) = e(H(m), pkG2) (sigma signs H(m) under the G2 key) and e(pkG1, G2) = e(G1, pkG2)
    ///      (both keys share the secret), in one pairing.
    function registerBLSPublicKey(
        address operator,
        PubkeyRegistrationParams calldata params,
        BN254.G1Point calldata pubkeyRegistrationMessageHash
    ) external onlyRegistryCoordinator returns (bytes32 operatorId) {
        bytes32 pubkeyHash = BN254.hashG1Point(params.pubkeyG1);
        if (pubkeyHash == ZERO_PK_HASH) revert ZeroPubKey();
        if (operatorToPubkeyHash[operator] != bytes32(0)) revert OperatorAlreadyRegistered(operator);
        if (pubkeyHashToOperator[pubkeyHash] != address(0)) revert BLSPubkeyAlreadyRegistered(pubkeyHash);

        uint256 gamma = uint256(
            keccak256(
                abi.encodePacked(
                    params.pubkeyRegistrationSignature.X,
                    params.pubkeyRegistrationSignature.Y,
                    params.pubkeyG1.X,
                    params.pubkeyG1.Y,
                    params.pubkeyG2.X,
                    params.pubkeyG2.Y,
                    pubkeyRegistrationMessageHash.X,
                    pubkeyRegistrationMessageHash.Y
                )
            )
        ) % BN254.FR_MODULUS;

        bool valid = BN254.pairing(
            BN254.plus(params.pubkeyRegistrationSignature, BN254.scalar_mul(params.pubkeyG1, gamma)),
            BN254.negGeneratorG2(),
            BN254.plus(pubkeyRegistrationMessageHash, BN254.scalar_mul(BN254.generatorG1(), gamma)),
            params.pubkeyG2
        );
        if (!valid) revert InvalidBLSSignatureOrPrivateKey();

        operatorToPubkey[operator] = params.pubkeyG1;
        _operatorToPubkeyG2[operator] = params.pubkeyG2;
        operatorToPubkeyHash[operator] = pubkeyHash;
        pubkeyHashToOperator[pubkeyHash] = operator;

        emit NewPubkeyRegistration(operator, params.pubkeyG1, params.pubkeyG2);
        return pubkeyHash;
    }

    /// @notice Adds `point` to each quorum's apk and records the new hash, once per block.
    function _processQuorumApkUpdate(bytes calldata quorumNumbers, BN254.G1Point memory point) internal {
        for (uint256 i = 0; i < quorumNumbers.length; ++i) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            ApkUpdate[] storage history = apkHistory[quorumNumber];
            uint256 length = history.length;
            if (length == 0) revert QuorumDoesNotExist(quorumNumber);

            BN254.G1Point memory newApk = currentApk[quorumNumber].plus(point);
            currentApk[quorumNumber] = newApk;
            bytes24 newApkHash = bytes24(BN254.hashG1Point(newApk));

            // Several updates in one block collapse into one entry: readers only see block boundaries.
            ApkUpdate storage last = history[length - 1];
            if (last.updateBlockNumber == uint32(block.number)) {
                last.apkHash = newApkHash;
            } else {
                last.nextUpdateBlockNumber = uint32(block.number);
                history.push(
                    ApkUpdate({apkHash: newApkHash, updateBlockNumber: uint32(block.number), nextUpdateBlockNumber: 0})
                );
            }
        }
    }

    /// @inheritdoc IBLSApkRegistry
    function getRegisteredPubkey(address operator) public view returns (BN254.G1Point memory, bytes32) {
        bytes32 pubkeyHash = operatorToPubkeyHash[operator];
        if (pubkeyHash == bytes32(0)) revert OperatorNotRegistered(operator);
        return (operatorToPubkey[operator], pubkeyHash);
    }

    /// @inheritdoc IBLSApkRegistry
    function getApkIndicesAtBlockNumber(bytes calldata quorumNumbers, uint256 blockNumber)
        external
        view
        returns (uint32[] memory indices)
    {
        indices = new uint32[](quorumNumbers.length);
        for (uint256 i = 0; i < quorumNumbers.length; ++i) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            ApkUpdate[] storage history = apkHistory[quorumNumber];
            uint256 length = history.length;
            if (length == 0 || blockNumber < history[0].updateBlockNumber) {
                // forge-lint: disable-next-line(unsafe-typecast) -- only reported in the error; block numbers fit in 32 bits
                revert BlockNumberBeforeFirstUpdate(quorumNumber, uint32(blockNumber));
            }
            // Newest first: reference blocks are usually recent.
            for (uint256 j = length; j > 0; --j) {
                if (history[j - 1].updateBlockNumber <= blockNumber) {
                    // forge-lint: disable-next-line(unsafe-typecast) -- histories grow by at most one entry per block, far below 2^32 entries
                    indices[i] = uint32(j - 1);
                    break;
                }
            }
        }
    }

    /// @inheritdoc IBLSApkRegistry
    function getApk(uint8 quorumNumber) external view returns (BN254.G1Point memory) {
        return currentApk[quorumNumber];
    }

    /// @inheritdoc IBLSApkRegistry
    function getApkUpdateAtIndex(uint8 quorumNumber, uint256 index) external view returns (ApkUpdate memory) {
        uint256 length = apkHistory[quorumNumber].length;
        if (index >= length) revert IndexOutOfRange(index, length);
        return apkHistory[quorumNumber][index];
    }

    /// @inheritdoc IBLSApkRegistry
    function getApkHashAtBlockNumberAndIndex(uint8 quorumNumber, uint32 blockNumber, uint256 index)
        external
        view
        returns (bytes24)
    {
        uint256 length = apkHistory[quorumNumber].length;
        if (index >= length) revert IndexOutOfRange(index, length);
        ApkUpdate memory update = apkHistory[quorumNumber][index];
        if (blockNumber < update.updateBlockNumber) revert BlockNumberTooRecent(blockNumber, update.updateBlockNumber);
        if (update.nextUpdateBlockNumber != 0 && blockNumber >= update.nextUpdateBlockNumber) {
            revert BlockNumberNotLatest(blockNumber, update.nextUpdateBlockNumber);
        }
        return update.apkHash;
    }

    /// @inheritdoc IBLSApkRegistry
    function getApkHistoryLength(uint8 quorumNumber) external view returns (uint32) {
        return uint32(apkHistory[quorumNumber].length);
    }

    /// @inheritdoc IBLSApkRegistry
    function getOperatorFromPubkeyHash(bytes32 pubkeyHash) external view returns (address) {
        return pubkeyHashToOperator[pubkeyHash];
    }

    /// @inheritdoc IBLSApkRegistry
    function getOperatorId(address operator) external view returns (bytes32) {
        return operatorToPubkeyHash[operator];
    }

    /// @inheritdoc IBLSApkRegistry
    function getOperatorPubkeyG2(address operator) external view returns (BN254.G2Point memory) {
        return _operatorToPubkeyG2[operator];
    }
}
