// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BitmapUtils} from "../libraries/BitmapUtils.sol";
import {IRegistryCoordinator} from "./interfaces/IRegistryCoordinator.sol";
import {IBLSApkRegistry} from "./interfaces/IBLSApkRegistry.sol";
import {IStakeRegistry} from "./interfaces/IStakeRegistry.sol";
import {IIndexRegistry} from "./interfaces/IIndexRegistry.sol";

/// @title Read-only views that batch the registry lookups off-chain components need (EigenLayer ABI):
///        the operator set at a block, and the history indices a signature aggregator passes to `checkSignatures`.
contract OperatorStateRetriever {
    /// @notice An operator of a quorum with its stake at the queried block.
    struct Operator {
        address operator;
        bytes32 operatorId;
        uint96 stake;
    }

    /// @notice The history indices `BLSSignatureChecker.checkSignatures` needs (see NonSignerStakesAndSignature).
    struct CheckSignaturesIndices {
        uint32[] nonSignerQuorumBitmapIndices;
        uint32[] quorumApkIndices;
        uint32[] totalStakeIndices;
        uint32[][] nonSignerStakeIndices;
    }

    /// @notice The operator set of `operatorId`'s quorums at `blockNumber`, and its quorum bitmap then.
    function getOperatorState(IRegistryCoordinator registryCoordinator, bytes32 operatorId, uint32 blockNumber)
        external
        view
        returns (uint256 quorumBitmap, Operator[][] memory operators)
    {
        bytes32[] memory ids = new bytes32[](1);
        ids[0] = operatorId;
        uint256 index = registryCoordinator.getQuorumBitmapIndicesAtBlockNumber(blockNumber, ids)[0];
        quorumBitmap = registryCoordinator.getQuorumBitmapAtBlockNumberByIndex(operatorId, blockNumber, index);
        operators = getOperatorState(registryCoordinator, BitmapUtils.bitmapToBytesArray(quorumBitmap), blockNumber);
    }

    /// @notice For each quorum, its operators (by index) and their stakes at `blockNumber`.
    function getOperatorState(IRegistryCoordinator registryCoordinator, bytes memory quorumNumbers, uint32 blockNumber)
        public
        view
        returns (Operator[][] memory operators)
    {
        IStakeRegistry stakeRegistry = registryCoordinator.stakeRegistry();
        IIndexRegistry indexRegistry = registryCoordinator.indexRegistry();
        IBLSApkRegistry blsApkRegistry = registryCoordinator.blsApkRegistry();

        operators = new Operator[][](quorumNumbers.length);
        for (uint256 i = 0; i < quorumNumbers.length; ++i) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            bytes32[] memory ids = indexRegistry.getOperatorListAtBlockNumber(quorumNumber, blockNumber);
            operators[i] = new Operator[](ids.length);
            for (uint256 j = 0; j < ids.length; ++j) {
                operators[i][j] = Operator({
                    operator: blsApkRegistry.getOperatorFromPubkeyHash(ids[j]),
                    operatorId: ids[j],
                    stake: stakeRegistry.getStakeAtBlockNumber(ids[j], quorumNumber, blockNumber)
                });
            }
        }
    }

    /// @notice The indices to pass to `checkSignatures` for these non-signers (sorted by id, as the checker
    ///         requires) over `quorumNumbers` at `referenceBlockNumber`.
    function getCheckSignaturesIndices(
        IRegistryCoordinator registryCoordinator,
        uint32 referenceBlockNumber,
        bytes calldata quorumNumbers,
        bytes32[] calldata nonSignerOperatorIds
    ) external view returns (CheckSignaturesIndices memory indices) {
        IStakeRegistry stakeRegistry = registryCoordinator.stakeRegistry();
        indices.nonSignerQuorumBitmapIndices =
            registryCoordinator.getQuorumBitmapIndicesAtBlockNumber(referenceBlockNumber, nonSignerOperatorIds);
        indices.totalStakeIndices = stakeRegistry.getTotalStakeIndicesAtBlockNumber(referenceBlockNumber, quorumNumbers);

        uint256[] memory bitmaps = new uint256[](nonSignerOperatorIds.length);
        for (uint256 j = 0; j < nonSignerOperatorIds.length; ++j) {
            bitmaps[j] = registryCoordinator.getQuorumBitmapAtBlockNumberByIndex(
                nonSignerOperatorIds[j], referenceBlockNumber, indices.nonSignerQuorumBitmapIndices[j]
            );
        }

        indices.nonSignerStakeIndices = new uint32[][](quorumNumbers.length);
        for (uint256 i = 0; i < quorumNumbers.length; ++i) {
            indices.nonSignerStakeIndices[i] = _nonSignerStakeIndices(
                stakeRegistry, uint8(quorumNumbers[i]), referenceBlockNumber, nonSignerOperatorIds, bitmaps
            );
        }

        indices.quorumApkIndices =
            registryCoordinator.blsApkRegistry().getApkIndicesAtBlockNumber(quorumNumbers, referenceBlockNumber);
    }

    /// @notice For the non-signers registered in `quorumNumber` (in order), their stake history index at the block.
    function _nonSignerStakeIndices(
        IStakeRegistry stakeRegistry,
        uint8 quorumNumber,
        uint32 referenceBlockNumber,
        bytes32[] calldata nonSignerOperatorIds,
        uint256[] memory bitmaps
    ) internal view returns (uint32[] memory forQuorum) {
        forQuorum = new uint32[](nonSignerOperatorIds.length);
        uint256 count = 0;
        for (uint256 j = 0; j < nonSignerOperatorIds.length; ++j) {
            if (BitmapUtils.isSet(bitmaps[j], quorumNumber)) {
                forQuorum[count++] = stakeRegistry.getStakeUpdateIndexAtBlockNumber(
                    nonSignerOperatorIds[j], quorumNumber, referenceBlockNumber
                );
            }
        }
        // shrink to the non-signers actually in this quorum
        assembly ("memory-safe") {
            mstore(forQuorum, count)
        }
    }

    /// @notice Each operator's quorum bitmap at `blockNumber`.
    function getQuorumBitmapsAtBlockNumber(
        IRegistryCoordinator registryCoordinator,
        bytes32[] memory operatorIds,
        uint32 blockNumber
    ) external view returns (uint256[] memory bitmaps) {
        uint32[] memory indices = registryCoordinator.getQuorumBitmapIndicesAtBlockNumber(blockNumber, operatorIds);
        bitmaps = new uint256[](operatorIds.length);
        for (uint256 i = 0; i < operatorIds.length; ++i) {
            bitmaps[i] =
                registryCoordinator.getQuorumBitmapAtBlockNumberByIndex(operatorIds[i], blockNumber, indices[i]);
        }
    }
}
