//! The two entry points: what the disperser runs at intake ([`DisperserMeter`]) and what
//! a node runs before signing ([`NodeMeter`]).

use std::time::Duration;

use alloy_primitives::{Address, U256};

use crate::on_demand::{OnDemandCharge, OnDemandLedger};
use crate::params::{check_quorums, payment_for, symbols_charged};
use crate::reservation::ReservationMeter;
use crate::{MeteringConfig, PaymentError, PaymentParams, Reservation};

/// How a blob pays, read from its payment header: a zero cumulative payment means the
/// account's reservation, anything else on-demand (EigenDA's rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentKind {
    /// Charged to the account's reservation bucket.
    Reservation,
    /// Paid from the account's on-demand deposit.
    OnDemand,
}

impl PaymentKind {
    /// The kind a header's cumulative payment selects.
    pub fn of(cumulative_payment: U256) -> Self {
        if cumulative_payment.is_zero() {
            Self::Reservation
        } else {
            Self::OnDemand
        }
    }
}

/// What metering needs to know about one blob: its payment header's fields, its quorums
/// and its length (`BlobCommitments::length`, in 32-byte symbols).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlobPayment<'a> {
    /// `PaymentHeader::account_id`.
    pub account: Address,
    /// `PaymentHeader::timestamp_ns`.
    pub timestamp_ns: i64,
    /// `PaymentHeader::cumulative_payment`.
    pub cumulative_payment: U256,
    /// The blob header's quorums.
    pub quorums: &'a [u8],
    /// The blob's length in symbols.
    pub blob_symbols: u64,
}

/// The account's on-chain payment state (`PaymentVault.getReservation` and
/// `getOnDemandTotalDeposit`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountPayments {
    /// The account's reservation (zeros: none).
    pub reservation: Reservation,
    /// Wei ever deposited for the account.
    pub on_demand_deposit: U256,
}

/// A blob that passed metering: what it was charged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Metered {
    /// `symbols` charged to the account's reservation bucket.
    Reservation {
        /// The account.
        account: Address,
        /// Charged symbols.
        symbols: u64,
    },
    /// Paid on demand.
    OnDemand(OnDemandCharge),
}

impl Metered {
    /// The charged symbols.
    pub fn symbols(&self) -> u64 {
        match self {
            Self::Reservation { symbols, .. } => *symbols,
            Self::OnDemand(c) => c.symbols,
        }
    }
}

/// Checks the header's timestamp is within `max_skew` of `now_ns`.
pub fn check_timestamp(
    timestamp_ns: i64,
    now_ns: u64,
    max_skew: Duration,
) -> Result<(), PaymentError> {
    let skew = (i128::from(timestamp_ns) - i128::from(now_ns)).unsigned_abs();
    if skew > max_skew.as_nanos() {
        return Err(PaymentError::TimestampSkew {
            timestamp_ns,
            now_ns,
            max_skew,
        });
    }
    Ok(())
}

/// Charges `symbols` of `blob` to its account's reservation bucket in `buckets` (the
/// disperser's and a node's metering differ in window only).
fn charge_reservation(
    buckets: &mut ReservationMeter,
    blob: &BlobPayment<'_>,
    account: &AccountPayments,
    symbols: u64,
    now_ns: u64,
) -> Result<Metered, PaymentError> {
    buckets.charge(
        blob.account,
        &account.reservation,
        blob.quorums,
        symbols,
        blob.timestamp_ns,
        now_ns,
    )?;
    Ok(Metered::Reservation {
        account: blob.account,
        symbols,
    })
}

/// The disperser's metering: the authority on usage and on-demand payments. One instance
/// per disperser, behind one lock (every method that charges takes `&mut self`).
#[derive(Clone, Debug)]
pub struct DisperserMeter {
    max_skew: Duration,
    reservations: ReservationMeter,
    on_demand: OnDemandLedger,
}

impl DisperserMeter {
    /// A meter with empty buckets and ledger (restore persisted state with
    /// [`DisperserMeter::reservations_mut`] / [`DisperserMeter::on_demand_mut`]).
    pub fn new(config: &MeteringConfig, now_ns: u64) -> Self {
        Self {
            max_skew: config.max_timestamp_skew(),
            reservations: ReservationMeter::new(config.reservation_window_secs),
            on_demand: OnDemandLedger::new(config.on_demand_window_secs, now_ns),
        }
    }

