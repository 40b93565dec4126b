//! The leaky bucket both meters use: filled by each accepted blob's charged symbols,
//! drained continuously at a rate, sized in seconds of that rate.
//!
//! Arithmetic is exact integer arithmetic in nano-symbols (symbols × 10⁹), so that a rate
//! of `r` symbols per second drains exactly `r` nano-symbols per nanosecond: no rounding
//! drift however often the bucket is touched.

use std::time::Duration;

use crate::PaymentError;

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// One bucket's state: its level and when it was last drained. Serializable, so the
/// disperser can persist it with the blob it charged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LeakyBucket {
    /// Fill level in nano-symbols.
    level_nano: u128,
    /// The metering clock (ns) up to which the bucket has drained.
    updated_ns: u64,
    /// The rate it drains at since `updated_ns` (symbols per second).
    symbols_per_second: u64,
}

/// A bucket's capacity in nano-symbols (saturating: an absurd rate × window is unlimited).
fn capacity_nano(symbols_per_second: u64, window_secs: u64) -> u128 {
    u128::from(symbols_per_second)
        .saturating_mul(u128::from(window_secs))
        .saturating_mul(NANOS_PER_SEC)
}

impl LeakyBucket {
    /// An empty bucket draining at `symbols_per_second` from `now_ns` on.
    pub fn new(symbols_per_second: u64, now_ns: u64) -> Self {
        Self {
            level_nano: 0,
            updated_ns: now_ns,
            symbols_per_second,
        }
    }

    /// A bucket holding `level_symbols` at `now_ns`, draining at `symbols_per_second`: a
    /// mirror of a level someone else reported.
    pub fn with_level(symbols_per_second: u64, level_symbols: u64, now_ns: u64) -> Self {
        Self {
            level_nano: u128::from(level_symbols) * NANOS_PER_SEC,
            updated_ns: now_ns,
            symbols_per_second,
        }
    }

    /// Drains the bucket up to `now_ns` at its current rate. A clock that goes back drains
    /// nothing (and never refills).
    fn drain(&mut self, now_ns: u64) {
        if now_ns > self.updated_ns {
            let drained =
                u128::from(self.symbols_per_second) * u128::from(now_ns - self.updated_ns);
            self.level_nano = self.level_nano.saturating_sub(drained);
            self.updated_ns = now_ns;
        }
    }

    /// The level at `now_ns` in symbols, rounded up (without changing the bucket).
    pub fn level_symbols(&self, now_ns: u64) -> u64 {
        let mut b = *self;
        b.drain(now_ns);
        u64::try_from(b.level_nano.div_ceil(NANOS_PER_SEC)).unwrap_or(u64::MAX)
    }

    /// Whether the bucket is empty at `now_ns` (so it can be forgotten).
    pub fn is_empty_at(&self, now_ns: u64) -> bool {
        self.level_symbols(now_ns) == 0
    }

    /// Adds `symbols` if they fit under `symbols_per_second × window_secs` at `now_ns`,
    /// draining at the old rate up to `now_ns` and at `symbols_per_second` after it.
    /// On refusal the level is unchanged: [`PaymentError::Exhausted`] with the time the
    /// drain needs to make room, or [`PaymentError::ExceedsBucket`] when even an empty
    /// bucket could not hold the blob.
    pub fn try_fill(
        &mut self,
        symbols: u64,
        symbols_per_second: u64,
        window_secs: u64,
        now_ns: u64,
        bucket: &'static str,
    ) -> Result<(), PaymentError> {
        let capacity = capacity_nano(symbols_per_second, window_secs);
        let need = u128::from(symbols) * NANOS_PER_SEC;
        self.drain(now_ns);
        if need > capacity || symbols_per_second == 0 {
            return Err(PaymentError::ExceedsBucket {
                bucket,
                symbols,
                capacity: capacity / NANOS_PER_SEC,
                symbols_per_second,
                window_secs,
            });
        }
        self.symbols_per_second = symbols_per_second;
        // Both terms are at most the capacity, itself at most u128::MAX: saturating is exact
        // wherever the comparison matters.
        let filled = self.level_nano.saturating_add(need);
        if filled <= capacity {
            self.level_nano = filled;
            return Ok(());
        }
        let excess = filled - capacity;
        let wait_ns = excess.div_ceil(u128::from(symbols_per_second));
        Err(PaymentError::Exhausted {
            bucket,
            symbols,
            symbols_per_second,
            retry_after: Duration::from_nanos(u64::try_from(wait_ns).unwrap_or(u64::MAX)),
        })
    }

