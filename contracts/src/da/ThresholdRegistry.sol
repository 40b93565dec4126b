// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BitmapUtils} from "../libraries/BitmapUtils.sol";
import {DATypes} from "./DATypes.sol";
import {IThresholdRegistry} from "./interfaces/IThresholdRegistry.sol";

/// @title Versioned blob parameters, security thresholds and required quorums.
/// @notice Thresholds and required quorums keep a block-number-keyed history: `CertVerifier`, `confirmBatch`,
///         the disperser and the client all read them at a certificate's reference block (`...AtBlock`), so the
///         owner's changes apply to reference blocks from the change's block on and never to issued certificates.
/// @notice Every stored blob version satisfies, under the current thresholds, EigenDA's security inequality
///             codingRate * (numChunks - maxNumOperators) * (confirmation - adversary) >= 100 * numChunks,
///         i.e. the honest signers' chunks suffice to reconstruct the blob. Both adding a version and changing
///         the thresholds re-check it.
contract ThresholdRegistry is IThresholdRegistry {
    /// @notice Percent denominator.
    uint256 internal constant THRESHOLD_DENOMINATOR = 100;

    /// @notice The owner.
    address public owner;
    /// @inheritdoc IThresholdRegistry
    uint16 public nextBlobVersion;
    DATypes.SecurityThresholds internal _securityThresholds;
    bytes internal _quorumNumbersRequired;
    mapping(uint16 version => DATypes.VersionedBlobParams params) internal _versionedBlobParams;

    /// @notice Thresholds from block `updateBlockNumber` on.
    struct SecurityThresholdsUpdate {
        uint32 updateBlockNumber;
        DATypes.SecurityThresholds thresholds;
    }

    /// @notice Required quorums from block `updateBlockNumber` on.
    struct QuorumNumbersRequiredUpdate {
        uint32 updateBlockNumber;
        bytes quorumNumbersRequired;
    }

    /// @notice Every threshold change, by ascending block (at most one entry per block: the last change wins).
    SecurityThresholdsUpdate[] internal _thresholdsHistory;
    /// @notice Every required-quorums change, by ascending block (at most one entry per block).
    QuorumNumbersRequiredUpdate[] internal _quorumNumbersRequiredHistory;

    modifier onlyOwner() {
        if (msg.sender != owner) revert OnlyOwner(msg.sender);
        _;
    }

    /// @param initialOwner may add versions and change thresholds and required quorums
    /// @param thresholds initial confirmation/adversary thresholds (percent)
    /// @param quorumNumbersRequired_ initial required quorums (ascending)
    constructor(
        address initialOwner,
        DATypes.SecurityThresholds memory thresholds,
        bytes memory quorumNumbersRequired_
    ) {
        owner = initialOwner;
        _setSecurityThresholds(thresholds);
        _setQuorumNumbersRequired(quorumNumbersRequired_);
    }

    /// @notice Adds the next blob version; returns its number.
    function addVersionedBlobParams(DATypes.VersionedBlobParams memory params)
        external
        onlyOwner
        returns (uint16 version)
    {
        checkSecurityInequality(params, _securityThresholds);
        version = nextBlobVersion;
        if (version == type(uint16).max) revert TooManyBlobVersions();
        _versionedBlobParams[version] = params;
        nextBlobVersion = version + 1;
        emit VersionedBlobParamsAdded(version, params);
    }

    /// @notice Changes the thresholds; every existing blob version must still satisfy the inequality.
    function setSecurityThresholds(DATypes.SecurityThresholds memory thresholds) external onlyOwner {
        _setSecurityThresholds(thresholds);
        for (uint16 v = 0; v < nextBlobVersion; ++v) {
            checkSecurityInequality(_versionedBlobParams[v], thresholds);
        }
    }

    /// @notice Changes the required quorums.
    function setQuorumNumbersRequired(bytes memory quorumNumbersRequired_) external onlyOwner {
        _setQuorumNumbersRequired(quorumNumbersRequired_);
    }

    /// @notice Hands ownership to `newOwner`.
    function transferOwnership(address newOwner) external onlyOwner {
        owner = newOwner;
    }

    /// @notice Reverts with `SecurityAssumptionsNotMet` unless `params` are safe under `thresholds`.
    function checkSecurityInequality(
        DATypes.VersionedBlobParams memory params,
        DATypes.SecurityThresholds memory thresholds
    ) public pure {
        if (
            params.codingRate == 0 || params.numChunks == 0 || params.maxNumOperators > params.numChunks
                || thresholds.confirmationThreshold <= thresholds.adversaryThreshold
        ) {
            _revertInsecure(params, thresholds);
        }
        uint256 lhs = uint256(params.codingRate) * (params.numChunks - params.maxNumOperators)
            * (thresholds.confirmationThreshold - thresholds.adversaryThreshold);
        if (lhs < THRESHOLD_DENOMINATOR * params.numChunks) _revertInsecure(params, thresholds);
    }

    function _revertInsecure(DATypes.VersionedBlobParams memory params, DATypes.SecurityThresholds memory thresholds)
        private
        pure
    {
        revert SecurityAssumptionsNotMet(
            thresholds.confirmationThreshold,
            thresholds.adversaryThreshold,
            params.codingRate,
            params.numChunks,
            params.maxNumOperators
        );
    }

    function _setSecurityThresholds(DATypes.SecurityThresholds memory thresholds) internal {
        if (
            thresholds.adversaryThreshold == 0 || thresholds.confirmationThreshold <= thresholds.adversaryThreshold
                || thresholds.confirmationThreshold > THRESHOLD_DENOMINATOR
        ) revert InvalidSecurityThresholds(thresholds.confirmationThreshold, thresholds.adversaryThreshold);
        emit SecurityThresholdsUpdated(_securityThresholds, thresholds);
        _securityThresholds = thresholds;
        uint256 n = _thresholdsHistory.length;
        if (n != 0 && _thresholdsHistory[n - 1].updateBlockNumber == uint32(block.number)) {
            _thresholdsHistory[n - 1].thresholds = thresholds;
        } else {
            _thresholdsHistory.push(SecurityThresholdsUpdate(uint32(block.number), thresholds));
        }
    }

    function _setQuorumNumbersRequired(bytes memory quorumNumbersRequired_) internal {
        // validates strictly ascending quorum numbers
        BitmapUtils.orderedBytesArrayToBitmap(quorumNumbersRequired_);
        emit QuorumNumbersRequiredUpdated(_quorumNumbersRequired, quorumNumbersRequired_);
        _quorumNumbersRequired = quorumNumbersRequired_;
        uint256 n = _quorumNumbersRequiredHistory.length;
        if (n != 0 && _quorumNumbersRequiredHistory[n - 1].updateBlockNumber == uint32(block.number)) {
            _quorumNumbersRequiredHistory[n - 1].quorumNumbersRequired = quorumNumbersRequired_;
        } else {
            _quorumNumbersRequiredHistory.push(QuorumNumbersRequiredUpdate(uint32(block.number), quorumNumbersRequired_));
        }
    }

    /// @inheritdoc IThresholdRegistry
    function securityThresholdsAtBlock(uint32 blockNumber) external view returns (DATypes.SecurityThresholds memory) {
        // binary search for the last update at or before blockNumber
        uint256 lo = 0;
        uint256 hi = _thresholdsHistory.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (_thresholdsHistory[mid].updateBlockNumber <= blockNumber) lo = mid + 1;
            else hi = mid;
        }
        if (lo == 0) revert NoParametersAtBlock(blockNumber);
        return _thresholdsHistory[lo - 1].thresholds;
    }

    /// @inheritdoc IThresholdRegistry
    function quorumNumbersRequiredAtBlock(uint32 blockNumber) external view returns (bytes memory) {
        uint256 lo = 0;
        uint256 hi = _quorumNumbersRequiredHistory.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (_quorumNumbersRequiredHistory[mid].updateBlockNumber <= blockNumber) lo = mid + 1;
            else hi = mid;
        }
        if (lo == 0) revert NoParametersAtBlock(blockNumber);
        return _quorumNumbersRequiredHistory[lo - 1].quorumNumbersRequired;
    }

    /// @inheritdoc IThresholdRegistry
    function getBlobParams(uint16 version) external view returns (DATypes.VersionedBlobParams memory) {
        if (version >= nextBlobVersion) revert InvalidBlobVersion(version, nextBlobVersion);
        return _versionedBlobParams[version];
    }

    /// @inheritdoc IThresholdRegistry
    function securityThresholds() external view returns (DATypes.SecurityThresholds memory) {
        return _securityThresholds;
    }

    /// @inheritdoc IThresholdRegistry
    function quorumNumbersRequired() external view returns (bytes memory) {
        return _quorumNumbersRequired;
    }

    /// @inheritdoc IThresholdRegistry
    function getIsQuorumRequired(uint8 quorumNumber) external view returns (bool) {
        return BitmapUtils.isSet(BitmapUtils.orderedBytesArrayToBitmap(_quorumNumbersRequired), quorumNumber);
    }

    /// @inheritdoc IThresholdRegistry
    function getQuorumConfirmationThresholdPercentage(uint8) external view returns (uint8) {
        return _securityThresholds.confirmationThreshold;
    }

    /// @inheritdoc IThresholdRegistry
    function getQuorumAdversaryThresholdPercentage(uint8) external view returns (uint8) {
        return _securityThresholds.adversaryThreshold;
    }
}
