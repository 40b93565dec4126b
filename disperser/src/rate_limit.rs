//! Per-account rate limits (bytes per second and blobs per second).
//!
//! Each account has two token buckets holding at most one second of its rate. A request
//! passes when both buckets are non-negative; it then takes its cost, possibly driving a
//! bucket into debt (so a blob larger than one second of byte rate still passes when the
//! account was idle). While a bucket is in debt the account is refused with the exact
//! time the debt takes to repay.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use alloy_primitives::Address;

use crate::error::{DisperserError, RateLimitKind};

/// Accounts tracked before idle (full) buckets are forgotten.
const MAX_TRACKED_ACCOUNTS: usize = 100_000;

#[derive(Clone, Copy, Debug)]
struct Bucket {
    /// Tokens available; negative is debt.
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn refill(&mut self, rate: f64, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(rate);
        self.last = now;
    }

    fn wait(&self, rate: f64) -> Duration {
        Duration::from_secs_f64((-self.tokens).max(0.0) / rate)
    }
}

/// Rate limits of every account.
#[derive(Debug)]
pub struct RateLimiter {
    bytes_per_sec: u64,
    blobs_per_sec: u64,
    /// std `Mutex`: held for a few arithmetic operations, never across `.await`.
    accounts: Mutex<HashMap<Address, (Bucket, Bucket)>>,
}

impl RateLimiter {
    /// Limits of `bytes_per_sec` and `blobs_per_sec` per account; 0 means unlimited.
    pub fn new(bytes_per_sec: u64, blobs_per_sec: u64) -> Self {
        Self {
            bytes_per_sec,
            blobs_per_sec,
            accounts: Mutex::new(HashMap::new()),
        }
    }

    /// Admits a blob of `bytes` from `account` at `now`, or says when to retry.
    pub fn check(&self, account: Address, bytes: u64, now: Instant) -> Result<(), DisperserError> {
        if self.bytes_per_sec == 0 && self.blobs_per_sec == 0 {
            return Ok(());
        }
        let byte_rate = self.bytes_per_sec as f64;
        let blob_rate = self.blobs_per_sec as f64;
        let mut accounts = self
            .accounts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if accounts.len() >= MAX_TRACKED_ACCOUNTS {
            accounts.retain(|_, (b, n)| {
                b.refill(byte_rate, now);
                n.refill(blob_rate, now);
                b.tokens < byte_rate || n.tokens < blob_rate
            });
        }
        let fresh = |rate: f64| Bucket {
            tokens: rate,
            last: now,
        };
        let (by, bl) = accounts
            .entry(account)
            .or_insert_with(|| (fresh(byte_rate), fresh(blob_rate)));
        for (bucket, rate, kind, limit) in [
            (
                &mut *by,
                byte_rate,
                RateLimitKind::Bytes,
                self.bytes_per_sec,
            ),
            (
                &mut *bl,
                blob_rate,
                RateLimitKind::Blobs,
                self.blobs_per_sec,
            ),
        ] {
            if limit == 0 {
                continue;
            }
            bucket.refill(rate, now);
            if bucket.tokens < 0.0 {
                return Err(DisperserError::RateLimited {
                    account,
                    kind,
                    limit,
                    // at least 1 ms: a zero retry-after reads as "no limit"
                    retry_after: bucket.wait(rate).max(Duration::from_millis(1)),
                });
            }
        }
        // Blob-count tokens are whole blobs: take one only when one is there, so the
        // blob rate is never exceeded even in debt-free bursts.
        if self.blobs_per_sec > 0 && bl.tokens < 1.0 {
            return Err(DisperserError::RateLimited {
                account,
                kind: RateLimitKind::Blobs,
                limit: self.blobs_per_sec,
                retry_after: Duration::from_secs_f64((1.0 - bl.tokens) / blob_rate)
                    .max(Duration::from_millis(1)),
            });
        }
        if self.bytes_per_sec > 0 {
            by.tokens -= bytes as f64;
        }
        if self.blobs_per_sec > 0 {
            bl.tokens -= 1.0;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limited(r: Result<(), DisperserError>) -> (RateLimitKind, Duration) {
        match r {
            Err(DisperserError::RateLimited {
                kind, retry_after, ..
            }) => (kind, retry_after),
            other => panic!("expected a rate limit, got {other:?}"),
        }
    }

    #[test]
    fn byte_debt_is_repaid_at_the_rate() {
        let limiter = RateLimiter::new(1000, 0);
        let a = Address::repeat_byte(1);
        let t0 = Instant::now();
        // an idle account may send more than one second's worth once ...
        limiter.check(a, 3000, t0).expect("idle account passes");
        // ... then owes 2000 bytes: 2 s at 1000 B/s
        let (kind, wait) = limited(limiter.check(a, 1, t0));
        assert_eq!(kind, RateLimitKind::Bytes);
        assert_eq!(wait, Duration::from_secs(2));
        let (_, wait) = limited(limiter.check(a, 1, t0 + Duration::from_millis(1500)));
        assert_eq!(wait, Duration::from_millis(500));
        limiter
            .check(a, 1, t0 + Duration::from_secs(2))
            .expect("debt repaid");
        // other accounts are independent
        limiter
            .check(Address::repeat_byte(2), 10, t0)
            .expect("own bucket");
    }

    #[test]
    fn blob_rate_counts_whole_blobs() {
        let limiter = RateLimiter::new(0, 2);
        let a = Address::repeat_byte(1);
        let t0 = Instant::now();
        limiter.check(a, 1, t0).expect("first");
        limiter.check(a, 1, t0).expect("second");
        let (kind, wait) = limited(limiter.check(a, 1, t0));
        assert_eq!(kind, RateLimitKind::Blobs);
        assert_eq!(wait, Duration::from_millis(500));
        limiter
            .check(a, 1, t0 + Duration::from_millis(500))
            .expect("one token back");
    }

    #[test]
    fn zero_means_unlimited() {
        let limiter = RateLimiter::new(0, 0);
        let t0 = Instant::now();
        for _ in 0..1000 {
            limiter
                .check(Address::ZERO, u64::MAX, t0)
                .expect("unlimited");
        }
    }
}
