// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PaymentVaultFixture} from "../harnesses/PaymentVaultFixture.sol";
import {PaymentVault} from "../../src/da/PaymentVault.sol";
import {IPaymentVaultErrors, IPaymentVaultEvents, IPaymentVaultTypes} from "../../src/da/interfaces/IPaymentVault.sol";

/// @notice Global parameters and governance: the constructor validates like the setters, every setter is
///         owner-only, validates its value by name and emits previous and current.
contract PaymentVaultParamsTest is PaymentVaultFixture {
    function test_constructor_setsEverything() public view {
        assertEq(vault.owner(), owner);
        assertEq(vault.rewardsRecipient(), rewards);
        IPaymentVaultTypes.PaymentParams memory p = vault.getPaymentParams();
        assertEq(p.pricePerSymbol, PRICE);
        assertEq(p.minNumSymbols, MIN_SYMBOLS);
        assertEq(p.onDemandSymbolsPerSecond, ON_DEMAND_RATE);
        assertEq(p.onDemandQuorumNumbers, hex"0001");
        assertEq(vault.pricePerSymbol(), PRICE);
        assertEq(vault.minNumSymbols(), MIN_SYMBOLS);
        assertEq(vault.onDemandSymbolsPerSecond(), ON_DEMAND_RATE);
        assertEq(vault.onDemandQuorumNumbers(), hex"0001");
    }

    function test_RevertIf_constructorGetsInvalidParams() public {
        vm.expectRevert(IPaymentVaultErrors.ZeroPricePerSymbol.selector);
        new PaymentVault(owner, rewards, _params(0, 1, 1, hex"00"));
        vm.expectRevert(IPaymentVaultErrors.ZeroMinNumSymbols.selector);
        new PaymentVault(owner, rewards, _params(1, 0, 1, hex"00"));
        vm.expectRevert(IPaymentVaultErrors.ZeroOnDemandSymbolsPerSecond.selector);
        new PaymentVault(owner, rewards, _params(1, 1, 0, hex"00"));
        vm.expectRevert(IPaymentVaultErrors.NoQuorums.selector);
        new PaymentVault(owner, rewards, _params(1, 1, 1, hex""));
        vm.expectRevert(IPaymentVaultErrors.ZeroRewardsRecipient.selector);
        new PaymentVault(owner, address(0), _params(1, 1, 1, hex"00"));
    }

    function test_setters_updateAndEmit() public {
        vm.startPrank(owner);
        vm.expectEmit(address(vault));
        emit IPaymentVaultEvents.PricePerSymbolUpdated(PRICE, 7);
        vault.setPricePerSymbol(7);
        vm.expectEmit(address(vault));
        emit IPaymentVaultEvents.MinNumSymbolsUpdated(MIN_SYMBOLS, 32);
        vault.setMinNumSymbols(32);
        vm.expectEmit(address(vault));
        emit IPaymentVaultEvents.OnDemandSymbolsPerSecondUpdated(ON_DEMAND_RATE, 99);
        vault.setOnDemandSymbolsPerSecond(99);
        vm.expectEmit(address(vault));
        emit IPaymentVaultEvents.OnDemandQuorumNumbersUpdated(hex"0001", hex"02");
        vault.setOnDemandQuorumNumbers(hex"02");
        address next = makeAddr("next rewards");
        vm.expectEmit(address(vault));
        emit IPaymentVaultEvents.RewardsRecipientUpdated(rewards, next);
        vault.setRewardsRecipient(next);
        vm.stopPrank();

        IPaymentVaultTypes.PaymentParams memory p = vault.getPaymentParams();
        assertEq(p.pricePerSymbol, 7);
        assertEq(p.minNumSymbols, 32);
        assertEq(p.onDemandSymbolsPerSecond, 99);
        assertEq(p.onDemandQuorumNumbers, hex"02");
        assertEq(vault.rewardsRecipient(), next);
    }

    function test_RevertIf_settersGetInvalidValues() public {
        vm.startPrank(owner);
        vm.expectRevert(IPaymentVaultErrors.ZeroPricePerSymbol.selector);
        vault.setPricePerSymbol(0);
        vm.expectRevert(IPaymentVaultErrors.ZeroMinNumSymbols.selector);
        vault.setMinNumSymbols(0);
        vm.expectRevert(IPaymentVaultErrors.ZeroOnDemandSymbolsPerSecond.selector);
        vault.setOnDemandSymbolsPerSecond(0);
        vm.expectRevert(IPaymentVaultErrors.NoQuorums.selector);
        vault.setOnDemandQuorumNumbers(hex"");
        vm.expectRevert(abi.encodeWithSelector(IPaymentVaultErrors.InvalidQuorumNumbers.selector, hex"0201"));
        vault.setOnDemandQuorumNumbers(hex"0201");
        vm.expectRevert(IPaymentVaultErrors.ZeroRewardsRecipient.selector);
        vault.setRewardsRecipient(address(0));
        vm.stopPrank();
        // nothing changed
        IPaymentVaultTypes.PaymentParams memory p = vault.getPaymentParams();
        assertEq(p.pricePerSymbol, PRICE);
        assertEq(p.minNumSymbols, MIN_SYMBOLS);
        assertEq(p.onDemandSymbolsPerSecond, ON_DEMAND_RATE);
        assertEq(p.onDemandQuorumNumbers, hex"0001");
        assertEq(vault.rewardsRecipient(), rewards);
    }

    function test_RevertIf_settersCalledByOthers() public {
        bytes memory onlyOwner = abi.encodeWithSelector(IPaymentVaultErrors.OnlyOwner.selector, alice);
        vm.startPrank(alice);
        vm.expectRevert(onlyOwner);
        vault.setPricePerSymbol(1);
        vm.expectRevert(onlyOwner);
        vault.setMinNumSymbols(1);
        vm.expectRevert(onlyOwner);
        vault.setOnDemandSymbolsPerSecond(1);
        vm.expectRevert(onlyOwner);
        vault.setOnDemandQuorumNumbers(hex"00");
        vm.expectRevert(onlyOwner);
        vault.setRewardsRecipient(alice);
        vm.expectRevert(onlyOwner);
        vault.transferOwnership(alice);
        vm.stopPrank();
        assertEq(vault.owner(), owner);
    }

    function test_transferOwnership_movesEveryPower() public {
        vm.expectEmit(true, true, false, false, address(vault));
        emit IPaymentVaultEvents.OwnershipTransferred(owner, bob);
        vm.prank(owner);
        vault.transferOwnership(bob);
        assertEq(vault.owner(), bob);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IPaymentVaultErrors.OnlyOwner.selector, owner));
        vault.setPricePerSymbol(2);
        vm.prank(bob);
        vault.setPricePerSymbol(2);
        assertEq(vault.pricePerSymbol(), 2);
    }

    /// @notice Any strictly ascending list below 192 is accepted; anything else is refused by name.
    function testFuzz_onDemandQuorumsMustBeStrictlyAscending(uint8 a, uint8 b) public {
        bytes memory quorums = abi.encodePacked(bytes1(a), bytes1(b));
        bool valid = a < b && b < 192;
        vm.prank(owner);
        if (!valid) {
            vm.expectRevert(abi.encodeWithSelector(IPaymentVaultErrors.InvalidQuorumNumbers.selector, quorums));
        }
        vault.setOnDemandQuorumNumbers(quorums);
        assertEq(vault.onDemandQuorumNumbers(), valid ? quorums : bytes(hex"0001"));
    }
}
