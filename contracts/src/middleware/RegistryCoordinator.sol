// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {ISignatureUtils} from "../interfaces/ISignatureUtils.sol";
import {BN254} from "../libraries/BN254.sol";
import {BitmapUtils} from "../libraries/BitmapUtils.sol";
import {IRegistryCoordinator} from "./interfaces/IRegistryCoordinator.sol";
import {IBLSApkRegistry} from "./interfaces/IBLSApkRegistry.sol";
import {IStakeRegistry} from "./interfaces/IStakeRegistry.sol";
import {IIndexRegistry} from "./interfaces/IIndexRegistry.sol";
import {IServiceManager} from "./interfaces/IServiceManager.sol";

/// @title Entry point for operators of the AVS: registers them for quorums across the three registries
///        (BLS keys, stakes, indices), keeps each operator's quorum bitmap history, and handles churn,
///        stake updates and ejection.
/// @notice Operator id = keccak256 of its G1 public key. Quorum bitmaps are uint192 (at most 192 quorums).
contract RegistryCoordinator is IRegistryCoordinator, EIP712 {
    using BitmapUtils for uint256;

    /// @notice EIP-712 type of the message an operator signs with its BLS key as proof of possession.
    bytes32 public constant PUBKEY_REGISTRATION_TYPEHASH = keccak256("BN254PubkeyRegistration(address operator)");
    /// @notice EIP-712 type of the churn approver's consent.
    bytes32 public constant OPERATOR_CHURN_APPROVAL_TYPEHASH = keccak256(
        "OperatorChurnApproval(address registeringOperator,bytes32 registeringOperatorId,OperatorKickParam[] operatorKickParams,bytes32 salt,uint256 expiry)OperatorKickParam(uint8 quorumNumber,address operator)"
    );
    /// @notice Quorum bitmaps are uint192.
    uint8 internal constant MAX_QUORUM_COUNT = 192;
    /// @notice Basis-point denominator of the churn thresholds.
    uint16 internal constant BIPS_DENOMINATOR = 10000;

    /// @inheritdoc IRegistryCoordinator
    IServiceManager public serviceManager;
    /// @inheritdoc IRegistryCoordinator
    IBLSApkRegistry public blsApkRegistry;
    /// @inheritdoc IRegistryCoordinator
    IStakeRegistry public stakeRegistry;
    /// @inheritdoc IRegistryCoordinator
    IIndexRegistry public indexRegistry;

    /// @inheritdoc IRegistryCoordinator
    address public owner;
    /// @notice Signs churn approvals (kicks) for full quorums.
    address public churnApprover;
    /// @notice May eject operators.
    address public ejector;
    /// @notice Seconds an ejected operator must wait before registering again.
    uint256 public ejectionCooldown;

    /// @inheritdoc IRegistryCoordinator
    uint8 public quorumCount;
    /// @inheritdoc IRegistryCoordinator
    mapping(uint8 quorumNumber => uint256 blockNumber) public quorumUpdateBlockNumber;
    /// @notice Churn approver salts already used.
    mapping(bytes32 salt => bool used) public isChurnApproverSaltUsed;
    /// @notice When each operator was last ejected.
    mapping(address operator => uint256 timestamp) public lastEjectionTimestamp;

    mapping(uint8 quorumNumber => OperatorSetParam params) internal _quorumParams;
    mapping(bytes32 operatorId => QuorumBitmapUpdate[] history) internal _operatorBitmapHistory;
    mapping(address operator => OperatorInfo info) internal _operatorInfo;

    modifier onlyOwner() {
        if (msg.sender != owner) revert OnlyOwner(msg.sender);
        _;
    }

    modifier onlyEjector() {
        if (msg.sender != ejector) revert OnlyEjector(msg.sender);
        _;
    }

    /// @param initialOwner may create quorums and set roles and parameters
    /// @param initialChurnApprover signs churn approvals
    /// @param initialEjector may eject operators
    /// @param initialEjectionCooldown seconds an ejected operator waits before it may register again
    constructor(
        address initialOwner,
        address initialChurnApprover,
        address initialEjector,
        uint256 initialEjectionCooldown
    ) EIP712("AVSRegistryCoordinator", "v0.0.1") {
        owner = initialOwner;
        churnApprover = initialChurnApprover;
        ejector = initialEjector;
        ejectionCooldown = initialEjectionCooldown;
        emit OwnershipTransferred(address(0), initialOwner);
    }

    /// @notice Wires the coordinator to its registries (which are constructed with this coordinator's
    ///         address, hence the separate step). Owner only, once.
    function initialize(IStakeRegistry stakeRegistry_, IBLSApkRegistry blsApkRegistry_, IIndexRegistry indexRegistry_)
        external
        onlyOwner
    {
        if (address(stakeRegistry) != address(0)) revert AlreadyInitialized();
        stakeRegistry = stakeRegistry_;
        blsApkRegistry = blsApkRegistry_;
        indexRegistry = indexRegistry_;
    }

    /// @notice Sets the service manager (constructed after `initialize`, since it reads the registries from
    ///         this coordinator). Owner only, once.
    function setServiceManager(IServiceManager serviceManager_) external onlyOwner {
        if (address(serviceManager) != address(0)) revert AlreadyInitialized();
        serviceManager = serviceManager_;
    }

    // ------------------------------------------------------------------ operators

    /// @inheritdoc IRegistryCoordinator
    function registerOperator(
        bytes calldata quorumNumbers,
        string calldata socket,
        IBLSApkRegistry.PubkeyRegistrationParams calldata params,
        ISignatureUtils.SignatureWithSaltAndExpiry memory operatorSignature
    ) external {
        bytes32 operatorId = _getOrCreateOperatorId(msg.sender, params);
        RegisterResults memory results =
            _registerOperator(msg.sender, operatorId, quorumNumbers, socket, operatorSignature);
        for (uint256 i = 0; i < quorumNumbers.length; ++i) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            uint32 maxOperatorCount = _quorumParams[quorumNumber].maxOperatorCount;
            if (results.numOperatorsPerQuorum[i] > maxOperatorCount) {
                revert MaxOperatorCountReached(quorumNumber, maxOperatorCount);
            }
        }
    }

    /// @inheritdoc IRegistryCoordinator
    function registerOperatorWithChurn(
        bytes calldata quorumNumbers,
        string calldata socket,
        IBLSApkRegistry.PubkeyRegistrationParams calldata params,
        OperatorKickParam[] calldata operatorKickParams,
        ISignatureUtils.SignatureWithSaltAndExpiry memory churnApproverSignature,
        ISignatureUtils.SignatureWithSaltAndExpiry memory operatorSignature
    ) external {
        if (operatorKickParams.length != quorumNumbers.length) {
            revert InputLengthMismatch(operatorKickParams.length, quorumNumbers.length);
        }
        bytes32 operatorId = _getOrCreateOperatorId(msg.sender, params);
        _verifyChurnApproverSignature(msg.sender, operatorId, operatorKickParams, churnApproverSignature);

        RegisterResults memory results =
            _registerOperator(msg.sender, operatorId, quorumNumbers, socket, operatorSignature);
        for (uint256 i = 0; i < quorumNumbers.length; ++i) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            OperatorSetParam memory setParams = _quorumParams[quorumNumber];
            // Only quorums pushed over their cap kick someone; the others just admitted the newcomer.
            if (results.numOperatorsPerQuorum[i] > setParams.maxOperatorCount) {
                _validateChurn(
                    quorumNumber, results.totalStakes[i], results.operatorStakes[i], operatorKickParams[i], setParams
                );
                _deregisterOperator(operatorKickParams[i].operator, quorumNumbers[i:i + 1]);
            }
        }
    }

    /// @inheritdoc IRegistryCoordinator
    function deregisterOperator(bytes calldata quorumNumbers) external {
        _deregisterOperator(msg.sender, quorumNumbers);
    }

    /// @inheritdoc IRegistryCoordinator
    function updateOperators(address[] calldata operators) external {
        for (uint256 i = 0; i < operators.length; ++i) {
            OperatorInfo memory info = _operatorInfo[operators[i]];
            bytes memory quorums = BitmapUtils.bitmapToBytesArray(_currentOperatorBitmap(info.operatorId));
            _updateOperator(operators[i], info, quorums);
        }
    }

    /// @inheritdoc IRegistryCoordinator
    function updateOperatorsForQuorum(address[][] calldata operatorsPerQuorum, bytes calldata quorumNumbers) external {
        BitmapUtils.orderedBytesArrayToBitmap(quorumNumbers, quorumCount);
        if (operatorsPerQuorum.length != quorumNumbers.length) {
            revert InputLengthMismatch(operatorsPerQuorum.length, quorumNumbers.length);
        }
        for (uint256 i = 0; i < quorumNumbers.length; ++i) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            address[] calldata operators = operatorsPerQuorum[i];
            uint256 expected = indexRegistry.totalOperatorsForQuorum(quorumNumber);
            // The full, sorted list proves every operator of the quorum was refreshed at this block.
            if (operators.length != expected) {
                revert IncorrectQuorumOperatorCount(quorumNumber, operators.length, expected);
            }
            address previous = address(0);
            for (uint256 j = 0; j < operators.length; ++j) {
                address operator = operators[j];
                OperatorInfo memory info = _operatorInfo[operator];
                if (operator <= previous || !uint256(_currentOperatorBitmap(info.operatorId)).isSet(quorumNumber)) {
                    revert OperatorListInvalid(quorumNumber, operator);
                }
                _updateOperator(operator, info, quorumNumbers[i:i + 1]);
                previous = operator;
            }
            quorumUpdateBlockNumber[quorumNumber] = block.number;
            emit QuorumBlockNumberUpdated(quorumNumber, block.number);
        }
    }

    /// @inheritdoc IRegistryCoordinator
    function updateSocket(string memory socket) external {
        OperatorInfo memory info = _operatorInfo[msg.sender];
        if (info.status != OperatorStatus.REGISTERED) revert NotRegistered(msg.sender);
        emit OperatorSocketUpdate(info.operatorId, socket);
    }

    /// @inheritdoc IRegistryCoordinator
    function ejectOperator(address operator, bytes calldata quorumNumbers) external onlyEjector {
        lastEjectionTimestamp[operator] = block.timestamp;
        OperatorInfo memory info = _operatorInfo[operator];
        uint256 toRemove = BitmapUtils.orderedBytesArrayToBitmap(quorumNumbers, quorumCount);
        uint256 current = _currentOperatorBitmap(info.operatorId);
        // Ejection races with voluntary deregistration: eject only from quorums the operator is still in.
        if (info.status == OperatorStatus.REGISTERED && toRemove != 0 && toRemove.isSubsetOf(current)) {
            _deregisterOperator(operator, quorumNumbers);
            emit OperatorEjected(operator, info.operatorId, quorumNumbers);
        }
    }

    // ------------------------------------------------------------------ owner

    /// @notice Creates quorum number `quorumCount` with its operator set parameters, minimum stake and strategies.
    function createQuorum(
        OperatorSetParam memory operatorSetParams,
        uint96 minimumStake,
        IStakeRegistry.StrategyParams[] memory strategyParams
    ) external onlyOwner {
        if (address(serviceManager) == address(0) || address(stakeRegistry) == address(0)) {
            revert NotInitialized();
        }
        uint8 quorumNumber = quorumCount;
        if (quorumNumber >= MAX_QUORUM_COUNT) revert MaxQuorumsReached();
        quorumCount = quorumNumber + 1;
        _setOperatorSetParams(quorumNumber, operatorSetParams);
        stakeRegistry.initializeQuorum(quorumNumber, minimumStake, strategyParams);
        indexRegistry.initializeQuorum(quorumNumber);
        blsApkRegistry.initializeQuorum(quorumNumber);
    }

    /// @notice Changes a quorum's operator set parameters.
    function setOperatorSetParams(uint8 quorumNumber, OperatorSetParam memory operatorSetParams) external onlyOwner {
        if (quorumNumber >= quorumCount) revert QuorumDoesNotExist(uint256(1) << quorumNumber, quorumCount);
        _setOperatorSetParams(quorumNumber, operatorSetParams);
    }

    /// @notice Changes the churn approver.
    function setChurnApprover(address newChurnApprover) external onlyOwner {
        emit ChurnApproverUpdated(churnApprover, newChurnApprover);
        churnApprover = newChurnApprover;
    }

    /// @notice Changes the ejector.
    function setEjector(address newEjector) external onlyOwner {
        emit EjectorUpdated(ejector, newEjector);
        ejector = newEjector;
    }

    /// @notice Changes the ejection cooldown (seconds).
    function setEjectionCooldown(uint256 newEjectionCooldown) external onlyOwner {
        emit EjectionCooldownUpdated(ejectionCooldown, newEjectionCooldown);
        ejectionCooldown = newEjectionCooldown;
    }

    /// @notice Hands ownership to `newOwner`.
    function transferOwnership(address newOwner) external onlyOwner {
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    // ------------------------------------------------------------------ internal

    /// @notice What `_registerOperator` learned from the registries, per requested quorum.
    struct RegisterResults {
        uint32[] numOperatorsPerQuorum;
        uint96[] operatorStakes;
        uint96[] totalStakes;
    }

    function _getOrCreateOperatorId(address operator, IBLSApkRegistry.PubkeyRegistrationParams calldata params)
        internal
        returns (bytes32 operatorId)
    {
        operatorId = blsApkRegistry.getOperatorId(operator);
        if (operatorId == bytes32(0)) {
            operatorId = blsApkRegistry.registerBLSPublicKey(operator, params, pubkeyRegistrationMessageHash(operator));
        }
    }

    function _registerOperator(
        address operator,
        bytes32 operatorId,
        bytes calldata quorumNumbers,
        string memory socket,
        ISignatureUtils.SignatureWithSaltAndExpiry memory operatorSignature
    ) internal returns (RegisterResults memory results) {
        uint256 cooldownEnd = lastEjectionTimestamp[operator] + ejectionCooldown;
        // forge-lint: disable-next-line(block-timestamp) -- cooldowns are hours long; seconds of validator skew do not matter
        if (lastEjectionTimestamp[operator] != 0 && block.timestamp <= cooldownEnd) {
            revert CannotReregisterYet(cooldownEnd);
        }
        uint256 toAdd = BitmapUtils.orderedBytesArrayToBitmap(quorumNumbers, quorumCount);
        uint256 current = _currentOperatorBitmap(operatorId);
        if (toAdd == 0) revert BitmapEmpty();
        if (!toAdd.noBitsInCommon(current)) revert AlreadyRegisteredForQuorums(toAdd & current);
        // forge-lint: disable-next-line(unsafe-typecast) -- both bitmaps are below 2^quorumCount <= 2^192
        _updateOperatorBitmap(operatorId, uint192(current | toAdd));

        emit OperatorSocketUpdate(operatorId, socket);

        OperatorInfo storage info = _operatorInfo[operator];
        if (info.status != OperatorStatus.REGISTERED) {
            serviceManager.registerOperatorToAVS(operator, operatorSignature);
            info.operatorId = operatorId;
            info.status = OperatorStatus.REGISTERED;
            emit OperatorRegistered(operator, operatorId);
        }

        blsApkRegistry.registerOperator(operator, quorumNumbers);
        (results.operatorStakes, results.totalStakes) =
            stakeRegistry.registerOperator(operator, operatorId, quorumNumbers);
        results.numOperatorsPerQuorum = indexRegistry.registerOperator(operatorId, quorumNumbers);
    }

    function _deregisterOperator(address operator, bytes memory quorumNumbers) internal {
        OperatorInfo storage info = _operatorInfo[operator];
        bytes32 operatorId = info.operatorId;
        if (info.status != OperatorStatus.REGISTERED) revert NotRegistered(operator);
        uint256 toRemove = BitmapUtils.orderedBytesArrayToBitmap(quorumNumbers, quorumCount);
        uint256 current = _currentOperatorBitmap(operatorId);
        if (toRemove == 0) revert BitmapEmpty();
        if (!toRemove.isSubsetOf(current)) revert NotRegisteredForQuorum(toRemove);
        uint256 remaining = current.minus(toRemove);
        // forge-lint: disable-next-line(unsafe-typecast) -- a subset of a uint192 bitmap
        _updateOperatorBitmap(operatorId, uint192(remaining));

        if (remaining == 0) {
            info.status = OperatorStatus.DEREGISTERED;
            serviceManager.deregisterOperatorFromAVS(operator);
            emit OperatorDeregistered(operator, operatorId);
        }

        blsApkRegistry.deregisterOperator(operator, quorumNumbers);
        stakeRegistry.deregisterOperator(operatorId, quorumNumbers);
        indexRegistry.deregisterOperator(operatorId, quorumNumbers);
    }

    /// @notice Refreshes the operator's stake in `quorumNumbers`, deregistering it where it fell below minimum.
    function _updateOperator(address operator, OperatorInfo memory info, bytes memory quorumNumbers) internal {
        if (info.status != OperatorStatus.REGISTERED) return;
        uint192 toRemove = stakeRegistry.updateOperatorStake(operator, info.operatorId, quorumNumbers);
        if (toRemove != 0) {
            _deregisterOperator(operator, BitmapUtils.bitmapToBytesArray(toRemove));
        }
    }

    function _validateChurn(
        uint8 quorumNumber,
        uint96 totalQuorumStake,
        uint96 newOperatorStake,
        OperatorKickParam calldata kickParams,
        OperatorSetParam memory setParams
    ) internal view {
        if (kickParams.operator == msg.sender) revert CannotChurnSelf();
        if (kickParams.quorumNumber != quorumNumber) {
            revert QuorumOperatorKickMismatch(quorumNumber, kickParams.quorumNumber);
        }
        bytes32 kickedId = _operatorInfo[kickParams.operator].operatorId;
        uint96 kickedStake = stakeRegistry.getCurrentStake(kickedId, quorumNumber);
        // The newcomer must outweigh the kicked operator by kickBIPsOfOperatorStake ...
        if (newOperatorStake <= uint256(kickedStake) * setParams.kickBIPsOfOperatorStake / BIPS_DENOMINATOR) {
            revert InsufficientStakeForChurn(newOperatorStake, kickedStake);
        }
        // ... and the kicked operator must be small relative to the whole quorum.
        if (kickedStake >= uint256(totalQuorumStake) * setParams.kickBIPsOfTotalStake / BIPS_DENOMINATOR) {
            revert CannotKickOperatorAboveThreshold(kickedStake, totalQuorumStake);
        }
    }

    function _verifyChurnApproverSignature(
        address registeringOperator,
        bytes32 registeringOperatorId,
        OperatorKickParam[] calldata operatorKickParams,
        ISignatureUtils.SignatureWithSaltAndExpiry memory signature
    ) internal {
        if (isChurnApproverSaltUsed[signature.salt]) {
            revert ChurnApproverSaltUsed(signature.salt);
        }
        // forge-lint: disable-next-line(block-timestamp) -- expiries are minutes to hours out; seconds of skew do not matter
        if (signature.expiry < block.timestamp) revert SignatureExpired(signature.expiry);
        isChurnApproverSaltUsed[signature.salt] = true;
        bytes32 digest = calculateOperatorChurnApprovalDigestHash(
            registeringOperator, registeringOperatorId, operatorKickParams, signature.salt, signature.expiry
        );
        // ECDSA for an EOA approver, EIP-1271 for a contract approver (as upstream).
        if (!SignatureChecker.isValidSignatureNow(churnApprover, digest, signature.signature)) {
            revert InvalidChurnApproverSignature();
        }
    }

    function _setOperatorSetParams(uint8 quorumNumber, OperatorSetParam memory operatorSetParams) internal {
        _quorumParams[quorumNumber] = operatorSetParams;
        emit OperatorSetParamsUpdated(quorumNumber, operatorSetParams);
    }

    /// @notice Records a new bitmap, collapsing updates within one block.
    function _updateOperatorBitmap(bytes32 operatorId, uint192 newBitmap) internal {
        QuorumBitmapUpdate[] storage history = _operatorBitmapHistory[operatorId];
        uint256 length = history.length;
        if (length != 0) {
            QuorumBitmapUpdate storage last = history[length - 1];
            if (last.updateBlockNumber == uint32(block.number)) {
                last.quorumBitmap = newBitmap;
                return;
            }
            last.nextUpdateBlockNumber = uint32(block.number);
        }
        history.push(
            QuorumBitmapUpdate({
                updateBlockNumber: uint32(block.number), nextUpdateBlockNumber: 0, quorumBitmap: newBitmap
            })
        );
    }

    function _currentOperatorBitmap(bytes32 operatorId) internal view returns (uint192) {
        QuorumBitmapUpdate[] storage history = _operatorBitmapHistory[operatorId];
        return history.length == 0 ? 0 : history[history.length - 1].quorumBitmap;
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IRegistryCoordinator
    function getOperatorSetParams(uint8 quorumNumber) external view returns (OperatorSetParam memory) {
        return _quorumParams[quorumNumber];
    }

    /// @inheritdoc IRegistryCoordinator
    function getOperator(address operator) external view returns (OperatorInfo memory) {
        return _operatorInfo[operator];
    }

    /// @inheritdoc IRegistryCoordinator
    function getOperatorId(address operator) external view returns (bytes32) {
        return _operatorInfo[operator].operatorId;
    }

    /// @inheritdoc IRegistryCoordinator
    function getOperatorFromId(bytes32 operatorId) external view returns (address) {
        return blsApkRegistry.getOperatorFromPubkeyHash(operatorId);
    }

    /// @inheritdoc IRegistryCoordinator
    function getOperatorStatus(address operator) external view returns (OperatorStatus) {
        return _operatorInfo[operator].status;
    }

    /// @inheritdoc IRegistryCoordinator
    function getQuorumBitmapIndicesAtBlockNumber(uint32 blockNumber, bytes32[] memory operatorIds)
        external
        view
        returns (uint32[] memory indices)
    {
        indices = new uint32[](operatorIds.length);
        for (uint256 i = 0; i < operatorIds.length; ++i) {
            indices[i] = _getQuorumBitmapIndexAtBlockNumber(blockNumber, operatorIds[i]);
        }
    }

    function _getQuorumBitmapIndexAtBlockNumber(uint32 blockNumber, bytes32 operatorId) internal view returns (uint32) {
        QuorumBitmapUpdate[] storage history = _operatorBitmapHistory[operatorId];
        for (uint256 i = history.length; i > 0; --i) {
            // forge-lint: disable-next-line(unsafe-typecast) -- histories grow by at most one entry per block, far below 2^32 entries
            if (history[i - 1].updateBlockNumber <= blockNumber) return uint32(i - 1);
        }
        revert OperatorNotRegisteredAtBlockNumber(operatorId, blockNumber);
    }

    /// @inheritdoc IRegistryCoordinator
    function getQuorumBitmapAtBlockNumberByIndex(bytes32 operatorId, uint32 blockNumber, uint256 index)
        external
        view
        returns (uint192)
    {
        QuorumBitmapUpdate[] storage history = _operatorBitmapHistory[operatorId];
        // One storage load instead of two (no length load): histories are push-only and every entry has
        // updateBlockNumber >= 1, so a zero entry means "past the end"; the cap keeps the slot in the array.
        if (index > type(uint32).max) revert IndexOutOfRange(index, history.length);
        QuorumBitmapUpdate storage slot;
        assembly ("memory-safe") {
            mstore(0x00, history.slot)
            slot.slot := add(keccak256(0x00, 0x20), index)
        }
        QuorumBitmapUpdate memory update = slot;
        if (update.updateBlockNumber == 0) revert IndexOutOfRange(index, history.length);
        if (blockNumber < update.updateBlockNumber) {
            revert BitmapUpdateIsAfterBlockNumber(blockNumber, update.updateBlockNumber);
        }
        if (update.nextUpdateBlockNumber != 0 && blockNumber >= update.nextUpdateBlockNumber) {
            revert NextBitmapUpdateIsBeforeBlockNumber(blockNumber, update.nextUpdateBlockNumber);
        }
        return update.quorumBitmap;
    }

    /// @inheritdoc IRegistryCoordinator
    function getQuorumBitmapUpdateByIndex(bytes32 operatorId, uint256 index)
        external
        view
        returns (QuorumBitmapUpdate memory)
    {
        return _operatorBitmapHistory[operatorId][index];
    }

    /// @inheritdoc IRegistryCoordinator
    function getCurrentQuorumBitmap(bytes32 operatorId) external view returns (uint192) {
        return _currentOperatorBitmap(operatorId);
    }

    /// @inheritdoc IRegistryCoordinator
    function getQuorumBitmapHistoryLength(bytes32 operatorId) external view returns (uint256) {
        return _operatorBitmapHistory[operatorId].length;
    }

    /// @inheritdoc IRegistryCoordinator
    function numRegistries() external pure returns (uint256) {
        return 3;
    }

    /// @inheritdoc IRegistryCoordinator
    /// @dev hashToG1 of the EIP-712 digest of BN254PubkeyRegistration(operator) under the domain
    ///      ("AVSRegistryCoordinator", "v0.0.1", chainid, this).
    function pubkeyRegistrationMessageHash(address operator) public view returns (BN254.G1Point memory) {
        return BN254.hashToG1(_hashTypedDataV4(keccak256(abi.encode(PUBKEY_REGISTRATION_TYPEHASH, operator))));
    }

    /// @inheritdoc IRegistryCoordinator
    function calculateOperatorChurnApprovalDigestHash(
        address registeringOperator,
        bytes32 registeringOperatorId,
        OperatorKickParam[] memory operatorKickParams,
        bytes32 salt,
        uint256 expiry
    ) public view returns (bytes32) {
        // Upstream abi-encodes the kick list directly (not the EIP-712 array hashing); kept for compatibility.
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    OPERATOR_CHURN_APPROVAL_TYPEHASH,
                    registeringOperator,
                    registeringOperatorId,
                    operatorKickParams,
                    salt,
                    expiry
                )
            )
        );
    }
}
