//! Per-client admission for the Retrieval service: token buckets (one counts requests,
//! one counts bytes served) and a bound on reads in flight per client.
//!
//! Every table here is bounded: buckets by `max_clients` (the least recently used are
//! evicted first, so rotating source addresses cannot grow memory), reads in flight by
//! the gRPC server's global concurrency limit (an entry lives only while a read runs).
//! IPv6 clients are keyed by their /64, which one host usually owns whole.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a client refused for too many reads in flight is told to wait: about one
/// small read on a local disk.
pub(crate) const READS_IN_FLIGHT_RETRY_AFTER: Duration = Duration::from_millis(100);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves a valid table: keep going.
    match m.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// The key a client is accounted under: its IPv4 address, or the /64 of its IPv6 one
/// (IPv4-mapped IPv6 addresses count as IPv4).
pub(crate) fn client_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(prefix.into())
        }
    }
}

/// Token buckets keyed by client.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    rate: f64,
    burst: f64,
    max_clients: usize,
    // std Mutex: held for map operations only, never across an `.await`.
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    /// Negative while a reply larger than the balance is being paid back.
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// `rate` tokens per second sustained, `burst` at once, at most `max_clients` buckets.
    pub(crate) fn new(rate: u64, burst: u64, max_clients: usize) -> Self {
        Self {
            rate: rate.max(1) as f64,
            burst: burst.max(1) as f64,
            max_clients: max_clients.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Buckets held.
    #[cfg(test)]
    pub(crate) fn clients(&self) -> usize {
        lock(&self.buckets).len()
    }

    /// Makes room for one more bucket: drops buckets that have refilled (their clients
    /// lose nothing), and if that is not enough the least recently used tenth, so the
    /// O(n) pass runs once per n/10 new clients at most.
    fn make_room(&self, buckets: &mut HashMap<IpAddr, Bucket>, now: Instant) {
        buckets.retain(|_, b| {
            let full_after =
                Duration::from_secs_f64(((self.burst - b.tokens) / self.rate).max(0.0));
            now.saturating_duration_since(b.updated) < full_after
        });
        if buckets.len() < self.max_clients {
            return;
        }
        let evict = (self.max_clients / 10).max(1);
        let mut ages: Vec<Instant> = buckets.values().map(|b| b.updated).collect();
        let cut = evict.min(ages.len()) - 1;
        let (_, &mut oldest_kept, _) = ages.select_nth_unstable(cut);
        buckets.retain(|_, b| b.updated > oldest_kept);
    }

    /// Takes `cost` tokens from `client`'s bucket at `now` if it holds at least `need`;
    /// `Err(wait)` says when it will. A `cost` above the balance leaves the bucket in
    /// debt, paid back before the client's next request is admitted.
    pub(crate) fn take(
        &self,
        client: IpAddr,
        need: f64,
        cost: f64,
        now: Instant,
    ) -> Result<(), Duration> {
        let mut buckets = lock(&self.buckets);
        if buckets.len() >= self.max_clients && !buckets.contains_key(&client) {
            self.make_room(&mut buckets, now);
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

    /// Charges `amount` (an upper bound of what is about to be served) BEFORE the work,
    /// admitting the client when it is not in debt. Concurrent reads therefore each hold
    /// their whole bound, and a client whose balance covers none of them waits; settle
    /// with [`Self::refund`] once the real size is known.
    pub(crate) fn reserve(
        &self,
        client: IpAddr,
        amount: f64,
        now: Instant,
    ) -> Result<(), Duration> {
        self.take(client, 1.0, amount, now)
    }

    /// Gives back `amount` reserved but not used (never above a full bucket).
    pub(crate) fn refund(&self, client: IpAddr, amount: f64) {
        if let Some(bucket) = lock(&self.buckets).get_mut(&client) {
            bucket.tokens = (bucket.tokens + amount).min(self.burst);
        }
    }
}

/// Reads in flight per client, each at most `max_per_client`.
#[derive(Debug)]
pub(crate) struct ReadsInFlight {
    max_per_client: u32,
    // std Mutex: held for one map update, never across an `.await`.
    counts: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

/// One read in flight; dropping it ends the read.
#[derive(Debug)]
pub(crate) struct ReadPermit {
    client: IpAddr,
    counts: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

impl Drop for ReadPermit {
    fn drop(&mut self) {
        let mut counts = lock(&self.counts);
        if let Some(n) = counts.get_mut(&self.client) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&self.client);
            }
        }
    }
}

impl ReadsInFlight {
    /// At most `max_per_client` (at least 1) reads in flight per client.
    pub(crate) fn new(max_per_client: u32) -> Self {
        Self {
            max_per_client: max_per_client.max(1),
            counts: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// A permit for one more read by `client`, or `None` when it has its maximum.
    pub(crate) fn try_start(&self, client: IpAddr) -> Option<ReadPermit> {
        let mut counts = lock(&self.counts);
        let n = counts.entry(client).or_insert(0);
        if *n >= self.max_per_client {
            return None;
        }
        *n += 1;
        Some(ReadPermit {
            client,
            counts: self.counts.clone(),
        })
    }

    /// Clients with a read in flight.
    #[cfg(test)]
    pub(crate) fn clients(&self) -> usize {
        lock(&self.counts).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill_per_client() {
        let limiter = RateLimiter::new(2, 3, 100);
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
        let limiter = RateLimiter::new(1000, 2000, 100);
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

    #[test]
    fn the_client_table_stays_at_its_cap_under_address_rotation() {
        let limiter = RateLimiter::new(1, 10, 100);
        let t0 = Instant::now();
        // 10,000 distinct addresses, each leaving a non-full (so not forgettable) bucket.
        for i in 0..10_000u32 {
            let client = IpAddr::from(i.to_be_bytes());
            limiter
                .take(client, 1.0, 5.0, t0 + Duration::from_micros(u64::from(i)))
                .expect("a new client has a full bucket");
            assert!(
                limiter.clients() <= 100,
                "{} buckets after {i}",
                limiter.clients()
            );
        }
        // The most recent client keeps its debt: the oldest were evicted, not it.
        let last = IpAddr::from(9_999u32.to_be_bytes());
        let now = t0 + Duration::from_micros(9_999);
        assert!(limiter.take(last, 6.0, 0.0, now).is_err(), "5 of 10 left");
    }

    #[test]
    fn ipv6_clients_share_their_slash_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().expect("ip");
        let c: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().expect("ip");
        assert_eq!(client_key(mapped), IpAddr::from([10, 0, 0, 1]));
    }

    #[test]
    fn bytes_are_reserved_before_the_read_and_refunded_after() {
        let limiter = RateLimiter::new(1000, 10_000, 100);
        let client: IpAddr = [10, 0, 0, 2].into();
        let t0 = Instant::now();
        // Three concurrent reads of at most 4,000 bytes: the third leaves the client in
        // debt, so a fourth cannot start before any has been served (paying after the
        // read let every concurrent read start on a positive balance).
        for read in ["first", "second", "third"] {
            limiter.reserve(client, 4000.0, t0).expect(read);
        }
        let wait = limiter.reserve(client, 4000.0, t0).expect_err("fourth");
        assert!(
            (Duration::from_millis(2000)..=Duration::from_millis(2002)).contains(&wait),
            "{wait:?}"
        );
        // The reads turn out to be 100 bytes each: the rest comes back.
        for _ in 0..3 {
            limiter.refund(client, 3900.0);
        }
        limiter.reserve(client, 4000.0, t0).expect("room again");
    }

    #[test]
    fn reads_in_flight_are_bounded_per_client() {
        let reads = ReadsInFlight::new(2);
        let a: IpAddr = [10, 0, 0, 3].into();
        let b: IpAddr = [10, 0, 0, 4].into();
        let first = reads.try_start(a).expect("first");
        let second = reads.try_start(a).expect("second");
        assert!(reads.try_start(a).is_none(), "third refused");
        let other = reads.try_start(b).expect("other clients unaffected");
        drop(first);
        let third = reads.try_start(a).expect("a slot freed");
        drop((second, third, other));
        assert_eq!(reads.clients(), 0, "no entry outlives its reads");
    }
}
