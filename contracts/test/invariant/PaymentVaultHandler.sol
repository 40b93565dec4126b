// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LaminaTest} from "../utils/LaminaTest.sol";
import {PaymentVault} from "../../src/da/PaymentVault.sol";

/// @notice Drives the PaymentVault with random deposits (any payer, any of a few accounts), owner moves of funds
///         and attempts by others to move funds, keeping ghost totals to compare with.
contract PaymentVaultHandler is LaminaTest {
    PaymentVault internal immutable VAULT;
    address internal immutable OWNER;
    address[4] internal accounts;

    /// @notice Sum of successful deposits per account.
    mapping(address account => uint256 amount) public ghostDepositOf;
    /// @notice Sum of all successful deposits.
    uint256 public ghostDeposited;
    /// @notice Sum of all successful moves to rewards.
    uint256 public ghostMoved;
    /// @notice Moves attempted by someone other than the owner that did not revert (must stay 0).
    uint256 public ghostUnauthorisedMoves;

    constructor(PaymentVault vault, address owner) {
        VAULT = vault;
        OWNER = owner;
        accounts = [makeAddr("acct0"), makeAddr("acct1"), makeAddr("acct2"), makeAddr("acct3")];
    }

    function account(uint256 i) external view returns (address) {
        return accounts[i];
    }

    function deposit(uint256 payerSeed, uint256 accountSeed, uint256 amount) external {
        // forge-lint: disable-next-line(unsafe-typecast) -- payerSeed % 5 < 5
        address payer = makeAddr(string(abi.encodePacked("payer", bytes1(uint8(payerSeed % 5)))));
        address acct = accounts[accountSeed % accounts.length];
        amount = bound(amount, 1, 100 ether);
        vm.deal(payer, amount);
        vm.prank(payer);
        VAULT.depositOnDemand{value: amount}(acct);
        ghostDepositOf[acct] += amount;
        ghostDeposited += amount;
    }

    function moveToRewards(uint256 amount) external {
        uint256 balance = address(VAULT).balance;
        if (balance == 0) return;
        amount = bound(amount, 1, balance);
        vm.prank(OWNER);
        VAULT.withdrawToRewards(amount);
        ghostMoved += amount;
    }

    function moveByOther(uint256 accountSeed, uint256 amount) external {
        address caller = accounts[accountSeed % accounts.length];
        vm.prank(caller);
        try VAULT.withdrawToRewards(bound(amount, 1, type(uint128).max)) {
            ghostUnauthorisedMoves += 1;
        } catch {}
    }
}
