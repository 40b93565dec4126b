// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LaminaTest} from "../utils/LaminaTest.sol";
import {PaymentVault} from "../../src/da/PaymentVault.sol";
import {IPaymentVaultTypes} from "../../src/da/interfaces/IPaymentVault.sol";
import {PaymentVaultHandler} from "./PaymentVaultHandler.sol";

/// @notice The vault's accounting under random sequences of deposits and fund moves.
contract PaymentVaultInvariantsTest is LaminaTest {
    PaymentVault internal vault;
    PaymentVaultHandler internal handler;
    address internal rewards;

    function setUp() public {
        address owner = makeAddr("owner");
        rewards = makeAddr("rewards");
        vault = new PaymentVault(
            owner,
            rewards,
            IPaymentVaultTypes.PaymentParams({
                pricePerSymbol: 1 gwei,
                minNumSymbols: 4096,
                onDemandSymbolsPerSecond: 1 << 20,
                onDemandQuorumNumbers: hex"0001"
            })
        );
        handler = new PaymentVaultHandler(vault, owner);
    }

    /// @notice forge's invariant runner calls only the handler.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice Every wei in the vault is a deposit not yet moved to rewards; what moved went to the recipient.
    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 40
    function invariant_BalanceIsDepositsMinusMoved() public view {
        assertEq(vault.totalDeposited(), handler.ghostDeposited(), "total deposited");
        assertEq(vault.totalMovedToRewards(), handler.ghostMoved(), "total moved");
        assertEq(address(vault).balance, vault.totalDeposited() - vault.totalMovedToRewards(), "balance");
        assertEq(rewards.balance, handler.ghostMoved(), "rewards received");
    }

    /// @notice Each account's total is exactly the sum deposited for it, and the totals add up.
    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 40
    function invariant_DepositsSumPerAccount() public view {
        uint256 sum;
        for (uint256 i = 0; i < 4; ++i) {
            address a = handler.account(i);
            assertEq(vault.getOnDemandTotalDeposit(a), handler.ghostDepositOf(a), "account total");
            sum += vault.getOnDemandTotalDeposit(a);
        }
        assertEq(sum, vault.totalDeposited(), "accounts add up");
    }

    /// @notice Nobody but the owner ever moves funds.
    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 40
    function invariant_OnlyOwnerMovesFunds() public view {
        assertEq(handler.ghostUnauthorisedMoves(), 0);
    }
}
