//! The client's side of metering: which payment the next blob's header carries.
//!
//! An [`Accountant`] mirrors what the disperser will charge, from a [`PaymentState`] the
//! disperser reported (`GetPaymentState`): the account's reservation bucket (same window
//! as the disperser's) and its last accepted cumulative payment. For each blob it picks
//! the reservation while the mirrored bucket has room, on-demand otherwise, and refuses
//! only when neither can pay.
//!
//! The mirror never runs ahead of the disperser on the on-demand side: the cumulative
//! payment it stamps is the last one the disperser accepted (as reported, or as this
//! accountant saw accepted) plus the blob's price. A stamp made on a stale view is
//! therefore too *low*, never too high: the disperser refuses it
//! ([`PaymentError::InsufficientIncrement`]) and the client re-syncs and stamps again, so
//! an account never pays more than the sum of its accepted blobs' prices. Stamping and
//! sending an on-demand blob must be one step per account (the client serialises them):
//! two stamps in flight could be accepted out of order, and the later payment would then
//! cover both.

use alloy_primitives::{Address, U256};

use crate::bucket::LeakyBucket;
use crate::params::{check_quorums, header_secs, payment_for, symbols_charged};
use crate::{AccountPayments, PaymentError, PaymentParams, RESERVATION_BUCKET};

/// What the disperser reports about an account (`GetPaymentState`), as plain data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PaymentState {
    /// The global parameters.
    pub params: PaymentParams,
    /// The account's reservation and on-chain deposit.
    pub account: AccountPayments,
    /// The disperser's reservation bucket holds this many seconds of the reserved rate.
    pub reservation_window_secs: u64,
    /// The account's reservation bucket level at `as_of_ns`, symbols.
    pub reservation_usage_symbols: u64,
    /// The account's last accepted cumulative payment, wei.
    pub cumulative_payment: U256,
    /// The disperser's clock when it answered, ns since the Unix epoch.
    pub as_of_ns: u64,
}

/// The payment a blob's header carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stamp {
    /// Cumulative payment zero: charged to the reservation.
    Reservation {
        /// Charged symbols.
        symbols: u64,
    },
    /// This cumulative payment, on demand.
    OnDemand {
        /// The account's new cumulative payment.
        cumulative: U256,
        /// The blob's price, wei.
        cost: U256,
    },
}

impl Stamp {
    /// The header's `cumulative_payment` field.
    pub fn cumulative_payment(&self) -> U256 {
        match self {
            Self::Reservation { .. } => U256::ZERO,
            Self::OnDemand { cumulative, .. } => *cumulative,
        }
    }
}

/// A client's view of its account's payments.
#[derive(Clone, Debug)]
pub struct Accountant {
    account: Address,
    state: PaymentState,
    bucket: LeakyBucket,
    cumulative: U256,
}

impl Accountant {
    /// An accountant for `account` starting from what the disperser reported.
    pub fn new(account: Address, state: PaymentState) -> Self {
        let bucket = LeakyBucket::with_level(
            state.account.reservation.symbols_per_second,
            state.reservation_usage_symbols,
            state.as_of_ns,
        );
        Self {
            account,
            cumulative: state.cumulative_payment,
            bucket,
            state,
        }
    }

    /// Replaces the mirror with a fresh report.
    pub fn sync(&mut self, state: PaymentState) {
        *self = Self::new(self.account, state);
    }

    /// The state last reported.
    pub fn state(&self) -> &PaymentState {
        &self.state
    }

    /// The last cumulative payment this accountant knows accepted.
    pub fn cumulative_payment(&self) -> U256 {
        self.cumulative
    }

