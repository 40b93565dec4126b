// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LaminaSystemFixture} from "../harnesses/LaminaSystemFixture.sol";
import {AVSRegistrarNoop} from "../harnesses/AVSRegistrarNoop.sol";
import {IStrategy} from "../../src/interfaces/IStrategy.sol";
import {IAllocationManagerTypes} from "../../src/interfaces/IAllocationManager.sol";
import {VetoableSlasher} from "../../src/core/VetoableSlasher.sol";
import {IVetoableSlasherErrors, IVetoableSlasherTypes} from "../../src/interfaces/IVetoableSlasher.sol";
import {IBLSSignatureChecker} from "../../src/middleware/interfaces/IBLSSignatureChecker.sol";
import {CertVerifier} from "../../src/da/CertVerifier.sol";

/// @notice Slashing through the core's VetoableSlasher and what the middleware sees: a vetoed request changes
///         nothing; a fulfilled one lowers the operator's stake once the coordinator refreshes it, while
///         certificates over a reference block before the slash still verify with the stake of that block.
/// @dev The service manager does not manage operator sets yet, so the test acts as the AVS (pranking the
///      service manager's address) to create operator set 0 over strategy 0 and appoint the slasher.
contract SlashingHistoryTest is LaminaSystemFixture {
    VetoableSlasher internal slasher;
    address internal slashAuthority = address(0x51A5);
    address internal vetoCommittee = address(0x7E70);
    IStrategy internal strategy0;

    function setUp() public override {
        super.setUp();
        strategy0 = d.strategies[0];
        address avs = address(d.serviceManager);
        slasher = _deployVetoableSlasher(
            d.core, avs, slashAuthority, vetoCommittee, DEVNET_VETO_WINDOW_BLOCKS, DEVNET_STAKE_USE_WINDOW_BLOCKS
        );
        IAllocationManagerTypes.CreateSetParams[] memory sets = new IAllocationManagerTypes.CreateSetParams[](1);
        sets[0].operatorSetId = 0;
        sets[0].strategies = new IStrategy[](1);
        sets[0].strategies[0] = strategy0;
        AVSRegistrarNoop registrar = new AVSRegistrarNoop();
        vm.startPrank(avs);
        d.core.allocationManager.createOperatorSets(avs, sets);
        d.core.allocationManager.setAVSRegistrar(avs, registrar);
        d.core.allocationManager.setAVSSlasher(avs, address(slasher));
        vm.stopPrank();

        // operator 2 joins set 0 and allocates all of its strategy-0 magnitude (allocation delay 0 on devnets)
        uint32[] memory ids = new uint32[](1);
        vm.prank(ops[2]);
        d.core.allocationManager
            .registerForOperatorSets(
                ops[2], IAllocationManagerTypes.RegisterParams({avs: avs, operatorSetIds: ids, data: ""})
            );
        IAllocationManagerTypes.AllocateParams[] memory alloc = new IAllocationManagerTypes.AllocateParams[](1);
        alloc[0].operatorSet = IAllocationManagerTypes.OperatorSet(avs, 0);
        alloc[0].strategies = sets[0].strategies;
        alloc[0].newMagnitudes = new uint64[](1);
        alloc[0].newMagnitudes[0] = 1e18;
        vm.prank(ops[2]);
        d.core.allocationManager.modifyAllocations(ops[2], alloc);
        vm.roll(block.number + 1);
    }

    function _request() internal returns (uint256) {
        IAllocationManagerTypes.SlashingParams memory p;
        p.operator = ops[2];
        p.operatorSetId = 0;
        p.strategies = new IStrategy[](1);
        p.strategies[0] = strategy0;
        p.wadsToSlash = new uint256[](1);
        p.wadsToSlash[0] = 5e17; // half
        p.description = "signed an invalid certificate";
        vm.prank(slashAuthority);
        return slasher.queueSlashingRequest(p);
    }

    function _refresh() internal {
        address[] memory list = new address[](1);
        list[0] = ops[2];
        d.registryCoordinator.updateOperators(list);
    }

    function test_vetoedSlash_leavesStake() public {
        uint256 id = _request();
        vm.prank(vetoCommittee);
        slasher.cancelSlashingRequest(id);
        vm.roll(block.number + DEVNET_VETO_WINDOW_BLOCKS);
        vm.expectRevert(
            abi.encodeWithSelector(
                IVetoableSlasherErrors.SlashingRequestNotRequested.selector,
                id,
                IVetoableSlasherTypes.SlashingRequestStatus.Cancelled
            )
        );
        slasher.fulfillSlashingRequest(id);
        _refresh();
        assertEq(d.stakeRegistry.getCurrentStake(d.registryCoordinator.getOperatorId(ops[2]), 0), 60 * E);
    }

    function test_fulfilledSlash_lowersStake_oldReferenceStillVerifies() public {
        uint32 before = uint32(block.number - 1);
        uint256 id = _request();
        vm.roll(block.number + DEVNET_VETO_WINDOW_BLOCKS);
        slasher.fulfillSlashingRequest(id);
        _refresh();
        bytes32 op2 = d.registryCoordinator.getOperatorId(ops[2]);
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
