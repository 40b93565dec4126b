// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PaymentVaultFixture} from "../harnesses/PaymentVaultFixture.sol";
import {IPaymentVaultErrors, IPaymentVaultEvents} from "../../src/da/interfaces/IPaymentVault.sol";

/// @notice A rewards recipient that refuses ether.
contract RefusingRecipient {
    error Refused();

    receive() external payable {
        revert Refused();
    }
}

/// @notice A rewards recipient that tries to pull more out of the vault while being paid.
contract ReenteringRecipient {
    address internal immutable VAULT;
    bool public reentryFailed;

    constructor(address vault) {
        VAULT = vault;
    }

    receive() external payable {
        (bool ok,) = VAULT.call(abi.encodeWithSignature("withdrawToRewards(uint256)", msg.value));
        reentryFailed = !ok;
    }
}

/// @notice Fund movement: only the owner, only to the rewards recipient, never more than the vault holds.
contract PaymentVaultFundsTest is PaymentVaultFixture {
    function setUp() public override {
        super.setUp();
        _deposit(alice, alice, 3 ether);
        _deposit(bob, bob, 1 ether);
    }

    function test_withdrawToRewards_paysTheRecipient() public {
        vm.expectEmit(true, false, false, true, address(vault));
        emit IPaymentVaultEvents.FundsMovedToRewards(rewards, 1.5 ether);
        vm.prank(owner);
        vault.withdrawToRewards(1.5 ether);
        assertEq(rewards.balance, 1.5 ether);
        assertEq(owner.balance, 0, "the owner never receives funds");
        assertEq(address(vault).balance, 2.5 ether);
        assertEq(vault.totalMovedToRewards(), 1.5 ether);
        // deposits are what accounts paid in: moving funds does not reduce them
        assertEq(vault.getOnDemandTotalDeposit(alice), 3 ether);
        assertEq(vault.totalDeposited(), 4 ether);
    }

    function test_RevertIf_notOwner() public {
        address[3] memory others = [alice, rewards, bob];
        for (uint256 i = 0; i < others.length; ++i) {
            vm.prank(others[i]);
            vm.expectRevert(abi.encodeWithSelector(IPaymentVaultErrors.OnlyOwner.selector, others[i]));
            vault.withdrawToRewards(1);
        }
        assertEq(address(vault).balance, 4 ether);
    }

    function test_RevertIf_moreThanTheBalance() public {
        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentVaultErrors.InsufficientVaultBalance.selector, 4 ether + 1, 4 ether)
        );
        vault.withdrawToRewards(4 ether + 1);
    }

    function test_RevertIf_zeroAmount() public {
        vm.prank(owner);
        vm.expectRevert(IPaymentVaultErrors.ZeroAmount.selector);
        vault.withdrawToRewards(0);
    }

    function test_RevertIf_recipientRefuses() public {
        RefusingRecipient refusing = new RefusingRecipient();
        vm.startPrank(owner);
        vault.setRewardsRecipient(address(refusing));
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentVaultErrors.RewardsTransferFailed.selector, address(refusing), 1 ether)
        );
        vault.withdrawToRewards(1 ether);
        vm.stopPrank();
        assertEq(address(vault).balance, 4 ether);
        assertEq(vault.totalMovedToRewards(), 0, "a failed move is rolled back");
    }

    /// @notice A recipient re-entering `withdrawToRewards` is not the owner: its nested call fails and only the
    ///         owner's amount moves.
    function test_reenteringRecipientGetsOnlyTheOwnersAmount() public {
        ReenteringRecipient reentering = new ReenteringRecipient(address(vault));
        vm.startPrank(owner);
        vault.setRewardsRecipient(address(reentering));
        vault.withdrawToRewards(1 ether);
        vm.stopPrank();
        assertTrue(reentering.reentryFailed());
        assertEq(address(reentering).balance, 1 ether);
        assertEq(address(vault).balance, 3 ether);
    }

    /// @notice Whatever is moved, the vault's balance stays total deposits minus what went to rewards.
    function testFuzz_balanceIsDepositsMinusMoved(uint96 deposit, uint96 moved) public {
        uint256 d = bound(deposit, 1, 1000 ether);
        _deposit(makeAddr("carol"), makeAddr("carol"), d);
        uint256 available = address(vault).balance;
        uint256 m = bound(moved, 1, available);
        vm.prank(owner);
        vault.withdrawToRewards(m);
        assertEq(address(vault).balance, vault.totalDeposited() - vault.totalMovedToRewards());
        assertEq(rewards.balance, m);
        assertEq(vault.totalDeposited(), 4 ether + d);
    }
}
