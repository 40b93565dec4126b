//! `PaymentVault`: the reads metering needs (global parameters, an account's reservation
//! and on-demand deposit) as [`lamina_payments`] types, and the transactions of
//! `lamina payments deposit|reserve` (governance sets reservations and parameters).

use alloy::primitives::{Address, Bytes, U256};
use alloy::rpc::types::TransactionReceipt;
use lamina_payments::{AccountPayments, PaymentParams, Reservation};

use super::bindings::payment_vault::{IPaymentVaultTypes, PaymentVault};
use super::eth::payment_vault_revert;
use super::eth::revert;
use super::tx::{GAS_HEADROOM_PERCENT, send};
use super::{ChainError, EthChain};

fn reservation_from_binding(r: IPaymentVaultTypes::Reservation) -> Reservation {
    Reservation {
        symbols_per_second: r.symbolsPerSecond,
        start_timestamp: r.startTimestamp,
        end_timestamp: r.endTimestamp,
        quorums: r.quorumNumbers.to_vec(),
        quorum_splits: r.quorumSplits.to_vec(),
    }
}

fn reservation_to_binding(r: &Reservation) -> IPaymentVaultTypes::Reservation {
    IPaymentVaultTypes::Reservation {
        symbolsPerSecond: r.symbols_per_second,
        startTimestamp: r.start_timestamp,
        endTimestamp: r.end_timestamp,
        quorumNumbers: Bytes::copy_from_slice(&r.quorums),
        quorumSplits: Bytes::copy_from_slice(&r.quorum_splits),
    }
}

impl EthChain {
    /// `PaymentVault.getPaymentParams()`: price, minimum symbols, global on-demand rate and
    /// on-demand quorums, in one call.
    pub async fn payment_params(&self) -> Result<PaymentParams, ChainError> {
        let p = self
            .payment_vault()?
            .getPaymentParams()
            .call()
            .await
            .map_err(payment_vault_revert)?;
        Ok(PaymentParams {
            price_per_symbol: p.pricePerSymbol,
            min_num_symbols: p.minNumSymbols,
            on_demand_symbols_per_second: p.onDemandSymbolsPerSecond,
            on_demand_quorums: p.onDemandQuorumNumbers.to_vec(),
        })
    }

    /// `PaymentVault.getReservation(account)` (all zeros: none).
    pub async fn reservation(&self, account: Address) -> Result<Reservation, ChainError> {
        let r = self
            .payment_vault()?
            .getReservation(account)
            .call()
            .await
            .map_err(payment_vault_revert)?;
        Ok(reservation_from_binding(r))
    }

    /// `PaymentVault.getOnDemandTotalDeposit(account)`: wei ever deposited for it.
    pub async fn on_demand_deposit(&self, account: Address) -> Result<U256, ChainError> {
        self.payment_vault()?
            .getOnDemandTotalDeposit(account)
            .call()
            .await
            .map_err(payment_vault_revert)
    }

    /// The account's reservation and deposit together (two reads).
    pub async fn account_payments(&self, account: Address) -> Result<AccountPayments, ChainError> {
        let (reservation, on_demand_deposit) =
            tokio::try_join!(self.reservation(account), self.on_demand_deposit(account))?;
        Ok(AccountPayments {
            reservation,
            on_demand_deposit,
        })
    }

    /// `PaymentVault.depositOnDemand{value: amount}(account)` from the signer: anyone may pay
    /// for any account; deposits are never withdrawn.
    pub async fn deposit_on_demand(
        &self,
        account: Address,
        amount: U256,
    ) -> Result<TransactionReceipt, ChainError> {
        self.signer("deposit on demand")?;
        let vault = self.payment_vault()?;
        Ok(send!(
            self,
            vault.depositOnDemand(account).value(amount),
            PaymentVault::PaymentVaultErrors,
            "PaymentVault"
        ))
    }

    /// `PaymentVault.setReservation(account, reservation)`: owner (governance) only.
    pub async fn set_reservation(
        &self,
        account: Address,
        reservation: &Reservation,
    ) -> Result<TransactionReceipt, ChainError> {
        self.signer("set a reservation")?;
        let vault = self.payment_vault()?;
        Ok(send!(
            self,
            vault.setReservation(account, reservation_to_binding(reservation)),
            PaymentVault::PaymentVaultErrors,
            "PaymentVault"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservation_round_trips_through_the_binding() {
        let r = Reservation {
            symbols_per_second: 1024,
            start_timestamp: 5,
            end_timestamp: 9,
            quorums: vec![0, 1],
            quorum_splits: vec![30, 70],
        };
        assert_eq!(reservation_from_binding(reservation_to_binding(&r)), r);
    }
}
