// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PaymentVaultFixture} from "../harnesses/PaymentVaultFixture.sol";
import {IPaymentVaultErrors, IPaymentVaultEvents} from "../../src/da/interfaces/IPaymentVault.sol";

/// @notice On-demand deposits: anyone pays for any account, deposits only grow, plain transfers are refused.
contract PaymentVaultOnDemandTest is PaymentVaultFixture {
    function test_deposit_creditsTheNamedAccountAndEmits() public {
        vm.deal(bob, 1 ether);
        vm.expectEmit(true, true, false, true, address(vault));
        emit IPaymentVaultEvents.OnDemandDeposited(alice, bob, 0.25 ether, 0.25 ether);
        vm.prank(bob);
        vault.depositOnDemand{value: 0.25 ether}(alice);
        assertEq(vault.getOnDemandTotalDeposit(alice), 0.25 ether);
        assertEq(vault.getOnDemandTotalDeposit(bob), 0, "the payer gets nothing");
        assertEq(address(vault).balance, 0.25 ether);
        assertEq(vault.totalDeposited(), 0.25 ether);
        assertEq(bob.balance, 0.75 ether);
    }

    function test_deposits_accumulate() public {
        _deposit(alice, alice, 1 ether);
        vm.expectEmit(true, true, false, true, address(vault));
        emit IPaymentVaultEvents.OnDemandDeposited(alice, bob, 2 ether, 3 ether);
        _deposit(bob, alice, 2 ether);
        assertEq(vault.getOnDemandTotalDeposit(alice), 3 ether);
        address[] memory accounts = new address[](2);
        accounts[0] = bob;
        accounts[1] = alice;
        uint256[] memory got = vault.getOnDemandTotalDeposits(accounts);
        assertEq(got[0], 0);
        assertEq(got[1], 3 ether);
    }

    function test_RevertIf_zeroDeposit() public {
        vm.prank(alice);
        vm.expectRevert(IPaymentVaultErrors.ZeroDeposit.selector);
        vault.depositOnDemand{value: 0}(alice);
    }

    function test_RevertIf_depositForZeroAccount() public {
        vm.deal(alice, 1 ether);
        vm.prank(alice);
        vm.expectRevert(IPaymentVaultErrors.ZeroAccount.selector);
        vault.depositOnDemand{value: 1 ether}(address(0));
    }

    function test_RevertIf_plainTransfer() public {
        vm.deal(alice, 1 ether);
        vm.prank(alice);
        vm.expectRevert(IPaymentVaultErrors.DirectTransferRefused.selector);
        (bool ok,) = address(vault).call{value: 1 ether}("");
        // expectRevert turns the refused call into a successful one for the test's bookkeeping
        assertTrue(ok);
        assertEq(address(vault).balance, 0);
    }

    /// @notice No function lets an account take its deposit back: the only outflow is owner-only.
    function test_depositorCannotWithdraw() public {
        _deposit(alice, alice, 1 ether);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPaymentVaultErrors.OnlyOwner.selector, alice));
        vault.withdrawToRewards(1 ether);
        assertEq(vault.getOnDemandTotalDeposit(alice), 1 ether);
        assertEq(address(vault).balance, 1 ether);
    }

    /// @notice Accounting: an account's total is the sum of what was deposited for it, whoever paid, and the
    ///         vault holds exactly the sum over all accounts.
    function testFuzz_depositsSumToBalance(uint96[8] memory amounts, uint8[8] memory who) public {
        address[3] memory accounts = [alice, bob, makeAddr("carol")];
        uint256[3] memory expected;
        uint256 total;
        for (uint256 i = 0; i < amounts.length; ++i) {
            uint256 amount = bound(amounts[i], 1, 1000 ether);
            uint256 a = who[i] % 3;
            _deposit(makeAddr("payer"), accounts[a], amount);
            expected[a] += amount;
            total += amount;
        }
        for (uint256 a = 0; a < 3; ++a) {
            assertEq(vault.getOnDemandTotalDeposit(accounts[a]), expected[a], "per-account total");
        }
        assertEq(vault.totalDeposited(), total, "total deposited");
        assertEq(address(vault).balance, total, "balance");
    }
}
