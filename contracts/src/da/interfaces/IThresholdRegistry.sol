// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {DATypes} from "../DATypes.sol";

/// @title Versioned blob parameters, security thresholds and required quorums (EigenDA threshold registry shape).
interface IThresholdRegistry {
    /// @notice Only the owner may call this function; `caller` is not it.
    error OnlyOwner(address caller);
    /// @notice Blob version `version` does not exist (versions below `nextBlobVersion` do).
    error InvalidBlobVersion(uint16 version, uint16 nextBlobVersion);
    /// @notice The thresholds must satisfy 0 < adversary < confirmation <= 100.
    error InvalidSecurityThresholds(uint8 confirmationThreshold, uint8 adversaryThreshold);
    /// @notice The parameters break codingRate*(numChunks-maxNumOperators)*(confirmation-adversary) >= 100*numChunks
    ///         (or have maxNumOperators > numChunks, or a zero coding rate / chunk count).
    error SecurityAssumptionsNotMet(
        uint8 confirmationThreshold,
        uint8 adversaryThreshold,
        uint8 codingRate,
        uint32 numChunks,
        uint32 maxNumOperators
    );
    /// @notice No thresholds or required quorums were set at or before block `blockNumber`.
    error NoParametersAtBlock(uint32 blockNumber);
    /// @notice No more blob versions fit in a uint16.
    error TooManyBlobVersions();

    /// @notice Blob version `version` was added with `versionedBlobParams`.
    event VersionedBlobParamsAdded(uint16 indexed version, DATypes.VersionedBlobParams versionedBlobParams);
    /// @notice The security thresholds changed.
    event SecurityThresholdsUpdated(DATypes.SecurityThresholds previous, DATypes.SecurityThresholds current);
    /// @notice The required quorums changed.
    event QuorumNumbersRequiredUpdated(bytes previous, bytes current);

    /// @notice The parameters of blob version `version`; reverts for an unknown version.
    function getBlobParams(uint16 version) external view returns (DATypes.VersionedBlobParams memory);
    /// @notice Versions 0..nextBlobVersion-1 exist.
    function nextBlobVersion() external view returns (uint16);
    /// @notice The confirmation and adversary thresholds (percent).
    function securityThresholds() external view returns (DATypes.SecurityThresholds memory);
    /// @notice The quorums every blob must be dispersed to (ascending quorum numbers).
    function quorumNumbersRequired() external view returns (bytes memory);
    /// @notice The thresholds in force at block `blockNumber`: those of the last change at or before it. A
    ///         certificate is judged by the thresholds at its reference block, so a governance change never
    ///         turns an issued certificate invalid (or an invalid one valid).
    function securityThresholdsAtBlock(uint32 blockNumber) external view returns (DATypes.SecurityThresholds memory);
    /// @notice The required quorums in force at block `blockNumber` (same rule as `securityThresholdsAtBlock`).
    function quorumNumbersRequiredAtBlock(uint32 blockNumber) external view returns (bytes memory);
    /// @notice Whether `quorumNumber` is required.
    function getIsQuorumRequired(uint8 quorumNumber) external view returns (bool);
    /// @notice Confirmation threshold (percent) of `quorumNumber` (the same for every quorum).
    function getQuorumConfirmationThresholdPercentage(uint8 quorumNumber) external view returns (uint8);
    /// @notice Adversary threshold (percent) of `quorumNumber` (the same for every quorum).
    function getQuorumAdversaryThresholdPercentage(uint8 quorumNumber) external view returns (uint8);
}
