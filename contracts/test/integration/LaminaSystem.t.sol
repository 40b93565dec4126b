// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LaminaSystemFixture} from "../harnesses/LaminaSystemFixture.sol";
import {IStrategy} from "../../src/interfaces/IStrategy.sol";
import {IDelegationManagerTypes} from "../../src/interfaces/IDelegationManager.sol";
import {IBLSSignatureChecker} from "../../src/middleware/interfaces/IBLSSignatureChecker.sol";
import {DATypes} from "../../src/da/DATypes.sol";
import {CertVerifier} from "../../src/da/CertVerifier.sol";
import {LaminaServiceManager} from "../../src/da/LaminaServiceManager.sol";
import {IPaymentVaultTypes} from "../../src/da/interfaces/IPaymentVault.sol";

/// @notice The deployed system end to end: deposits -> operator registration -> signed certificate ->
///         checkDACert / confirmBatch, then a withdrawal lowering stake while old reference blocks still verify.
contract LaminaSystemTest is LaminaSystemFixture {
    /// @notice registerOperator gas with the real AVSDirectory (ECDSA consent check), for docs/gas.md. The
    ///         third operator registers into quorums that already have members (warm-ish storage paths are
    ///         not reused: every slot it writes is new).
    function test_gas_registerOperator_realCore() public {
        vm.snapshotValue("registerOperator_2q_real_avs_directory", lastRegistrationGas);
        assertGt(lastRegistrationGas, 0);
    }

    function test_registrationThroughRealCore() public view {
        for (uint256 i = 0; i < 3; ++i) {
            assertEq(
                uint256(d.core.avsDirectory.avsOperatorStatus(address(d.serviceManager), ops[i])), 1, "AVS registered"
            );
        }
        // quorum 0 = strategies 0 + 1 at 1x: operator i has 2 * (i + 1) * 10 tokens of weight
        assertEq(d.stakeRegistry.getCurrentStake(d.registryCoordinator.getOperatorId(ops[1]), 0), 40 * E);
        assertEq(d.stakeRegistry.getCurrentTotalStake(0), 120 * E);
        assertEq(d.stakeRegistry.getCurrentTotalStake(1), 120 * E);
    }

    /// @notice The deployment's PaymentVault: the devnet parameters, owner-governed; and the gas of a deposit and of
    ///         setting a reservation, for docs/gas.md.
    function test_paymentVaultDeployed() public {
        IPaymentVaultTypes.PaymentParams memory p = d.paymentVault.getPaymentParams();
        assertEq(p.pricePerSymbol, PRICE_PER_SYMBOL);
        assertEq(p.minNumSymbols, MIN_NUM_SYMBOLS);
        assertEq(p.onDemandSymbolsPerSecond, ON_DEMAND_SYMBOLS_PER_SECOND);
        assertEq(p.onDemandQuorumNumbers, _requiredQuorums());
        assertEq(d.paymentVault.owner(), address(this));
        assertEq(d.paymentVault.rewardsRecipient(), address(d.serviceManager), "fees go to the AVS, for rewards");

        address account = makeAddr("payer");
        vm.deal(account, 1 ether);
        vm.prank(account);
        vm.startSnapshotGas("depositOnDemand_first");
        d.paymentVault.depositOnDemand{value: 0.5 ether}(account);
        vm.stopSnapshotGas();
        vm.prank(account);
        vm.startSnapshotGas("depositOnDemand_again");
        d.paymentVault.depositOnDemand{value: 0.5 ether}(account);
        vm.stopSnapshotGas();
        assertEq(d.paymentVault.getOnDemandTotalDeposit(account), 1 ether);

        IPaymentVaultTypes.Reservation memory r = IPaymentVaultTypes.Reservation({
            symbolsPerSecond: 1024,
            startTimestamp: uint64(block.timestamp),
            endTimestamp: uint64(block.timestamp + 30 days),
            quorumNumbers: hex"0001",
            quorumSplits: hex"3232"
        });
        vm.startSnapshotGas("setReservation_2q_new");
        d.paymentVault.setReservation(account, r);
        vm.stopSnapshotGas();
        assertEq(d.paymentVault.getReservation(account).symbolsPerSecond, 1024);
    }

    function test_certificateAndBatchConfirmation() public {
        uint32 ref = uint32(block.number - 1);
        assertEq(d.certVerifier.checkDACert(abi.encode(_cert(ref, 3))), uint8(CertVerifier.StatusCode.SUCCESS));
        // operator 0 (20 of 120 = 17%) silent: 83% signed, still confirmed
        assertEq(d.certVerifier.checkDACert(abi.encode(_cert(ref, 0))), uint8(CertVerifier.StatusCode.SUCCESS));
        // operator 2 (60 of 120 = 50%) silent: 50% < 55%
        assertEq(d.certVerifier.checkDACert(abi.encode(_cert(ref, 2))), uint8(CertVerifier.StatusCode.INVALID_CERT));

        DATypes.BatchHeader memory h = DATypes.BatchHeader({
            blobHeadersRoot: keccak256("root"),
            quorumNumbers: hex"0001",
            signedStakeForQuorums: hex"3737",
            referenceBlockNumber: ref
        });
        bytes32 reduced = keccak256(abi.encode(DATypes.ReducedBatchHeader(h.blobHeadersRoot, ref)));
        IBLSSignatureChecker.NonSignerStakesAndSignature memory sig = _sign(reduced, ref, 0);
        // The deployment appoints no batch confirmer, not even its owner: nodes sign for confirmers only.
        assertFalse(d.serviceManager.isBatchConfirmer(address(this)), "owner is not a batch confirmer");
        vm.expectRevert(abi.encodeWithSelector(LaminaServiceManager.OnlyBatchConfirmer.selector, address(this)));
        d.serviceManager.confirmBatch(h, sig);
        address disperser = makeAddr("disperser");
        d.serviceManager.setBatchConfirmer(disperser, true);
        vm.prank(disperser);
        d.serviceManager.confirmBatch(h, sig);
        assertEq(d.serviceManager.batchId(), 1);
    }

    function test_withdrawalLowersStake_oldReferenceStillVerifies() public {
        uint32 oldRef = uint32(block.number - 1);
        // operator 2 queues a withdrawal of all its strategy-2 shares (quorum 1 weight 60 -> 30)
        IStrategy[] memory strategies = new IStrategy[](1);
        strategies[0] = d.strategies[2];
        uint256[] memory shares = new uint256[](1);
        shares[0] = 30 * E;
        IDelegationManagerTypes.QueuedWithdrawalParams[] memory params =
            new IDelegationManagerTypes.QueuedWithdrawalParams[](1);
        params[0] = IDelegationManagerTypes.QueuedWithdrawalParams({
            strategies: strategies, depositShares: shares, withdrawer: ops[2]
        });
        vm.prank(ops[2]);
        d.core.delegationManager.queueWithdrawals(params);
        address[] memory list = new address[](1);
        list[0] = ops[2];
        d.registryCoordinator.updateOperators(list);
        assertEq(d.stakeRegistry.getCurrentTotalStake(1), 90 * E);
        vm.roll(block.number + 1);

        // the certificate over the old reference block is still valid, with the old stakes
        assertEq(d.certVerifier.checkDACert(abi.encode(_cert(oldRef, 0))), uint8(CertVerifier.StatusCode.SUCCESS));
        (IBLSSignatureChecker.QuorumStakeTotals memory t,) =
            d.serviceManager.checkSignatures(keccak256("m"), hex"0001", oldRef, _sign(keccak256("m"), oldRef, 2));
        assertEq(t.totalStakeForQuorum[1], 120 * E, "old total");
        uint32 newRef = uint32(block.number - 1);
        (t,) = d.serviceManager.checkSignatures(keccak256("m"), hex"0001", newRef, _sign(keccak256("m"), newRef, 2));
        assertEq(t.totalStakeForQuorum[1], 90 * E, "new total");
        assertEq(t.signedStakeForQuorum[1], 60 * E, "90 - operator 2's remaining 30");
    }
}
