// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LaminaTest} from "../utils/LaminaTest.sol";
import {PaymentVault} from "../../src/da/PaymentVault.sol";
import {IPaymentVaultTypes} from "../../src/da/interfaces/IPaymentVault.sol";

/// @notice Shared fixture of the PaymentVault tests: a vault with devnet-like parameters, its owner, its rewards
///         recipient and helpers that build reservations.
abstract contract PaymentVaultFixture is LaminaTest {
    PaymentVault internal vault;
    address internal owner;
    address internal rewards;
    address internal alice;
    address internal bob;

    uint64 internal constant PRICE = 1 gwei;
    uint64 internal constant MIN_SYMBOLS = 4096;
    uint64 internal constant ON_DEMAND_RATE = 1 << 20;

    function setUp() public virtual {
        owner = makeAddr("owner");
        rewards = makeAddr("rewards");
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        vault = new PaymentVault(owner, rewards, _params(PRICE, MIN_SYMBOLS, ON_DEMAND_RATE, hex"0001"));
    }

    function _params(uint64 price, uint64 minSymbols, uint64 rate, bytes memory quorums)
        internal
        pure
        returns (IPaymentVaultTypes.PaymentParams memory)
    {
        return IPaymentVaultTypes.PaymentParams({
            pricePerSymbol: price,
            minNumSymbols: minSymbols,
            onDemandSymbolsPerSecond: rate,
            onDemandQuorumNumbers: quorums
        });
    }

    function _reservation(uint64 rate, uint64 start, uint64 end, bytes memory quorums, bytes memory splits)
        internal
        pure
        returns (IPaymentVaultTypes.Reservation memory)
    {
        return IPaymentVaultTypes.Reservation({
            symbolsPerSecond: rate,
            startTimestamp: start,
            endTimestamp: end,
            quorumNumbers: quorums,
            quorumSplits: splits
        });
    }

    /// @notice A valid reservation: 1024 symbols/s for a day from t = 1000, quorums 0 and 1 split 50/50.
    function _validReservation() internal pure returns (IPaymentVaultTypes.Reservation memory) {
        return _reservation(1024, 1000, 1000 + 1 days, hex"0001", hex"3232");
    }

    function _deposit(address from, address account, uint256 amount) internal {
        vm.deal(from, from.balance + amount);
        vm.prank(from);
        vault.depositOnDemand{value: amount}(account);
    }
}
