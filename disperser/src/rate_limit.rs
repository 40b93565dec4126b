//! Rate limits per account and per client address (bytes per second and blobs per second).
//!
//! Each key (an account, or a client address) has two token buckets holding at most one
//! second of its rate. A request passes when both buckets are non-negative; it then
//! takes its cost, possibly driving a bucket into debt (so a blob larger than one
//! second of byte rate still passes when the key was idle). While a bucket is in debt
//! the key is refused with the exact time the debt takes to repay.
//!
//! The table of keys is bounded (`max_tracked`): when it is full, keys whose buckets
//! are full again are forgotten first, then the least recently seen eighth. Rotating
//! accounts or addresses therefore cannot grow memory without end; a forgotten key in
//! debt starts afresh, which costs at most one second of its rate.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::RateLimitKind;

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

/// A refusal: which limit, its value, and when the request would pass.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limited {
    /// Which limit.
    pub kind: RateLimitKind,
    /// The configured limit.
    pub limit: u64,
    /// When the request would pass.
    pub retry_after: Duration,
}

/// Rate limits of every key (`K`: an account `Address`, or a client [`IpAddr`]).
#[derive(Debug)]
pub struct RateLimiter<K> {
    bytes_per_sec: u64,
    blobs_per_sec: u64,
    max_tracked: usize,
    /// std `Mutex`: held for a few arithmetic operations (and, when the table is full,
    /// one pass over it), never across `.await`.
    keys: Mutex<HashMap<K, (Bucket, Bucket)>>,
}

/// The key a client address is limited under: IPv4 as is, IPv6 by its /64 (one host
/// usually holds a whole /64, so limiting single IPv6 addresses would limit nothing).
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

impl<K: Hash + Eq + Copy> RateLimiter<K> {
    /// Limits of `bytes_per_sec` and `blobs_per_sec` per key (0 means unlimited),
    /// remembering at most `max_tracked` keys.
    pub fn new(bytes_per_sec: u64, blobs_per_sec: u64, max_tracked: usize) -> Self {
        Self {
            bytes_per_sec,
            blobs_per_sec,
            max_tracked: max_tracked.max(1),
            keys: Mutex::new(HashMap::new()),
        }
    }

