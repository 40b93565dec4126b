//! Reservation metering: one [`LeakyBucket`] per account, sized in seconds of the
//! account's reserved rate.

use std::collections::HashMap;

use alloy_primitives::Address;

use crate::bucket::LeakyBucket;
use crate::params::{check_quorums, header_secs};
use crate::{PaymentError, Reservation};

/// The name reservation buckets report in errors.
pub const RESERVATION_BUCKET: &str = "reservation";

/// Per-account reservation buckets. The disperser sizes them with
/// [`MeteringConfig::reservation_window_secs`](crate::MeteringConfig), the nodes with the
/// wider [`MeteringConfig::node_reservation_window_secs`](crate::MeteringConfig).
#[derive(Clone, Debug)]
pub struct ReservationMeter {
    window_secs: u64,
    buckets: HashMap<Address, LeakyBucket>,
}

impl ReservationMeter {
    /// Buckets holding `window_secs` seconds of each account's rate.
    pub fn new(window_secs: u64) -> Self {
        Self {
            window_secs,
            buckets: HashMap::new(),
        }
    }

    /// The window the buckets are sized in.
    pub fn window_secs(&self) -> u64 {
        self.window_secs
    }

    /// Charges `symbols` to `account`'s reservation at `now_ns`: the reservation must be
    /// active at the header's `timestamp_ns` (`start <= t < end`), cover every one of
    /// `quorums`, and have room in its bucket. On any refusal nothing is charged.
    pub fn charge(
        &mut self,
        account: Address,
        reservation: &Reservation,
        quorums: &[u8],
        symbols: u64,
        timestamp_ns: i64,
        now_ns: u64,
    ) -> Result<(), PaymentError> {
        let timestamp_secs = header_secs(timestamp_ns);
        if !reservation.exists() {
            return Err(PaymentError::NoPayment {
                account,
                timestamp_secs,
            });
        }
        if !reservation.is_active_at(timestamp_secs) {
            return Err(PaymentError::ReservationInactive {
                account,
                start: reservation.start_timestamp,
                end: reservation.end_timestamp,
                timestamp_secs,
            });
        }
        check_quorums(quorums, &reservation.quorums, RESERVATION_BUCKET)?;
        let rate = reservation.symbols_per_second;
        let bucket = self
            .buckets
            .entry(account)
            .or_insert_with(|| LeakyBucket::new(rate, now_ns));
        bucket.try_fill(symbols, rate, self.window_secs, now_ns, RESERVATION_BUCKET)
    }

    /// Undoes a charge of `symbols` (its blob was not stored after all).
    pub fn refund(&mut self, account: Address, symbols: u64) {
        if let Some(bucket) = self.buckets.get_mut(&account) {
            bucket.refund(symbols);
        }
    }

    /// `account`'s bucket, to persist or report (`None`: never charged, or forgotten empty).
    pub fn bucket(&self, account: &Address) -> Option<&LeakyBucket> {
        self.buckets.get(account)
    }

    /// Symbols in `account`'s bucket at `now_ns` (its current usage).
    pub fn usage(&self, account: &Address, now_ns: u64) -> u64 {
        self.buckets
            .get(account)
            .map_or(0, |b| b.level_symbols(now_ns))
    }

    /// Puts back a persisted bucket (after a restart).
    pub fn restore(&mut self, account: Address, bucket: LeakyBucket) {
        self.buckets.insert(account, bucket);
    }

    /// Forgets buckets that have drained empty by `now_ns` (they hold no information), so
    /// the table stays as small as the set of recently active accounts.
    pub fn prune(&mut self, now_ns: u64) {
        self.buckets.retain(|_, b| !b.is_empty_at(now_ns));
    }

    /// Number of buckets held.
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    /// Whether no bucket is held.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: u64 = 1_000_000_000;
    const T0: i64 = 1_000 * SEC as i64;

    fn reservation() -> Reservation {
        Reservation {
            symbols_per_second: 1024,
            start_timestamp: 1_000,
            end_timestamp: 2_000,
            quorums: vec![0, 1],
            quorum_splits: vec![50, 50],
        }
    }

    #[test]
    fn charges_within_rate_and_refuses_over_it() {
        let mut m = ReservationMeter::new(4);
        let a = Address::repeat_byte(1);
        let r = reservation();
        for _ in 0..4 {
            m.charge(a, &r, &[0, 1], 1024, T0, 1_000 * SEC)
                .expect("accepted");
        }
        let err = m
            .charge(a, &r, &[0], 1024, T0, 1_000 * SEC)
            .expect_err("refused");
        assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(1)));
        assert_eq!(m.usage(&a, 1_000 * SEC), 4096);
        // another account has its own bucket
        m.charge(Address::repeat_byte(2), &r, &[0], 4096, T0, 1_000 * SEC)
            .expect("accepted");
    }

    #[test]
    fn refuses_outside_the_period_and_foreign_quorums() {
        let mut m = ReservationMeter::new(4);
        let a = Address::repeat_byte(1);
        let r = reservation();
        let before = T0 - 1;
        assert!(matches!(
            m.charge(a, &r, &[0], 1, before, 1_000 * SEC),
            Err(PaymentError::ReservationInactive {
                timestamp_secs: 999,
                ..
            })
        ));
        let at_end = 2_000 * SEC as i64;
        assert!(matches!(
            m.charge(a, &r, &[0], 1, at_end, 1_000 * SEC),
            Err(PaymentError::ReservationInactive { .. })
        ));
        assert!(matches!(
            m.charge(a, &r, &[0, 2], 1, T0, 1_000 * SEC),
            Err(PaymentError::QuorumNotAllowed { quorum: 2, .. })
        ));
        assert!(matches!(
            m.charge(a, &Reservation::default(), &[0], 1, T0, 1_000 * SEC),
            Err(PaymentError::NoPayment { .. })
        ));
        assert_eq!(m.usage(&a, 1_000 * SEC), 0, "refusals charge nothing");
    }

    #[test]
    fn prune_forgets_only_empty_buckets_and_restore_round_trips() {
        let mut m = ReservationMeter::new(4);
        let (a, b) = (Address::repeat_byte(1), Address::repeat_byte(2));
        let r = reservation();
        m.charge(a, &r, &[0], 1024, T0, 1_000 * SEC)
            .expect("accepted");
        m.charge(b, &r, &[0], 4096, T0, 1_000 * SEC)
            .expect("accepted");
        m.prune(1_001 * SEC);
        assert_eq!(m.len(), 1, "a drained after 1 s, b has 3072 left");
        let saved = *m.bucket(&b).expect("accepted");
        let mut fresh = ReservationMeter::new(4);
        fresh.restore(b, saved);
        assert_eq!(fresh.usage(&b, 1_001 * SEC), 3072);
        m.refund(b, 4096);
        assert_eq!(m.usage(&b, 1_001 * SEC), 0);
    }
}