    /// Chooses the payment of a blob of `blob_symbols` symbols on `quorums`, made at
    /// `now_ns` (the header's timestamp), and records it as spent: the reservation when
    /// it is active, covers the quorums and its bucket has room; otherwise on demand when
    /// the quorums allow it and the deposit covers it. When neither can pay, the
    /// reservation's refusal is returned if the account has one (a full bucket is
    /// [`PaymentError::Exhausted`] with the wait), else the on-demand one.
    pub fn stamp(
        &mut self,
        blob_symbols: u64,
        quorums: &[u8],
        now_ns: u64,
    ) -> Result<Stamp, PaymentError> {
        let params = &self.state.params;
        let symbols = symbols_charged(blob_symbols, params.min_num_symbols)?;
        let reservation = self.reserve(symbols, quorums, now_ns);
        if reservation.is_ok() {
            return Ok(Stamp::Reservation { symbols });
        }
        match self.pay_on_demand(symbols, quorums) {
            Ok(stamp) => Ok(stamp),
            Err(on_demand) => match reservation {
                Err(e) if self.state.account.reservation.exists() => Err(e),
                _ => Err(on_demand),
            },
        }
    }

    fn reserve(&mut self, symbols: u64, quorums: &[u8], now_ns: u64) -> Result<(), PaymentError> {
        let r = &self.state.account.reservation;
        let timestamp_secs = header_secs(i64::try_from(now_ns).unwrap_or(i64::MAX));
        if !r.is_active_at(timestamp_secs) {
            return Err(if r.exists() {
                PaymentError::ReservationInactive {
                    account: self.account,
                    start: r.start_timestamp,
                    end: r.end_timestamp,
                    timestamp_secs,
                }
            } else {
                PaymentError::NoPayment {
                    account: self.account,
                    timestamp_secs,
                }
            });
        }
        check_quorums(quorums, &r.quorums, RESERVATION_BUCKET)?;
        self.bucket.try_fill(
            symbols,
            r.symbols_per_second,
            self.state.reservation_window_secs,
            now_ns,
            RESERVATION_BUCKET,
        )
    }

    fn pay_on_demand(&mut self, symbols: u64, quorums: &[u8]) -> Result<Stamp, PaymentError> {
        let params = &self.state.params;
        let deposit = self.state.account.on_demand_deposit;
        if deposit.is_zero() {
            return Err(PaymentError::NoPayment {
                account: self.account,
                timestamp_secs: self.state.as_of_ns / 1_000_000_000,
            });
        }
        check_quorums(quorums, &params.on_demand_quorums, "on-demand")?;
        let cost = payment_for(symbols, params.price_per_symbol);
        let cumulative = self
            .cumulative
            .checked_add(cost)
            .ok_or(PaymentError::Overflow {
                what: "cumulative payment",
            })?;
        if cumulative > deposit {
            return Err(PaymentError::InsufficientDeposit {
                account: self.account,
                cumulative,
                deposit,
            });
        }
        self.cumulative = cumulative;
        Ok(Stamp::OnDemand { cumulative, cost })
    }

