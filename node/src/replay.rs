//! Replay protection: the digests of recently accepted StoreChunks requests.
//!
//! A request is only accepted within `max_timestamp_skew` of its timestamp, so a digest
//! needs remembering for twice that long; after that the timestamp check refuses it.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use alloy_primitives::B256;

/// Most digests remembered; at one batch per second and a 60 s skew the window holds
/// 120, so this bound is only reached under abuse, when the oldest are forgotten first.
pub(crate) const MAX_REMEMBERED_DIGESTS: usize = 100_000;

/// Recently seen request digests.
#[derive(Debug)]
pub(crate) struct ReplayGuard {
    window: Duration,
    // std Mutex: held for a hash-map operation, never across an `.await`.
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    digests: HashMap<B256, Instant>,
    order: VecDeque<(Instant, B256)>,
}

impl ReplayGuard {
    /// Remembers digests for `window` (twice the allowed timestamp skew).
    pub(crate) fn new(window: Duration) -> Self {
        Self {
            window,
            seen: Mutex::new(Seen::default()),
        }
    }

    /// Records `digest` seen at `now`; `false` if it was already seen within the window.
    pub(crate) fn check_and_insert(&self, digest: B256, now: Instant) -> bool {
        let mut seen = match self.seen.lock() {
            Ok(guard) => guard,
            // A panic while holding the lock left at worst a stale entry: keep going.
            Err(poisoned) => poisoned.into_inner(),
        };
        while let Some(&(at, old)) = seen.order.front() {
            let expired = now.saturating_duration_since(at) > self.window;
            if !expired && seen.order.len() < MAX_REMEMBERED_DIGESTS {
                break;
            }
            seen.order.pop_front();
            if seen.digests.get(&old) == Some(&at) {
                seen.digests.remove(&old);
            }
        }
        if seen.digests.contains_key(&digest) {
            return false;
        }
        seen.digests.insert(digest, now);
        seen.order.push_back((now, digest));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_digest_within_the_window_and_forgets_it_after() {
        let guard = ReplayGuard::new(Duration::from_secs(10));
        let t0 = Instant::now();
        let d = B256::repeat_byte(1);
        assert!(guard.check_and_insert(d, t0));
        assert!(!guard.check_and_insert(d, t0 + Duration::from_secs(5)));
        assert!(guard.check_and_insert(B256::repeat_byte(2), t0 + Duration::from_secs(5)));
        assert!(guard.check_and_insert(d, t0 + Duration::from_secs(11)));
    }
}
