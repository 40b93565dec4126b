// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {LaminaSystemFixture} from "../harnesses/LaminaSystemFixture.sol";
import {IStrategy} from "../../src/interfaces/IStrategy.sol";
import {IAllocationManagerTypes} from "../../src/interfaces/IAllocationManager.sol";
import {IDelegationManagerTypes} from "../../src/interfaces/IDelegationManager.sol";
import {IVetoableSlasherErrors, IVetoableSlasherTypes} from "../../src/interfaces/IVetoableSlasher.sol";
import {IBLSSignatureChecker} from "../../src/middleware/interfaces/IBLSSignatureChecker.sol";
import {CertVerifier} from "../../src/da/CertVerifier.sol";

/// @notice Slashing on the system exactly as `DeployLamina` wires it: the service manager owns operator sets 0
///         and 1 and appointed the deployed VetoableSlasher, whose slasher role and veto committee are the owner
///         (this test contract). Operator 2 signs at a reference block, then tries to flee by queueing a
///         withdrawal and deallocating; a request queued within the stake-use window and fulfilled after the veto
///         window still takes its stake, a vetoed one takes nothing, and the stake history keeps answering for
///         the old reference block.
contract SlashingHistoryTest is LaminaSystemFixture {
    IStrategy internal strategy0;
    IStrategy internal strategy1;
    IAllocationManagerTypes.OperatorSet internal set0;
    bytes32 internal op2;

    function setUp() public override {
        super.setUp();
        strategy0 = d.strategies[0];
        strategy1 = d.strategies[1];
        set0 = IAllocationManagerTypes.OperatorSet(address(d.serviceManager), 0);
        op2 = d.registryCoordinator.getOperatorId(ops[2]);

        // operator 2 joins set 0 (the service manager is its own registrar) and allocates all of its
        // strategy-0 and strategy-1 magnitude; the devnet allocation delay is 0
        uint32[] memory ids = new uint32[](1);
        vm.prank(ops[2]);
        d.core.allocationManager
            .registerForOperatorSets(
                ops[2],
                IAllocationManagerTypes.RegisterParams({avs: address(d.serviceManager), operatorSetIds: ids, data: ""})
            );
        IAllocationManagerTypes.AllocateParams[] memory alloc = new IAllocationManagerTypes.AllocateParams[](1);
        alloc[0].operatorSet = set0;
        alloc[0].strategies = new IStrategy[](2);
        (alloc[0].strategies[0], alloc[0].strategies[1]) = (strategy0, strategy1);
        alloc[0].newMagnitudes = new uint64[](2);
        (alloc[0].newMagnitudes[0], alloc[0].newMagnitudes[1]) = (1e18, 1e18);
        vm.prank(ops[2]);
        d.core.allocationManager.modifyAllocations(ops[2], alloc);
        vm.roll(block.number + 1);
    }

    /// @dev Half of operator 2's strategy-0 allocation to set 0, queued by the slasher role (the owner).
    function _request() internal returns (uint256) {
        IAllocationManagerTypes.SlashingParams memory p;
        p.operator = ops[2];
        p.operatorSetId = 0;
        p.strategies = new IStrategy[](1);
        p.strategies[0] = strategy0;
        p.wadsToSlash = new uint256[](1);
        p.wadsToSlash[0] = 5e17;
        p.description = "signed an invalid certificate";
        return d.vetoableSlasher.queueSlashingRequest(p);
    }

    /// @dev Operator 2 queues a withdrawal of all 30 of its strategy-0 shares and deallocates set 0 entirely.
    function _flee() internal returns (IDelegationManagerTypes.Withdrawal memory w) {
        w = IDelegationManagerTypes.Withdrawal({
            staker: ops[2],
            delegatedTo: ops[2],
            withdrawer: ops[2],
            nonce: d.core.delegationManager.cumulativeWithdrawalsQueued(ops[2]),
            startBlock: uint32(block.number),
            strategies: new IStrategy[](1),
            scaledShares: new uint256[](1)
        });
        w.strategies[0] = strategy0;
        w.scaledShares[0] = 30 * E; // no slash yet: scaled shares = deposit shares
        IDelegationManagerTypes.QueuedWithdrawalParams[] memory params =
            new IDelegationManagerTypes.QueuedWithdrawalParams[](1);
        params[0] = IDelegationManagerTypes.QueuedWithdrawalParams({
            strategies: w.strategies, depositShares: w.scaledShares, withdrawer: ops[2]
        });
        vm.prank(ops[2]);
        d.core.delegationManager.queueWithdrawals(params);

        IAllocationManagerTypes.AllocateParams[] memory alloc = new IAllocationManagerTypes.AllocateParams[](1);
        alloc[0].operatorSet = set0;
        alloc[0].strategies = new IStrategy[](2);
        (alloc[0].strategies[0], alloc[0].strategies[1]) = (strategy0, strategy1);
        alloc[0].newMagnitudes = new uint64[](2); // both to 0: pending for DEALLOCATION_DELAY blocks
        vm.prank(ops[2]);
        d.core.allocationManager.modifyAllocations(ops[2], alloc);
        assertEq(d.core.allocationManager.getAllocation(ops[2], set0, strategy0).currentMagnitude, 1e18);
    }

    function _refresh() internal {
        address[] memory list = new address[](1);
        list[0] = ops[2];
        d.registryCoordinator.updateOperators(list);
    }

    function _completeAsTokens(IDelegationManagerTypes.Withdrawal memory w) internal returns (uint256 received) {
        IERC20[] memory tokens = new IERC20[](1);
        tokens[0] = IERC20(address(d.tokens[0]));
        uint256 before = d.tokens[0].balanceOf(ops[2]);
        vm.prank(ops[2]);
        d.core.delegationManager.completeQueuedWithdrawal(w, tokens, true);
        received = d.tokens[0].balanceOf(ops[2]) - before;
    }

    function test_fleeingSigner_slashedAfterVetoWindow() public {
        // every operator signs a certificate over reference block `ref`
        uint32 ref = uint32(block.number - 1);
        assertEq(d.certVerifier.checkDACert(abi.encode(_cert(ref, 3))), uint8(CertVerifier.StatusCode.SUCCESS));

        IDelegationManagerTypes.Withdrawal memory w = _flee();
        _refresh();
        // quorum 0: strategy 0 withdrawn, strategy 1 (30) left
        assertEq(d.stakeRegistry.getCurrentStake(op2, 0), 30 * E, "registry after fleeing");

        // the fraud is found at the end of the stake-use window; the request sits out the veto window
        vm.roll(uint256(ref) + d.vetoableSlasher.STAKE_USE_WINDOW_BLOCKS());
        uint256 id = _request();
        vm.roll(block.number + d.vetoableSlasher.VETO_WINDOW_BLOCKS());
        assertLe(block.number, uint256(w.startBlock) + d.core.delegationManager.minWithdrawalDelayBlocks());
        vm.prank(address(0xF00D)); // anyone may fulfil
        d.vetoableSlasher.fulfillSlashingRequest(id);

        // the queued withdrawal and the pending deallocation both lost half
        assertEq(d.core.delegationManager.getSlashableSharesInQueue(ops[2], strategy0), 15 * E, "queue halved");
        IAllocationManagerTypes.Allocation memory a = d.core.allocationManager.getAllocation(ops[2], set0, strategy0);
        assertEq(a.currentMagnitude, 5e17, "allocation halved");
        assertEq(d.core.allocationManager.getMaxMagnitude(ops[2], strategy0), 5e17);
        assertEq(d.core.allocationManager.getMaxMagnitude(ops[2], strategy1), 1e18, "strategy 1 untouched");

        vm.roll(uint256(w.startBlock) + d.core.delegationManager.minWithdrawalDelayBlocks() + 1);
        assertEq(_completeAsTokens(w), 15 * E, "the fleeing operator gets half of its 30 tokens");

        // the old reference block's stake still answers
        assertEq(d.stakeRegistry.getStakeAtBlockNumber(op2, 0, ref), 60 * E, "stake at ref");
        (IBLSSignatureChecker.QuorumStakeTotals memory t,) =
            d.serviceManager.checkSignatures(keccak256("m"), hex"0001", ref, _sign(keccak256("m"), ref, 3));
        assertEq(t.totalStakeForQuorum[0], 120 * E, "total at ref");
        assertEq(t.signedStakeForQuorum[0], 120 * E, "signed at ref");
    }

    function test_vetoedRequest_changesNothing() public {
        uint32 ref = uint32(block.number - 1);
        IDelegationManagerTypes.Withdrawal memory w = _flee();
        uint256 id = _request();
        d.vetoableSlasher.cancelSlashingRequest(id); // the owner is the veto committee
        vm.roll(block.number + d.vetoableSlasher.VETO_WINDOW_BLOCKS());
        vm.expectRevert(
            abi.encodeWithSelector(
                IVetoableSlasherErrors.SlashingRequestNotRequested.selector,
                id,
                IVetoableSlasherTypes.SlashingRequestStatus.Cancelled
            )
        );
        d.vetoableSlasher.fulfillSlashingRequest(id);

        assertEq(d.core.delegationManager.getSlashableSharesInQueue(ops[2], strategy0), 30 * E);
        assertEq(d.core.allocationManager.getMaxMagnitude(ops[2], strategy0), 1e18);
        vm.roll(uint256(w.startBlock) + d.core.delegationManager.minWithdrawalDelayBlocks() + 1);
        assertEq(_completeAsTokens(w), 30 * E, "all 30 tokens back");
        assertEq(d.stakeRegistry.getStakeAtBlockNumber(op2, 0, ref), 60 * E, "stake at ref");
    }

    function test_fulfilledSlash_lowersStake_oldReferenceStillVerifies() public {
        uint32 before = uint32(block.number - 1);
        uint256 id = _request();
        vm.roll(block.number + d.vetoableSlasher.VETO_WINDOW_BLOCKS());
        d.vetoableSlasher.fulfillSlashingRequest(id);
        _refresh();
        // quorum 0 = strategy 0 + strategy 1: 30 + 30 before, 15 + 30 after halving strategy 0
        assertEq(d.stakeRegistry.getCurrentStake(op2, 0), 45 * E, "slashed stake");
        assertEq(d.stakeRegistry.getCurrentStake(op2, 1), 60 * E, "quorum 1 untouched");
        vm.roll(block.number + 1);

        // a certificate referencing the pre-slash block still verifies, with the pre-slash stake
        assertEq(d.certVerifier.checkDACert(abi.encode(_cert(before, 0))), uint8(CertVerifier.StatusCode.SUCCESS));
        (IBLSSignatureChecker.QuorumStakeTotals memory t,) =
            d.serviceManager.checkSignatures(keccak256("m"), hex"0001", before, _sign(keccak256("m"), before, 2));
        assertEq(t.totalStakeForQuorum[0], 120 * E, "pre-slash total");
        assertEq(t.signedStakeForQuorum[0], 60 * E, "pre-slash: 120 - operator 2's 60");

        uint32 afterSlash = uint32(block.number - 1);
        (t,) = d.serviceManager
            .checkSignatures(keccak256("m"), hex"0001", afterSlash, _sign(keccak256("m"), afterSlash, 2));
        assertEq(t.totalStakeForQuorum[0], 105 * E, "post-slash total");
        assertEq(t.signedStakeForQuorum[0], 60 * E);
    }
}
