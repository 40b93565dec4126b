// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PaymentVaultFixture} from "../harnesses/PaymentVaultFixture.sol";
import {IPaymentVaultErrors, IPaymentVaultEvents, IPaymentVaultTypes} from "../../src/da/interfaces/IPaymentVault.sol";

/// @notice Reservations: set by the owner only, validated, replaced, cancelled, read back, with events.
contract PaymentVaultReservationsTest is PaymentVaultFixture {
    function test_setReservation_storesAndEmits() public {
        IPaymentVaultTypes.Reservation memory r = _validReservation();
        vm.expectEmit(true, false, false, true, address(vault));
        emit IPaymentVaultEvents.ReservationUpdated(alice, r);
        vm.prank(owner);
        vault.setReservation(alice, r);

        IPaymentVaultTypes.Reservation memory got = vault.getReservation(alice);
        assertEq(got.symbolsPerSecond, 1024);
        assertEq(got.startTimestamp, 1000);
        assertEq(got.endTimestamp, 1000 + 1 days);
        assertEq(got.quorumNumbers, hex"0001");
        assertEq(got.quorumSplits, hex"3232");
        assertEq(vault.getReservation(bob).symbolsPerSecond, 0, "others have none");
    }

    function test_setReservation_replacesThePreviousOne() public {
        vm.startPrank(owner);
        vault.setReservation(alice, _validReservation());
        vault.setReservation(alice, _reservation(7, 5, 6, hex"01", hex"64"));
        vm.stopPrank();
        IPaymentVaultTypes.Reservation memory got = vault.getReservation(alice);
        assertEq(got.symbolsPerSecond, 7);
        assertEq(got.startTimestamp, 5);
        assertEq(got.endTimestamp, 6);
        assertEq(got.quorumNumbers, hex"01");
        assertEq(got.quorumSplits, hex"64");
    }

    function test_getReservations_inOrder() public {
        vm.startPrank(owner);
        vault.setReservation(alice, _validReservation());
        vault.setReservation(bob, _reservation(9, 1, 2, hex"00", hex"64"));
        vm.stopPrank();
        address[] memory accounts = new address[](3);
        accounts[0] = bob;
        accounts[1] = makeAddr("nobody");
        accounts[2] = alice;
        IPaymentVaultTypes.Reservation[] memory got = vault.getReservations(accounts);
        assertEq(got.length, 3);
        assertEq(got[0].symbolsPerSecond, 9);
        assertEq(got[1].symbolsPerSecond, 0);
        assertEq(got[1].quorumNumbers, hex"");
        assertEq(got[2].symbolsPerSecond, 1024);
    }

    function test_cancelReservation_deletesAndEmitsZeros() public {
        vm.prank(owner);
        vault.setReservation(alice, _validReservation());
        vm.expectEmit(true, false, false, true, address(vault));
        emit IPaymentVaultEvents.ReservationUpdated(alice, _reservation(0, 0, 0, hex"", hex""));
        vm.prank(owner);
        vault.cancelReservation(alice);
        IPaymentVaultTypes.Reservation memory got = vault.getReservation(alice);
        assertEq(got.symbolsPerSecond, 0);
        assertEq(got.endTimestamp, 0);
        assertEq(got.quorumNumbers, hex"");
    }

    function test_RevertIf_cancelWithoutReservation() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IPaymentVaultErrors.NoReservation.selector, alice));
        vault.cancelReservation(alice);
    }

    function test_RevertIf_notOwner() public {
        IPaymentVaultTypes.Reservation memory r = _validReservation();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPaymentVaultErrors.OnlyOwner.selector, alice));
        vault.setReservation(alice, r);
        vm.prank(owner);
        vault.setReservation(alice, r);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPaymentVaultErrors.OnlyOwner.selector, alice));
        vault.cancelReservation(alice);
    }

    function test_RevertIf_zeroAccount() public {
        IPaymentVaultTypes.Reservation memory r = _validReservation();
        vm.prank(owner);
        vm.expectRevert(IPaymentVaultErrors.ZeroAccount.selector);
        vault.setReservation(address(0), r);
    }

    function test_RevertIf_zeroRate() public {
        IPaymentVaultTypes.Reservation memory r = _reservation(0, 1, 2, hex"00", hex"64");
        vm.prank(owner);
        vm.expectRevert(IPaymentVaultErrors.ZeroSymbolsPerSecond.selector);
        vault.setReservation(alice, r);
    }

    function test_RevertIf_endNotAfterStart() public {
        IPaymentVaultTypes.Reservation memory r = _reservation(1, 5, 5, hex"00", hex"64");
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IPaymentVaultErrors.InvalidReservationPeriod.selector, 5, 5));
        vault.setReservation(alice, r);
        r = _reservation(1, 6, 5, hex"00", hex"64");
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IPaymentVaultErrors.InvalidReservationPeriod.selector, 6, 5));
        vault.setReservation(alice, r);
    }

    function test_RevertIf_noQuorums() public {
        IPaymentVaultTypes.Reservation memory r = _reservation(1, 1, 2, hex"", hex"");
        vm.prank(owner);
        vm.expectRevert(IPaymentVaultErrors.NoQuorums.selector);
        vault.setReservation(alice, r);
    }

    function test_RevertIf_quorumsNotStrictlyAscending() public {
        bytes[3] memory bad = [bytes(hex"0100"), bytes(hex"0101"), bytes(hex"00c0")];
        for (uint256 i = 0; i < bad.length; ++i) {
            IPaymentVaultTypes.Reservation memory r = _reservation(1, 1, 2, bad[i], hex"3232");
            vm.prank(owner);
            vm.expectRevert(abi.encodeWithSelector(IPaymentVaultErrors.InvalidQuorumNumbers.selector, bad[i]));
            vault.setReservation(alice, r);
        }
    }

    function test_RevertIf_splitsDoNotMatchQuorums() public {
        IPaymentVaultTypes.Reservation memory r = _reservation(1, 1, 2, hex"0001", hex"64");
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IPaymentVaultErrors.QuorumSplitsLengthMismatch.selector, 2, 1));
        vault.setReservation(alice, r);
    }

    function test_RevertIf_splitsDoNotSumTo100() public {
        IPaymentVaultTypes.Reservation memory r = _reservation(1, 1, 2, hex"0001", hex"3233");
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IPaymentVaultErrors.QuorumSplitsSumNot100.selector, 101));
        vault.setReservation(alice, r);
    }

    /// @notice Any split of 100 over two quorums is accepted; any other sum is refused by name.
    function testFuzz_splitsMustSumTo100(uint8 a, uint8 b) public {
        IPaymentVaultTypes.Reservation memory r =
            _reservation(1, 1, 2, hex"0003", abi.encodePacked(bytes1(a), bytes1(b)));
        uint256 sum = uint256(a) + uint256(b);
        vm.prank(owner);
        if (sum != 100) {
            vm.expectRevert(abi.encodeWithSelector(IPaymentVaultErrors.QuorumSplitsSumNot100.selector, sum));
        }
        vault.setReservation(alice, r);
        assertEq(vault.getReservation(alice).symbolsPerSecond, sum == 100 ? 1 : 0);
    }

    /// @notice The period rule: accepted iff end > start.
    function testFuzz_periodMustBeNonEmpty(uint64 start, uint64 end) public {
        IPaymentVaultTypes.Reservation memory r = _reservation(3, start, end, hex"00", hex"64");
        vm.prank(owner);
        if (end <= start) {
            vm.expectRevert(abi.encodeWithSelector(IPaymentVaultErrors.InvalidReservationPeriod.selector, start, end));
        }
        vault.setReservation(alice, r);
        assertEq(vault.getReservation(alice).endTimestamp, end > start ? end : 0);
    }
}