    /// Takes `symbols` back out (a charge undone because its blob was not stored).
    pub fn refund(&mut self, symbols: u64) {
        self.level_nano = self
            .level_nano
            .saturating_sub(u128::from(symbols) * NANOS_PER_SEC);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const SEC: u64 = 1_000_000_000;

    #[test]
    fn fills_to_capacity_then_refuses_with_the_refill_time() {
        // 100 symbols/s over 10 s: 1000 symbols.
        let mut b = LeakyBucket::new(100, 0);
        for _ in 0..10 {
            assert_eq!(b.try_fill(100, 100, 10, 0, "reservation"), Ok(()));
        }
        let err = b
            .try_fill(30, 100, 10, 0, "reservation")
            .expect_err("refused");
        assert_eq!(err.retry_after(), Some(Duration::from_millis(300)));
        assert!(err.is_retryable());
        assert_eq!(b.level_symbols(0), 1000, "a refusal adds nothing");
        // after the announced wait it fits exactly
        assert_eq!(b.try_fill(30, 100, 10, 300_000_000, "reservation"), Ok(()));
        assert_eq!(b.level_symbols(300_000_000), 1000);
    }

    #[test]
    fn drains_continuously() {
        let mut b = LeakyBucket::new(100, 0);
        b.try_fill(1000, 100, 10, 0, "reservation")
            .expect("accepted");
        assert_eq!(b.level_symbols(SEC / 2), 950);
        assert_eq!(b.level_symbols(10 * SEC), 0);
        assert!(b.is_empty_at(11 * SEC));
    }

    #[test]
    fn a_clock_going_back_drains_nothing() {
        let mut b = LeakyBucket::new(100, 10 * SEC);
        b.try_fill(500, 100, 10, 10 * SEC, "reservation")
            .expect("accepted");
        b.try_fill(100, 100, 10, 5 * SEC, "reservation")
            .expect("accepted");
        assert_eq!(b.level_symbols(10 * SEC), 600);
    }

    #[test]
    fn a_blob_larger_than_the_bucket_is_final() {
        let mut b = LeakyBucket::new(100, 0);
        let err = b
            .try_fill(1001, 100, 10, 0, "reservation")
            .expect_err("refused");
        assert!(!err.is_retryable());
        assert!(matches!(
            err,
            PaymentError::ExceedsBucket { capacity: 1000, .. }
        ));
        let err = b.try_fill(1, 0, 10, 0, "reservation").expect_err("refused");
        assert!(matches!(
            err,
            PaymentError::ExceedsBucket { capacity: 0, .. }
        ));
    }

    /// Reference model: the level is the running sum of accepted fills minus what a
    /// continuous drain removes, computed in f64-free rationals (nano-symbols).
    fn model_level(events: &[(u64, u64, bool)], rate: u64) -> u128 {
        let mut level: u128 = 0;
        let mut t = 0u64;
        for &(at, symbols, accepted) in events {
            let at = at.max(t);
            level = level.saturating_sub(u128::from(rate) * u128::from(at - t));
            t = at;
            if accepted {
                level += u128::from(symbols) * NANOS_PER_SEC;
            }
        }
        level
    }

    proptest! {
        /// Never above capacity; a fill is accepted iff it fits; the refusal's wait is the
        /// least that makes it fit (one nanosecond less does not).
        #[test]
        fn bucket_matches_the_model(
            rate in 1u64..10_000,
            window in 1u64..100,
            steps in proptest::collection::vec((0u64..3 * SEC, 1u64..20_000), 1..60),
        ) {
            let capacity = u128::from(rate) * u128::from(window) * NANOS_PER_SEC;
            let mut b = LeakyBucket::new(rate, 0);
            let mut now = 0u64;
            let mut events = Vec::new();
            for (dt, symbols) in steps {
                now += dt;
                let before = b;
                let result = b.try_fill(symbols, rate, window, now, "reservation");
                let need = u128::from(symbols) * NANOS_PER_SEC;
                let mut drained = before;
                drained.drain(now);
                match result {
                    Ok(()) => {
                        prop_assert!(drained.level_nano + need <= capacity);
                        events.push((now, symbols, true));
                    }
                    Err(PaymentError::Exhausted { retry_after, .. }) => {
                        prop_assert!(drained.level_nano + need > capacity);
                        prop_assert_eq!(b, drained, "a refusal changes nothing but the drain");
                        let wait = u64::try_from(retry_after.as_nanos()).expect("a wait within the window fits u64");
                        let mut later = b;
                        prop_assert!(later.try_fill(symbols, rate, window, now + wait, "r").is_ok());
                        if wait > 0 {
                            let mut sooner = b;
                            prop_assert!(sooner.try_fill(symbols, rate, window, now + wait - 1, "r").is_err());
                        }
                        events.push((now, symbols, false));
                    }
                    Err(PaymentError::ExceedsBucket { .. }) => {
                        prop_assert!(need > capacity);
                        events.push((now, symbols, false));
                    }
                    Err(e) => prop_assert!(false, "unexpected {e}"),
                }
                prop_assert!(b.level_nano <= capacity);
                prop_assert_eq!(b.level_nano, model_level(&events, rate));
            }
        }

        /// Over any span, what the bucket accepts is at most its capacity plus the rate
        /// times the span: the reservation's promise.
        #[test]
        fn accepted_symbols_are_bounded_by_rate(
            rate in 1u64..1000,
            window in 1u64..30,
            steps in proptest::collection::vec((0u64..SEC, 1u64..2000), 1..200),
        ) {
            let mut b = LeakyBucket::new(rate, 0);
            let mut now = 0u64;
            let mut accepted: u128 = 0;
            for (dt, symbols) in steps {
                now += dt;
                if b.try_fill(symbols, rate, window, now, "reservation").is_ok() {
                    accepted += u128::from(symbols);
                }
            }
            let bound = u128::from(rate) * u128::from(window)
                + u128::from(rate) * u128::from(now) / NANOS_PER_SEC + 1;
            prop_assert!(accepted <= bound, "accepted {accepted} > {bound}");
        }
    }
}
