// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MiddlewareFixture} from "../harnesses/MiddlewareFixture.sol";
import {RegistryHandler} from "./RegistryHandler.sol";
import {BN254} from "../../src/libraries/BN254.sol";
import {BitmapUtils} from "../../src/libraries/BitmapUtils.sol";
import {IRegistryCoordinator} from "../../src/middleware/interfaces/IRegistryCoordinator.sol";
import {OperatorStateRetriever} from "../../src/middleware/OperatorStateRetriever.sol";

/// @notice Invariants of the registries (RegistryCoordinator, StakeRegistry, BLSApkRegistry, IndexRegistry) under
///         random sequences of registrations, churn, deregistrations, ejections, share changes, stake updates,
///         minimum changes and block advances, checked against the handler's independent model now and at every
///         past block the handler touched (and the blocks between them).
/// @dev Six operators with real BLS keys and proofs of possession; quorum 1 is capped at four operators so churn
///      happens. The current state is checked after every call; the whole history at the end of every run
///      (`afterInvariant`), which keeps `forge test` fast.
contract RegistryInvariantsTest is MiddlewareFixture {
    using BN254 for BN254.G1Point;

    RegistryHandler internal handler;
    uint256 internal constant POOL = 6;

    function setUp() public override {
        super.setUp();
        vm.prank(owner);
        coordinator.setOperatorSetParams(
            1,
            IRegistryCoordinator.OperatorSetParam({
                maxOperatorCount: 4, kickBIPsOfOperatorStake: 11000, kickBIPsOfTotalStake: 5000
            })
        );
        handler =
            new RegistryHandler(coordinator, stakeRegistry, delegation, strategies, owner, ejector, churnApproverKey);
        for (uint256 i = 0; i < POOL; ++i) {
            uint256 op = _newOperator(7000 + i);
            handler.addOperator(operators[op].addr, operators[op].pk1, _pubkeyParams(op));
            for (uint256 s = 0; s < 4; ++s) {
                _setShares(op, s, (i + 1) * (s + 1) * 1e18);
            }
        }
        handler.start();
    }

    /// @notice forge's selector filter (the shape of forge-std's `StdInvariant.FuzzSelector`).
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    /// @notice forge's invariant runner calls only the handler.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice ... and only its actions (not the pool setup).
    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory actions = new bytes4[](9);
        actions[0] = RegistryHandler.register.selector;
        actions[1] = RegistryHandler.deregister.selector;
        actions[2] = RegistryHandler.eject.selector;
        actions[3] = RegistryHandler.setShares.selector;
        actions[4] = RegistryHandler.updateOperators.selector;
        actions[5] = RegistryHandler.updateOperatorsForQuorum.selector;
        actions[6] = RegistryHandler.setMinimumStake.selector;
        actions[7] = RegistryHandler.advance.selector;
        actions[8] = RegistryHandler.advance.selector; // time passes twice as often as anything else
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector({addr: address(handler), selectors: actions});
    }

    // ------------------------------------------------------------------ current state, after every call

    /// @notice Every handler action the model predicts to succeed does (a revert fails the run), and the
    ///         coordinator's bitmaps and statuses match the model.
    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 40
    /// forge-config: ci.invariant.runs = 256
    /// forge-config: ci.invariant.depth = 80
    function invariant_CurrentBitmapsMatchRegistrations() public view {
        for (uint256 i = 0; i < POOL; ++i) {
            (address addr, bytes32 id,) = handler.operator(i);
            uint192 expected = handler.modelBitmap(i);
            assertEq(uint256(coordinator.getCurrentQuorumBitmap(id)), uint256(expected), "current bitmap");
            bool registered = coordinator.getOperatorStatus(addr) == IRegistryCoordinator.OperatorStatus.REGISTERED;
            assertEq(registered, expected != 0, "registered iff in some quorum");
        }
        for (uint8 q = 0; q < 2; ++q) {
            assertEq(indexRegistry.totalOperatorsForQuorum(q), handler.memberCount(q), "index registry count");
            assertLe(handler.memberCount(q), coordinator.getOperatorSetParams(q).maxOperatorCount, "cap");
        }
    }

    /// @notice Operator stakes sum to the quorum's total stake, and each equals the model's.
    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 40
    /// forge-config: ci.invariant.runs = 256
    /// forge-config: ci.invariant.depth = 80
    function invariant_CurrentStakesSumToTotal() public view {
        for (uint8 q = 0; q < 2; ++q) {
            uint256 sum;
            for (uint256 i = 0; i < POOL; ++i) {
                (, bytes32 id,) = handler.operator(i);
                uint96 stake = stakeRegistry.getCurrentStake(id, q);
                assertEq(uint256(stake), uint256(handler.modelStake(i, q)), "current stake");
                if (!BitmapUtils.isSet(handler.modelBitmap(i), q)) assertEq(uint256(stake), 0, "non-member stake 0");
                sum += stake;
            }
            assertEq(uint256(stakeRegistry.getCurrentTotalStake(q)), sum, "total = sum of stakes");
        }
    }

    /// @notice Each quorum's current aggregate key is the sum of its members' G1 keys.
    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 40
    /// forge-config: ci.invariant.runs = 256
    /// forge-config: ci.invariant.depth = 80
    function invariant_CurrentApkIsSumOfMemberKeys() public view {
        for (uint8 q = 0; q < 2; ++q) {
            BN254.G1Point memory expected;
            for (uint256 i = 0; i < POOL; ++i) {
                if (!BitmapUtils.isSet(handler.modelBitmap(i), q)) continue;
                (,, BN254.G1Point memory pk1) = handler.operator(i);
                expected = expected.plus(pk1);
            }
            BN254.G1Point memory apk = apkRegistry.getApk(q);
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
        try coordinator.getQuorumBitmapIndicesAtBlockNumber(queryBlock, one) returns (uint32[] memory idx) {
            uint192 bitmap = coordinator.getQuorumBitmapAtBlockNumberByIndex(id, queryBlock, idx[0]);
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
        uint32 totalIndex = stakeRegistry.getTotalStakeIndicesAtBlockNumber(queryBlock, quorum)[0];
        uint96 total = stakeRegistry.getTotalStakeAtBlockNumberFromIndex(q, queryBlock, totalIndex);
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
        uint32 apkIndex = apkRegistry.getApkIndicesAtBlockNumber(quorum, queryBlock)[0];
        bytes24 apkHash = apkRegistry.getApkHashAtBlockNumberAndIndex(q, queryBlock, apkIndex);
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
        bytes32[] memory list = indexRegistry.getOperatorListAtBlockNumber(q, queryBlock);
        assertEq(list.length, members, "index registry count at block");
        for (uint256 j = 0; j < list.length; ++j) {
            uint256 op = _indexOf(ids, list[j]);
            assertTrue(BitmapUtils.isSet(handler.snapBitmap(snapBlock, op), q), "listed operator is a member");
            for (uint256 m = 0; m < j; ++m) {
                assertTrue(list[m] != list[j], "listed once");
            }
        }

        // what off-chain readers see agrees
        OperatorStateRetriever.Operator[][] memory state = retriever.getOperatorState(coordinator, quorum, queryBlock);
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
        uint32 idx = stakeRegistry.getStakeUpdateIndexAtBlockNumber(id, q, queryBlock);
        stake = stakeRegistry.getStakeAtBlockNumberAndIndex(q, queryBlock, id, idx);
        assertEq(uint256(stake), uint256(expected), "stake at block");
        assertEq(uint256(stakeRegistry.getStakeAtBlockNumber(id, q, queryBlock)), uint256(stake), "by search");
    }

    function _indexOf(bytes32[] memory ids, bytes32 id) internal pure returns (uint256) {
        for (uint256 i = 0; i < ids.length; ++i) {
            if (ids[i] == id) return i;
        }
        revert("listed id is not a pool operator");
    }

    /// @notice A fixed walk through every action (plain registration, churn, partial and full deregistration,
    ///         ejection and re-registration after the cooldown, a drop below the minimum, both update paths),
    ///         checked as the invariant runs check: shows the handler reaches each path instead of skipping it.
    function test_handlerReachesEveryPath() public {
        for (uint256 i = 0; i < 4; ++i) {
            handler.register(i, 2, 0); // quorums 0 and 1
        }
        handler.register(4, 2, 0); // quorum 1 is full and churn takes one quorum at a time: skipped
        assertEq(handler.modelBitmap(4), 0, "skipped");
        handler.register(4, 0, 0); // quorum 0
        assertEq(handler.memberCount(1), 4, "quorum 1 full");
        assertEq(handler.memberCount(0), 5);
        handler.advance(1, 1);
        handler.register(5, 1, 0); // operator 5 (largest stake) churns its way into quorum 1
        assertEq(handler.churns(), 1, "churned");
        handler.deregister(4, 0); // quorum 0 only
        handler.eject(3, 2); // both quorums
        handler.advance(2, 1);
        handler.register(3, 0, 0); // still cooling down: skipped
        assertEq(handler.modelBitmap(3), 0, "cooldown respected");
        // operator 0 (kicked from quorum 1) loses its strategy-0 shares and the minimum rises above the 4e18
        // it has left in quorum 0 (the other members have more)
        handler.setShares(0, 0, 0);
        handler.setMinimumStake(0, 4e18 + 1);
        handler.updateOperators(type(uint256).max);
        assertEq(handler.minimumDrops(), 1, "operator 0 dropped below the minimum");
        handler.setShares(1, 2, 7e20 + 1);
        handler.updateOperatorsForQuorum(1);
        handler.advance(3, 0); // passes the ejection cooldown
        handler.register(3, 0, 0);
        assertEq(handler.modelBitmap(3), 1, "re-registered after the cooldown");
        handler.advance(4, 1);
        invariant_CurrentBitmapsMatchRegistrations();
        invariant_CurrentStakesSumToTotal();
        invariant_CurrentApkIsSumOfMemberKeys();
        afterInvariant();
        assertGe(handler.recordedBlockCount(), 4, "history over several blocks");
    }
}
