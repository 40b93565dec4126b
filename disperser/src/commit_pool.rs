//! The commitment pool: the one place where request-driven MSMs and pairings run.
//!
//! `GetBlobCommitment` (three MSMs over the blob, unauthenticated) and the commitment
//! checks of `DisperseBlob` (an MSM and two pairings) cost seconds per MiB; run without
//! a bound, a flood of them starves encoding and dispatch of every core. The pool has a
//! fixed number of slots, each a thread of its own rayon pool (so an MSM's internal
//! parallelism stays inside the pool too), and a small bounded wait queue; work beyond
//! both is refused at once with [`DisperserError::Busy`] (`RESOURCE_EXHAUSTED` with a
//! `retry-after-ms`), before any of it runs.
//!
//! Slots are split in two classes: [`AdmissionClass::OnDemand`] work uses at most
//! `slots - reserved`; [`AdmissionClass::Reserved`] work (accounts with a paid
//! reservation, once payments exist) may use every slot.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

use crate::error::DisperserError;
use crate::metrics::CommitmentMetrics;

/// Retry-after given while no job has finished yet (nothing measured).
const INITIAL_JOB_ESTIMATE: Duration = Duration::from_millis(500);
/// Shortest and longest retry-after the pool answers.
const RETRY_AFTER_BOUNDS: (Duration, Duration) =
    (Duration::from_millis(50), Duration::from_secs(60));

/// Who asks for commitment work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdmissionClass {
    /// Everyone: limited to the unreserved slots.
    OnDemand,
    /// An account with a paid reservation: may also use the reserved slots.
    Reserved,
}

/// Counters of the pool (also exported as metrics).
#[derive(Debug, Default)]
struct Counters {
    running: AtomicUsize,
    peak_running: AtomicUsize,
    waiting: AtomicUsize,
    started: AtomicU64,
    refused: AtomicU64,
    /// Exponential moving average of a job's run time, in microseconds (0: none yet).
    average_job_us: AtomicU64,
}

/// A bounded pool for commitment work. Cheap to share (`Arc`).
#[derive(Debug)]
pub struct CommitmentPool {
    threads: rayon::ThreadPool,
    slots: usize,
    queue: usize,
    /// Permits for every class.
    general: Arc<Semaphore>,
    /// Permits only [`AdmissionClass::Reserved`] work may take.
    reserved: Arc<Semaphore>,
    counters: Arc<Counters>,
    /// The same counts for Prometheus.
    metrics: CommitmentMetrics,
}

/// Decrements `waiting` however the wait ends (granted, refused, or the caller gone).
struct WaitGuard<'a>(&'a AtomicUsize);

impl Drop for WaitGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl CommitmentPool {
    /// A pool of `slots` threads, `reserved` of them kept for reserved work, and at most
    /// `queue` callers waiting for a slot.
    pub fn new(slots: usize, reserved: usize, queue: usize) -> Result<Self, DisperserError> {
        let slots = slots.max(1);
        let reserved = reserved.min(slots - 1);
        let threads = rayon::ThreadPoolBuilder::new()
            .num_threads(slots)
            .thread_name(|i| format!("commitment-{i}"))
            .build()
            .map_err(|e| DisperserError::Task {
                task: "commitment pool",
                reason: e.to_string(),
            })?;
        Ok(Self {
            threads,
            slots,
            queue,
            general: Arc::new(Semaphore::new(slots - reserved)),
            reserved: Arc::new(Semaphore::new(reserved)),
            counters: Arc::new(Counters::default()),
            metrics: CommitmentMetrics::default(),
        })
    }

    /// Reports the pool's counts into `metrics` too.
    pub fn with_metrics(mut self, metrics: CommitmentMetrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// Number of slots.
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// Jobs running now.
    pub fn running(&self) -> usize {
        self.counters.running.load(Ordering::Acquire)
    }

    /// Most jobs ever seen running at once (never above [`Self::slots`]).
    pub fn peak_running(&self) -> usize {
        self.counters.peak_running.load(Ordering::Acquire)
    }

    /// Callers waiting for a slot now.
    pub fn waiting(&self) -> usize {
        self.counters.waiting.load(Ordering::Acquire)
    }

    /// Jobs started since the pool was made (each is MSM or pairing work).
    pub fn started(&self) -> u64 {
        self.counters.started.load(Ordering::Acquire)
    }

    /// Requests refused because slots and queue were full.
    pub fn refused(&self) -> u64 {
        self.counters.refused.load(Ordering::Acquire)
    }

    /// When a refused caller should try again: the jobs ahead of it, spread over the
    /// slots, at the measured average job time.
    fn retry_after(&self) -> Duration {
        let average = match self.counters.average_job_us.load(Ordering::Acquire) {
            0 => INITIAL_JOB_ESTIMATE,
            us => Duration::from_micros(us),
        };
        let ahead = (self.running() + self.waiting()) as u32;
        let rounds = ahead.div_ceil(self.slots as u32).max(1);
        average
            .saturating_mul(rounds)
            .clamp(RETRY_AFTER_BOUNDS.0, RETRY_AFTER_BOUNDS.1)
    }

    fn busy(&self) -> DisperserError {
        self.counters.refused.fetch_add(1, Ordering::AcqRel);
        self.metrics.refused.inc();
        DisperserError::Busy {
            what: "commitment",
            slots: self.slots,
            queue: self.queue,
            retry_after: self.retry_after(),
        }
    }

    async fn permit(&self, class: AdmissionClass) -> Result<OwnedSemaphorePermit, DisperserError> {
        let try_now = || match class {
            AdmissionClass::OnDemand => self.general.clone().try_acquire_owned().ok(),
            AdmissionClass::Reserved => self
                .reserved
                .clone()
                .try_acquire_owned()
                .or_else(|_| self.general.clone().try_acquire_owned())
                .ok(),
        };
        if let Some(permit) = try_now() {
            return Ok(permit);
        }
        // Join the queue only while it has room; the check and the increment are one step.
        let queued = self
            .counters
            .waiting
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |w| {
                (w < self.queue).then_some(w + 1)
            });
        if queued.is_err() {
            return Err(self.busy());
        }
        let _waiting = WaitGuard(&self.counters.waiting);
        // The semaphores are never closed, so acquiring fails only if they were: then
        // the pool is gone and the disperser is stopping.
        let closed = |_| DisperserError::ShuttingDown;
        match class {
            AdmissionClass::OnDemand => self.general.clone().acquire_owned().await.map_err(closed),
            AdmissionClass::Reserved => tokio::select! {
                p = self.reserved.clone().acquire_owned() => p.map_err(closed),
                p = self.general.clone().acquire_owned() => p.map_err(closed),
            },
        }
    }