    /// Meters one blob at `now_ns` (the disperser's clock): the header's timestamp within
    /// the configured skew, then its cost (`max(minNumSymbols, length rounded up to a
    /// power of two)`), then either the reservation bucket or the on-demand ledger. On
    /// refusal nothing is charged; an accepted charge is undone with [`Self::refund`].
    pub fn meter(
        &mut self,
        blob: &BlobPayment<'_>,
        account: &AccountPayments,
        params: &PaymentParams,
        now_ns: u64,
    ) -> Result<Metered, PaymentError> {
        check_timestamp(blob.timestamp_ns, now_ns, self.max_skew)?;
        let symbols = symbols_charged(blob.blob_symbols, params.min_num_symbols)?;
        match PaymentKind::of(blob.cumulative_payment) {
            PaymentKind::Reservation => {
                charge_reservation(&mut self.reservations, blob, account, symbols, now_ns)
            }
            PaymentKind::OnDemand => self
                .on_demand
                .charge(
                    blob.account,
                    blob.cumulative_payment,
                    account.on_demand_deposit,
                    blob.quorums,
                    symbols,
                    params,
                    now_ns,
                )
                .map(Metered::OnDemand),
        }
    }

    /// Undoes an accepted charge whose blob was not stored.
    pub fn refund(&mut self, metered: &Metered) -> Result<(), PaymentError> {
        match metered {
            Metered::Reservation { account, symbols } => {
                self.reservations.refund(*account, *symbols);
                Ok(())
            }
            Metered::OnDemand(charge) => self.on_demand.refund(charge),
        }
    }

    /// The reservation buckets.
    pub fn reservations(&self) -> &ReservationMeter {
        &self.reservations
    }

    /// The reservation buckets, to restore persisted ones or prune.
    pub fn reservations_mut(&mut self) -> &mut ReservationMeter {
        &mut self.reservations
    }

    /// The on-demand ledger.
    pub fn on_demand(&self) -> &OnDemandLedger {
        &self.on_demand
    }

    /// The on-demand ledger, to restore persisted payments.
    pub fn on_demand_mut(&mut self) -> &mut OnDemandLedger {
        &mut self.on_demand
    }
}

/// What a node checks before signing a blob, so that a disperser cannot give away free
/// bandwidth: reservation blobs are metered again in the node's own, wider buckets; an
/// on-demand blob must carry a payment that the account's deposit covers and that pays at
/// least for the blob itself. (A node sees only the batches sent to it, so the ordering of
/// cumulative payments is the disperser's to enforce.) A node must meter each blob once:
/// a batch sent again (a dispatch retry) carries blobs the node already charged, which it
/// recognises by their blob keys in its store.
#[derive(Clone, Debug)]
pub struct NodeMeter {
    reservations: ReservationMeter,
}

impl NodeMeter {
    /// Buckets sized with `config.node_reservation_window_secs`.
    pub fn new(config: &MeteringConfig) -> Self {
        Self {
            reservations: ReservationMeter::new(config.node_reservation_window_secs),
        }
    }

    /// Checks one blob at `now_ns` (the node's clock). Reservation blobs are charged to the
    /// node's bucket (refund with [`Self::refund`] if the node ends up not signing).
    pub fn check(
        &mut self,
        blob: &BlobPayment<'_>,
        account: &AccountPayments,
        params: &PaymentParams,
        now_ns: u64,
    ) -> Result<Metered, PaymentError> {
        let symbols = symbols_charged(blob.blob_symbols, params.min_num_symbols)?;
        match PaymentKind::of(blob.cumulative_payment) {
            PaymentKind::Reservation => {
                charge_reservation(&mut self.reservations, blob, account, symbols, now_ns)
            }
            PaymentKind::OnDemand => {
                check_quorums(blob.quorums, &params.on_demand_quorums, "on-demand")?;
                let cost = payment_for(symbols, params.price_per_symbol);
                if blob.cumulative_payment < cost {
                    return Err(PaymentError::InsufficientIncrement {
                        new: blob.cumulative_payment,
                        last: U256::ZERO,
                        cost,
                    });
                }
                if blob.cumulative_payment > account.on_demand_deposit {
                    return Err(PaymentError::InsufficientDeposit {
                        account: blob.account,
                        cumulative: blob.cumulative_payment,
                        deposit: account.on_demand_deposit,
                    });
                }
                Ok(Metered::OnDemand(OnDemandCharge {
                    account: blob.account,
                    previous: U256::ZERO,
                    cumulative: blob.cumulative_payment,
                    symbols,
                    cost,
                }))
            }
        }
    }

    /// Undoes a reservation charge (the node did not sign the batch after all).
    pub fn refund(&mut self, metered: &Metered) {
        if let Metered::Reservation { account, symbols } = metered {
            self.reservations.refund(*account, *symbols);
        }
    }

    /// The node's reservation buckets (to prune, persist or report).
    pub fn reservations_mut(&mut self) -> &mut ReservationMeter {
        &mut self.reservations
    }
}

#[cfg(test)]
mod tests;
