// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FourOperatorFixture} from "../harnesses/FourOperatorFixture.sol";
import {OperatorStateRetriever} from "../../src/middleware/OperatorStateRetriever.sol";

contract OperatorStateRetrieverTest is FourOperatorFixture {
    function test_getOperatorState_byQuorum() public view {
        bytes memory quorums = hex"0001";
        OperatorStateRetriever.Operator[][] memory s = retriever.getOperatorState(coordinator, quorums, rbn);
        assertEq(s.length, 2);
        assertEq(s[0].length, 3, "quorum 0: op0, op1, op3 in registration order");
        assertEq(s[0][0].operator, operators[0].addr);
        assertEq(s[0][0].operatorId, operators[0].id);
        assertEq(s[0][0].stake, 120 * E);
        assertEq(s[0][1].stake, 40 * E);
        assertEq(s[0][2].stake, 20 * E);
        assertEq(s[1].length, 3, "quorum 1: op0, op2, op3");
        assertEq(s[1][1].operator, operators[2].addr);
        assertEq(s[1][1].stake, 50 * E);
    }

    function test_getOperatorState_byOperatorId_atOldBlock() public {
        vm.prank(operators[3].addr);
        coordinator.deregisterOperator(hex"00");
        vm.roll(block.number + 1);
        (uint256 bitmapThen, OperatorStateRetriever.Operator[][] memory then) =
            retriever.getOperatorState(coordinator, operators[3].id, rbn);
        assertEq(bitmapThen, 3);
        assertEq(then[0].length, 3);
        (uint256 bitmapNow, OperatorStateRetriever.Operator[][] memory now_) =
            retriever.getOperatorState(coordinator, operators[3].id, uint32(block.number - 1));
        assertEq(bitmapNow, 2);
        assertEq(now_.length, 1, "only quorum 1 now");
        assertEq(now_[0].length, 3);
    }

    function test_getCheckSignaturesIndices() public {
        // give op2 a second stake entry so its index differs from op0's
        vm.roll(block.number + 1);
        _setShares(2, 2, 60 * E);
        address[] memory ops = new address[](1);
        ops[0] = operators[2].addr;
        coordinator.updateOperators(ops);
        vm.roll(block.number + 1);
        uint32 ref = uint32(block.number - 1);

        bytes32[] memory ids = _sortedIds(_list(1, 2));
        OperatorStateRetriever.CheckSignaturesIndices memory idx =
            retriever.getCheckSignaturesIndices(coordinator, ref, hex"0001", ids);
        assertEq(idx.nonSignerQuorumBitmapIndices.length, 2);
        assertEq(idx.quorumApkIndices.length, 2);
        assertEq(idx.totalStakeIndices[0], 1, "q0 total: init entry, then registrations");
        assertEq(idx.totalStakeIndices[1], 2, "q1 total: init, registrations, op2 update");
        assertEq(idx.nonSignerStakeIndices[0].length, 1, "only op1 is a quorum 0 non-signer");
        assertEq(idx.nonSignerStakeIndices[1].length, 1, "only op2 is a quorum 1 non-signer");
        assertEq(idx.nonSignerStakeIndices[1][0], 1, "op2's second stake entry");

        uint256[] memory bitmaps = retriever.getQuorumBitmapsAtBlockNumber(coordinator, ids, ref);
        assertEq(bitmaps[0] | bitmaps[1], 3);
        assertEq(bitmaps[0] & bitmaps[1], 0);
    }
}