    /// Runs `job` on a slot once one is free (waiting in the bounded queue), or refuses
    /// at once with [`DisperserError::Busy`] when slots and queue are full.
    ///
    /// The slot is held until `job` returns, even if the caller stops waiting (the
    /// request was cancelled): the count of running jobs never exceeds the slots.
    pub async fn run<T, F>(&self, class: AdmissionClass, job: F) -> Result<T, DisperserError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let permit = self.permit(class).await?;
        let counters = self.counters.clone();
        let metrics = self.metrics.clone();
        let (tx, rx) = oneshot::channel();
        self.threads.spawn(move || {
            let running = counters.running.fetch_add(1, Ordering::AcqRel) + 1;
            counters.peak_running.fetch_max(running, Ordering::AcqRel);
            counters.started.fetch_add(1, Ordering::AcqRel);
            metrics.running.inc();
            metrics.started.inc();
            let started = Instant::now();
            // A panicking job must not take the pool thread (rayon aborts on an
            // unhandled panic) nor its slot with it.
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).ok();
            let us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
            // EWMA with weight 1/4 for the newest job; a lost race only skips one sample.
            let old = counters.average_job_us.load(Ordering::Acquire);
            let new = if old == 0 { us } else { (old * 3 + us) / 4 };
            counters.average_job_us.store(new.max(1), Ordering::Release);
            counters.running.fetch_sub(1, Ordering::AcqRel);
            metrics.running.dec();
            drop(permit);
            // The caller may have gone (request cancelled): the result is simply dropped.
            let _ = tx.send(out);
        });
        rx.await.ok().flatten().ok_or(DisperserError::Task {
            task: "commitment",
            reason: "the job panicked".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// Occupies one slot until the returned sender is dropped or sent to.
    async fn hold(pool: &Arc<CommitmentPool>, class: AdmissionClass) -> mpsc::Sender<()> {
        let (release, wait) = mpsc::channel::<()>();
        let (started_tx, started_rx) = oneshot::channel();
        let p = pool.clone();
        tokio::spawn(async move {
            p.run(class, move || {
                let _ = started_tx.send(());
                let _ = wait.recv();
            })
            .await
        });
        started_rx.await.expect("job started");
        release
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn full_slots_and_queue_refuse_with_a_retry_after() {
        let pool = Arc::new(CommitmentPool::new(2, 0, 1).expect("pool"));
        let a = hold(&pool, AdmissionClass::OnDemand).await;
        let b = hold(&pool, AdmissionClass::OnDemand).await;
        assert_eq!(pool.running(), 2);
        // one waits in the queue ...
        let p = pool.clone();
        let queued = tokio::spawn(async move { p.run(AdmissionClass::OnDemand, || 7).await });
        while pool.waiting() == 0 {
            tokio::task::yield_now().await;
        }
        // ... the next is refused at once, without running
        let started = pool.started();
        match pool.run(AdmissionClass::OnDemand, || 8).await {
            Err(DisperserError::Busy { retry_after, .. }) => {
                assert!(retry_after >= RETRY_AFTER_BOUNDS.0, "{retry_after:?}");
            }
            other => panic!("expected Busy, got {other:?}"),
        }
        assert_eq!(pool.started(), started, "a refused job never runs");
        assert_eq!(pool.refused(), 1);
        drop(a);
        assert_eq!(queued.await.expect("joins").expect("runs"), 7);
        drop(b);
        assert_eq!(pool.peak_running(), 2, "never more than the slots");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reserved_slots_are_kept_for_reserved_work() {
        let pool = Arc::new(CommitmentPool::new(2, 1, 0).expect("pool"));
        let _general = hold(&pool, AdmissionClass::OnDemand).await;
        // on-demand work cannot take the reserved slot (and the queue is 0)
        assert!(matches!(
            pool.run(AdmissionClass::OnDemand, || ()).await,
            Err(DisperserError::Busy { .. })
        ));
        // reserved work can
        assert_eq!(
            pool.run(AdmissionClass::Reserved, || 5)
                .await
                .expect("reserved slot"),
            5
        );
    }
}