    /// Keys tracked now.
    pub fn tracked(&self) -> usize {
        self.keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    /// Makes room for one more key: forgets keys whose buckets are full again, then,
    /// if that was not enough, the least recently seen eighth of the table.
    fn evict(&self, keys: &mut HashMap<K, (Bucket, Bucket)>, now: Instant) {
        let (byte_rate, blob_rate) = (self.bytes_per_sec as f64, self.blobs_per_sec as f64);
        keys.retain(|_, (b, n)| {
            b.refill(byte_rate, now);
            n.refill(blob_rate, now);
            b.tokens < byte_rate || n.tokens < blob_rate
        });
        if keys.len() < self.max_tracked {
            return;
        }
        let mut seen: Vec<Instant> = keys.values().map(|(b, _)| b.last).collect();
        let drop = (seen.len() / 8).max(1);
        let (_, cutoff, _) = seen.select_nth_unstable(drop - 1);
        let cutoff = *cutoff;
        keys.retain(|_, (b, _)| b.last > cutoff);
    }

    /// Whether any request under `key` would be refused at `now`, whatever its size,
    /// charging nothing: a server can then refuse before it reads the request's body.
    /// A key not tracked (never seen, or forgotten) is never refused here.
    pub fn refusal(&self, key: K, now: Instant) -> Option<Limited> {
        if self.bytes_per_sec == 0 && self.blobs_per_sec == 0 {
            return None;
        }
        let mut keys = self
            .keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (by, bl) = keys.get_mut(&key)?;
        by.refill(self.bytes_per_sec as f64, now);
        bl.refill(self.blobs_per_sec as f64, now);
        self.refusal_of(by, bl)
    }

    /// The refusal of a key whose buckets (refilled to now) are `by` and `bl`, if any.
    fn refusal_of(&self, by: &Bucket, bl: &Bucket) -> Option<Limited> {
        let byte_rate = self.bytes_per_sec as f64;
        let blob_rate = self.blobs_per_sec as f64;
        for (bucket, rate, kind, limit) in [
            (by, byte_rate, RateLimitKind::Bytes, self.bytes_per_sec),
            (bl, blob_rate, RateLimitKind::Blobs, self.blobs_per_sec),
        ] {
            if limit != 0 && bucket.tokens < 0.0 {
                return Some(Limited {
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
            return Some(Limited {
                kind: RateLimitKind::Blobs,
                limit: self.blobs_per_sec,
                retry_after: Duration::from_secs_f64((1.0 - bl.tokens) / blob_rate)
                    .max(Duration::from_millis(1)),
            });
        }
        None
    }

    /// Admits a request of `bytes` under `key` at `now`, or says when to retry.
    pub fn check(&self, key: K, bytes: u64, now: Instant) -> Result<(), Limited> {
        if self.bytes_per_sec == 0 && self.blobs_per_sec == 0 {
            return Ok(());
        }
        let byte_rate = self.bytes_per_sec as f64;
        let blob_rate = self.blobs_per_sec as f64;
        let mut keys = self
            .keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if keys.len() >= self.max_tracked && !keys.contains_key(&key) {
            self.evict(&mut keys, now);
        }
        let fresh = |rate: f64| Bucket {
            tokens: rate,
            last: now,
        };
        let (by, bl) = keys
            .entry(key)
            .or_insert_with(|| (fresh(byte_rate), fresh(blob_rate)));
        // Both buckets are refilled (and so marked as seen now) whatever the outcome.
        by.refill(byte_rate, now);
        bl.refill(blob_rate, now);
        if let Some(limited) = self.refusal_of(by, bl) {
            return Err(limited);
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

    use alloy_primitives::Address;

    fn limited(r: Result<(), Limited>) -> (RateLimitKind, Duration) {
        match r {
            Err(Limited {
                kind, retry_after, ..
            }) => (kind, retry_after),
            Ok(()) => panic!("expected a rate limit, got Ok"),
        }
    }

    #[test]
    fn byte_debt_is_repaid_at_the_rate() {
        let limiter = RateLimiter::new(1000, 0, 100);
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
    fn refusal_charges_nothing_and_agrees_with_check() {
        let limiter = RateLimiter::new(1000, 0, 100);
        let a = Address::repeat_byte(1);
        let t0 = Instant::now();
        assert_eq!(limiter.refusal(a, t0), None, "an unseen key is not refused");
        assert_eq!(limiter.tracked(), 0, "asking tracks nothing");
        limiter.check(a, 3000, t0).expect("idle account passes");
        let refused = limiter.refusal(a, t0).expect("in debt");
        assert_eq!(refused.retry_after, Duration::from_secs(2));
        // asking again and again costs nothing: the debt is still repaid in 2 s
        for _ in 0..10 {
            assert!(limiter.refusal(a, t0 + Duration::from_secs(1)).is_some());
        }
        assert_eq!(limiter.refusal(a, t0 + Duration::from_secs(2)), None);
        limiter
            .check(a, 1, t0 + Duration::from_secs(2))
            .expect("debt repaid");
    }

    #[test]
    fn blob_rate_counts_whole_blobs() {
        let limiter = RateLimiter::new(0, 2, 100);
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
        let limiter = RateLimiter::<Address>::new(0, 0, 100);
        let t0 = Instant::now();
        for _ in 0..1000 {
            limiter
                .check(Address::ZERO, u64::MAX, t0)
                .expect("unlimited");
        }
    }

    #[test]
    fn the_table_stays_bounded_under_key_rotation() {
        // every key ends in debt, so "full buckets first" frees nothing
        let limiter = RateLimiter::new(10, 0, 64);
        let t0 = Instant::now();
        for i in 0..10_000u32 {
            let key = std::net::IpAddr::from(i.to_be_bytes());
            limiter
                .check(key, 100, t0 + Duration::from_micros(u64::from(i)))
                .expect("a fresh key passes once");
            assert!(
                limiter.tracked() <= 64,
                "{} keys tracked",
                limiter.tracked()
            );
        }
        // the most recent key is still remembered (and in debt)
        let last = std::net::IpAddr::from(9_999u32.to_be_bytes());
        limited(limiter.check(last, 1, t0 + Duration::from_millis(10)));
    }

    #[test]
    fn ipv6_clients_are_limited_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:bbbb::7".parse().expect("ip");
        let other: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(other));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().expect("ip");
        assert_eq!(
            address_key(mapped),
            "10.0.0.1".parse::<IpAddr>().expect("ip")
        );
    }
}
