//! Per-client token buckets for the Retrieval service: one counts requests, one
//! counts bytes served.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most clients tracked; idle ones are dropped first when it is reached.
const MAX_CLIENTS: usize = 10_000;

/// Token buckets keyed by client IP.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    rate: f64,
    burst: f64,
    // std Mutex: held for one map lookup, never across an `.await`.
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    /// Negative while a reply larger than the balance is being paid back.
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// `rate` tokens per second sustained, `burst` at once.
    pub(crate) fn new(rate: u64, burst: u64) -> Self {
        Self {
            rate: rate.max(1) as f64,
            burst: burst.max(1) as f64,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes `cost` tokens from `client`'s bucket at `now` if it holds at least `need`;
    /// `Err(wait)` says when it will. A `cost` above the balance leaves the bucket in
    /// debt, so a reply whose size is known only once read is served, then paid for
    /// before the client's next one (`need` 1, `cost` 0 before; `need` 0 after).
    pub(crate) fn take(
        &self,
        client: IpAddr,
        need: f64,
        cost: f64,
        now: Instant,
    ) -> Result<(), Duration> {
        let mut buckets = match self.buckets.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&client) {
            // Forget clients whose buckets have refilled: they lose nothing.
            buckets.retain(|_, b| {
                let full_after = Duration::from_secs_f64((self.burst - b.tokens) / self.rate);
                now.saturating_duration_since(b.updated) < full_after
            });
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.burst);
        bucket.updated = now;
        if bucket.tokens >= need {
            bucket.tokens -= cost;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((need - bucket.tokens) / self.rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill_per_client() {
        let limiter = RateLimiter::new(2, 3);
        let a: IpAddr = [127, 0, 0, 1].into();
        let b: IpAddr = [127, 0, 0, 2].into();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.take(a, 1.0, 1.0, t0).is_ok());
        }
        let wait = limiter.take(a, 1.0, 1.0, t0).expect_err("burst spent");
        assert_eq!(wait, Duration::from_millis(500));
        assert!(
            limiter.take(b, 1.0, 1.0, t0).is_ok(),
            "other clients unaffected"
        );
        assert!(
            limiter
                .take(a, 1.0, 1.0, t0 + Duration::from_millis(500))
                .is_ok()
        );
    }

    #[test]
    fn a_reply_above_the_balance_is_served_then_paid_back() {
        // 1000 bytes/s, 2000 at once.
        let limiter = RateLimiter::new(1000, 2000);
        let client: IpAddr = [10, 0, 0, 1].into();
        let t0 = Instant::now();
        limiter.take(client, 1.0, 0.0, t0).expect("admitted");
        limiter
            .take(client, 0.0, 5000.0, t0)
            .expect("charged after reading");
        // 3000 in debt: one more byte of budget 3.001 s later.
        let wait = limiter.take(client, 1.0, 0.0, t0).expect_err("in debt");
        assert!(
            (Duration::from_millis(3000)..=Duration::from_millis(3002)).contains(&wait),
            "{wait:?}"
        );
        assert!(
            limiter
                .take(client, 1.0, 0.0, t0 + Duration::from_secs(3))
                .is_err()
        );
        assert!(
            limiter
                .take(client, 1.0, 0.0, t0 + Duration::from_millis(3002))
                .is_ok()
        );
    }
}
