// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LaminaTest} from "../utils/LaminaTest.sol";
import {RegistryHandler} from "./RegistryHandler.sol";
import {BN254} from "../../src/libraries/BN254.sol";
import {BitmapUtils} from "../../src/libraries/BitmapUtils.sol";
import {RegistryCoordinator} from "../../src/middleware/RegistryCoordinator.sol";
import {StakeRegistry} from "../../src/middleware/StakeRegistry.sol";
import {BLSApkRegistry} from "../../src/middleware/BLSApkRegistry.sol";
import {IndexRegistry} from "../../src/middleware/IndexRegistry.sol";
import {IRegistryCoordinator} from "../../src/middleware/interfaces/IRegistryCoordinator.sol";
import {OperatorStateRetriever} from "../../src/middleware/OperatorStateRetriever.sol";

/// @notice The registry invariants, checked against a `RegistryHandler`'s model: the current state (after every
///         call, through the concrete tests' `invariant_` functions) and the whole history at the end of every run
///         (`afterInvariant`), at every block the handler touched and the blocks between them.
/// @dev Concrete tests deploy the registries (over the core's test doubles or the real core), build the handler's
///      pool of operators, and name their registries through the five accessors.
abstract contract RegistryInvariantsBase is LaminaTest {
    using BN254 for BN254.G1Point;

    RegistryHandler internal handler;
    /// @notice Operators in the handler's pool.
    uint256 internal constant POOL = 6;

    /// @notice forge's selector filter (the shape of forge-std's `StdInvariant.FuzzSelector`).
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    function _rc() internal view virtual returns (RegistryCoordinator);
    function _sr() internal view virtual returns (StakeRegistry);
    function _apk() internal view virtual returns (BLSApkRegistry);
    function _ir() internal view virtual returns (IndexRegistry);
    function _osr() internal view virtual returns (OperatorStateRetriever);

    /// @notice forge's invariant runner calls only the handler.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    // ------------------------------------------------------------------ current state, after every call

    /// @notice Every handler action the model predicts to succeed does (a revert fails the run), and the
    ///         coordinator's bitmaps and statuses match the model.
    function _checkCurrentBitmaps() internal view {
        for (uint256 i = 0; i < POOL; ++i) {
            (address addr, bytes32 id,) = handler.operator(i);
            uint192 expected = handler.modelBitmap(i);
            assertEq(uint256(_rc().getCurrentQuorumBitmap(id)), uint256(expected), "current bitmap");
            bool registered = _rc().getOperatorStatus(addr) == IRegistryCoordinator.OperatorStatus.REGISTERED;
            assertEq(registered, expected != 0, "registered iff in some quorum");
        }
        for (uint8 q = 0; q < 2; ++q) {
            assertEq(_ir().totalOperatorsForQuorum(q), handler.memberCount(q), "index registry count");
            assertLe(handler.memberCount(q), _rc().getOperatorSetParams(q).maxOperatorCount, "cap");
        }
    }

    /// @notice Operator stakes sum to the quorum's total stake, and each equals the model's.
    function _checkCurrentStakes() internal view {
        for (uint8 q = 0; q < 2; ++q) {
            uint256 sum;
            for (uint256 i = 0; i < POOL; ++i) {
                (, bytes32 id,) = handler.operator(i);
                uint96 stake = _sr().getCurrentStake(id, q);
                assertEq(uint256(stake), uint256(handler.modelStake(i, q)), "current stake");
                if (!BitmapUtils.isSet(handler.modelBitmap(i), q)) assertEq(uint256(stake), 0, "non-member stake 0");
                sum += stake;
            }
            assertEq(uint256(_sr().getCurrentTotalStake(q)), sum, "total = sum of stakes");
        }
    }

    /// @notice Each quorum's current aggregate key is the sum of its members' G1 keys.
    function _checkCurrentApk() internal view {
        for (uint8 q = 0; q < 2; ++q) {
            BN254.G1Point memory expected;
            for (uint256 i = 0; i < POOL; ++i) {
                if (!BitmapUtils.isSet(handler.modelBitmap(i), q)) continue;
                (,, BN254.G1Point memory pk1) = handler.operator(i);
                expected = expected.plus(pk1);
            }
            BN254.G1Point memory apk = _apk().getApk(q);
            assertEq(apk.X, expected.X, "apk X");
            assertEq(apk.Y, expected.Y, "apk Y");
        }
    }

    // ------------------------------------------------------------------ history, at the end of every run

    /// @notice At every block the handler touched, and at the blocks between (which must read as the last
    ///         touched block before them), the registries' histories give the model's state: bitmaps, stakes
    ///         summing to the total, the apk as the sum of member keys, the index registry's operator list,
    ///         and the OperatorStateRetriever's view (what the disperser and nodes read).
    function afterInvariant() public view {
        uint256 n = handler.recordedBlockCount();
        for (uint256 k = 0; k < n; ++k) {
            uint32 b = handler.recordedBlock(k);
            _checkHistoryAt(b, b);
            uint32 next = k + 1 < n ? handler.recordedBlock(k + 1) : uint32(block.number) + 1;
            if (next > b + 1) {
                _checkHistoryAt(b + 1, b);
                if (next - 1 > b + 1) _checkHistoryAt(next - 1, b);
            }
        }
    }

    /// @notice Checks the registries at `queryBlock` against the model snapshot of block `snapBlock`.
    function _checkHistoryAt(uint32 queryBlock, uint32 snapBlock) internal view {
        bytes32[] memory ids = new bytes32[](POOL);
        for (uint256 i = 0; i < POOL; ++i) {
            (, ids[i],) = handler.operator(i);
            _checkBitmapAt(ids[i], queryBlock, handler.snapBitmap(snapBlock, i));
        }
        for (uint8 q = 0; q < 2; ++q) {
            _checkQuorumAt(q, ids, queryBlock, snapBlock);
        }
    }

    function _checkBitmapAt(bytes32 id, uint32 queryBlock, uint192 expected) internal view {
        bytes32[] memory one = new bytes32[](1);
        one[0] = id;
        try _rc().getQuorumBitmapIndicesAtBlockNumber(queryBlock, one) returns (uint32[] memory idx) {
            uint192 bitmap = _rc().getQuorumBitmapAtBlockNumberByIndex(id, queryBlock, idx[0]);
            assertEq(uint256(bitmap), uint256(expected), "bitmap at block");
        } catch {
            // no bitmap history yet at that block: the operator never registered before it
            assertEq(uint256(expected), 0, "unregistered operator has no bitmap history");
        }
    }

    function _checkQuorumAt(uint8 q, bytes32[] memory ids, uint32 queryBlock, uint32 snapBlock) internal view {
        bytes memory quorum = BitmapUtils.bitmapToBytesArray(uint256(1) << q);
        uint256 sumModel;
        uint256 sumRegistry;
        uint256 members;
        for (uint256 i = 0; i < POOL; ++i) {
            uint96 expected = handler.snapStake(snapBlock, i, q);
            sumModel += expected;
            if (!BitmapUtils.isSet(handler.snapBitmap(snapBlock, i), q)) {
                assertEq(uint256(expected), 0, "model: non-member has no stake");
                continue;
            }
            ++members;
            sumRegistry += _memberStakeAt(ids[i], q, queryBlock, expected);
        }
        // (a) stakes sum to the total at that block
        uint32 totalIndex = _sr().getTotalStakeIndicesAtBlockNumber(queryBlock, quorum)[0];
        uint96 total = _sr().getTotalStakeAtBlockNumberFromIndex(q, queryBlock, totalIndex);
        assertEq(uint256(total), sumRegistry, "total at block = sum of member stakes at block");
        assertEq(uint256(total), sumModel, "total at block = model");

        _checkApkAt(q, quorum, queryBlock, snapBlock);
        _checkIndexAndRetrieverAt(q, ids, queryBlock, snapBlock, members, total);
    }

    /// @notice (b) the apk hash at that block is the hash of the sum of the member keys (zero before any member).
    function _checkApkAt(uint8 q, bytes memory quorum, uint32 queryBlock, uint32 snapBlock) internal view {
        BN254.G1Point memory apk;
        for (uint256 i = 0; i < POOL; ++i) {
            if (!BitmapUtils.isSet(handler.snapBitmap(snapBlock, i), q)) continue;
            (,, BN254.G1Point memory pk1) = handler.operator(i);
            apk = apk.plus(pk1);
        }
        uint32 apkIndex = _apk().getApkIndicesAtBlockNumber(quorum, queryBlock)[0];
        bytes24 apkHash = _apk().getApkHashAtBlockNumberAndIndex(q, queryBlock, apkIndex);
        bytes24 expectedHash = handler.snapEverHadMember(snapBlock, q) ? bytes24(BN254.hashG1Point(apk)) : bytes24(0);
        assertEq(bytes32(apkHash), bytes32(expectedHash), "apk hash at block");
    }

    /// @notice (c) the index registry lists exactly the members, once each; the retriever agrees.
    function _checkIndexAndRetrieverAt(
        uint8 q,
        bytes32[] memory ids,
        uint32 queryBlock,
        uint32 snapBlock,
        uint256 members,
        uint96 total
    ) internal view {
        bytes memory quorum = BitmapUtils.bitmapToBytesArray(uint256(1) << q);
        bytes32[] memory list = _ir().getOperatorListAtBlockNumber(q, queryBlock);
        assertEq(list.length, members, "index registry count at block");
        for (uint256 j = 0; j < list.length; ++j) {
            uint256 op = _indexOf(ids, list[j]);
            assertTrue(BitmapUtils.isSet(handler.snapBitmap(snapBlock, op), q), "listed operator is a member");
            for (uint256 m = 0; m < j; ++m) {
                assertTrue(list[m] != list[j], "listed once");
            }
        }

        // what off-chain readers see agrees
        OperatorStateRetriever.Operator[][] memory state = _osr().getOperatorState(_rc(), quorum, queryBlock);
        uint256 sumRetrieved;
        for (uint256 j = 0; j < state[0].length; ++j) {
            sumRetrieved += state[0][j].stake;
        }
        assertEq(state[0].length, members, "retriever count");
        assertEq(sumRetrieved, uint256(total), "retriever stakes sum to total");
    }

    /// @notice The member's stake at `queryBlock`, read both ways (index then lookup, and by search).
    function _memberStakeAt(bytes32 id, uint8 q, uint32 queryBlock, uint96 expected)
        internal
        view
        returns (uint96 stake)
    {
        uint32 idx = _sr().getStakeUpdateIndexAtBlockNumber(id, q, queryBlock);
        stake = _sr().getStakeAtBlockNumberAndIndex(q, queryBlock, id, idx);
        assertEq(uint256(stake), uint256(expected), "stake at block");
        assertEq(uint256(_sr().getStakeAtBlockNumber(id, q, queryBlock)), uint256(stake), "by search");
    }

    function _indexOf(bytes32[] memory ids, bytes32 id) internal pure returns (uint256) {
        for (uint256 i = 0; i < ids.length; ++i) {
            if (ids[i] == id) return i;
        }
        revert("listed id is not a pool operator");
    }
}