    /// Takes back a stamp whose blob the disperser did not accept. An on-demand stamp is
    /// only taken back while it is the latest (the client sends one at a time).
    pub fn undo(&mut self, stamp: &Stamp) {
        match stamp {
            Stamp::Reservation { symbols } => self.bucket.refund(*symbols),
            Stamp::OnDemand { cumulative, cost } => {
                if self.cumulative == *cumulative {
                    self.cumulative = cumulative.saturating_sub(*cost);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Reservation;

    const SEC: u64 = 1_000_000_000;
    const NOW: u64 = 1_700_000_000 * SEC;

    fn state(symbols_per_second: u64, deposit: u64) -> PaymentState {
        PaymentState {
            params: PaymentParams {
                price_per_symbol: 10,
                min_num_symbols: 32,
                on_demand_symbols_per_second: 1 << 20,
                on_demand_quorums: vec![0, 1],
            },
            account: AccountPayments {
                reservation: Reservation {
                    symbols_per_second,
                    start_timestamp: 0,
                    end_timestamp: u64::MAX,
                    quorums: vec![0, 1],
                    quorum_splits: vec![50, 50],
                },
                on_demand_deposit: U256::from(deposit),
            },
            reservation_window_secs: 1,
            reservation_usage_symbols: 0,
            cumulative_payment: U256::ZERO,
            as_of_ns: NOW,
        }
    }

    fn account() -> Address {
        Address::repeat_byte(7)
    }

    #[test]
    fn the_reservation_is_used_while_it_has_room_then_on_demand() {
        let mut a = Accountant::new(account(), state(64, 1_000));
        assert_eq!(
            a.stamp(20, &[0], NOW),
            Ok(Stamp::Reservation { symbols: 32 })
        );
        assert_eq!(
            a.stamp(20, &[0], NOW),
            Ok(Stamp::Reservation { symbols: 32 })
        );
        assert_eq!(
            a.stamp(20, &[0], NOW),
            Ok(Stamp::OnDemand {
                cumulative: U256::from(320),
                cost: U256::from(320)
            })
        );
        // Half a second later the bucket has drained 32 symbols.
        assert_eq!(
            a.stamp(20, &[0], NOW + SEC / 2),
            Ok(Stamp::Reservation { symbols: 32 })
        );
    }

    #[test]
    fn a_reported_usage_fills_the_mirror() {
        let mut s = state(64, 0);
        s.reservation_usage_symbols = 64;
        let mut a = Accountant::new(account(), s);
        let full = a.stamp(20, &[0], NOW).expect_err("the bucket is full");
        assert_eq!(
            full.retry_after(),
            Some(std::time::Duration::from_millis(500))
        );
    }

    #[test]
    fn on_demand_stamps_add_exactly_the_price_and_stop_at_the_deposit() {
        let mut s = state(0, 700);
        s.cumulative_payment = U256::from(40);
        let mut a = Accountant::new(account(), s);
        assert_eq!(
            a.stamp(1, &[0, 1], NOW).map(|s| s.cumulative_payment()),
            Ok(U256::from(360))
        );
        let over = a.stamp(64, &[0, 1], NOW).expect_err("beyond the deposit");
        assert!(
            matches!(over, PaymentError::InsufficientDeposit { cumulative, .. } if cumulative == U256::from(1000)),
            "{over}"
        );
        assert_eq!(
            a.cumulative_payment(),
            U256::from(360),
            "a refusal spends nothing"
        );
        assert_eq!(
            a.stamp(32, &[0, 1], NOW).map(|s| s.cumulative_payment()),
            Ok(U256::from(680))
        );
    }

    #[test]
    fn undo_gives_back_the_latest_stamp_only() {
        let mut a = Accountant::new(account(), state(0, 10_000));
        let first = a.stamp(32, &[0], NOW).expect("paid");
        let second = a.stamp(32, &[0], NOW).expect("paid");
        a.undo(&first);
        assert_eq!(a.cumulative_payment(), U256::from(640), "not the latest");
        a.undo(&second);
        assert_eq!(a.cumulative_payment(), U256::from(320));
    }

    #[test]
    fn an_account_with_nothing_is_told_how_to_pay() {
        let mut a = Accountant::new(account(), state(0, 0));
        let e = a.stamp(32, &[0], NOW).expect_err("nothing to pay with");
        assert!(matches!(e, PaymentError::NoPayment { .. }), "{e}");
        assert!(e.to_string().contains("depositOnDemand"), "{e}");
    }

    #[test]
    fn quorums_outside_the_reservation_go_on_demand() {
        let mut s = state(1 << 16, 1_000_000);
        s.account.reservation.quorums = vec![0];
        let mut a = Accountant::new(account(), s);
        assert!(matches!(
            a.stamp(32, &[0, 1], NOW),
            Ok(Stamp::OnDemand { .. })
        ));
        assert_eq!(
            a.stamp(32, &[0], NOW),
            Ok(Stamp::Reservation { symbols: 32 })
        );
    }
}
