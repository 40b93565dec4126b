//! Shared by the devnet benches: per-call timing and latency percentiles.

// Each bench uses part of this module.
#![allow(dead_code)]

use std::time::Duration;

/// `p50 … / p99 … (n = …)` of `samples`, nearest rank.
pub(crate) fn percentiles(samples: &mut [Duration]) -> String {
    if samples.is_empty() {
        return "no samples".into();
    }
    samples.sort();
    let rank = |p: f64| {
        let r = (p * samples.len() as f64).ceil() as usize;
        samples[r.clamp(1, samples.len()) - 1]
    };
    format!(
        "p50 {:.3} s / p99 {:.3} s (n = {})",
        rank(0.50).as_secs_f64(),
        rank(0.99).as_secs_f64(),
        samples.len()
    )
}

/// Runs `call` `iters` times (a criterion `iter_custom` body), recording each call's
/// time in `samples`; returns the total.
pub(crate) fn timed_calls(
    iters: u64,
    samples: &mut Vec<Duration>,
    mut call: impl FnMut(),
) -> Duration {
    let start = std::time::Instant::now();
    for _ in 0..iters {
        let one = std::time::Instant::now();
        call();
        samples.push(one.elapsed());
    }
    start.elapsed()
}
