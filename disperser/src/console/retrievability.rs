//! `GET /api/v1/blobs/{key}/retrievability`: can a `COMPLETE` blob be rebuilt from the
//! operators now? [`RetrievabilityChecks`] really retrieves it with `lamina-retriever`
//! (every chunk checked against the commitment, no operator trusted, the disperser's own
//! copy never used), bounded so that the endpoint cannot amplify load onto the
//! operators: each check has a deadline (`console.retrievability_timeout_ms`), at most
//! `console.retrievability_max_checks` run at once (one more is `503 BUSY`), a blob has
//! at most one check running (later requests wait for its answer), and an answer is
//! reused for `console.retrievability_cache_ms`. Requests are charged to the client
//! address first, like every console request.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lamina_console::ConsoleError;
use lamina_console::model::Retrievability;
use lamina_core::chain::EthChain;
use lamina_core::tls::GrpcConnector;
use lamina_core::{BlobHeader, BlobKey};
use lamina_encoding::{Blob, Srs};
use lamina_retriever::{RetrievalOptions, RetrievedBlob, Retriever, RetrieverError};
use tokio::sync::{OnceCell, Semaphore};
use tokio::time::Instant;

use crate::store::now_ns;

/// Blobs whose latest answer is kept; past it the oldest answer is dropped.
pub const RETRIEVABILITY_CACHE_ENTRIES: usize = 256;
/// The `Retry-After` of a `503 BUSY`: about one check's time on a healthy network.
const BUSY_RETRY_AFTER: Duration = Duration::from_secs(1);

/// What one check needs from the disperser's records.
pub struct CheckInput {
    /// The certified header.
    pub header: BlobHeader,
    /// The batch's reference block.
    pub reference_block: u32,
    /// The blob's bytes as accepted, while the disperser keeps them.
    pub dispersed: Option<Vec<u8>>,
}

/// One blob's latest check: when it was started and its answer once there.
type Slot<T> = (Instant, Arc<OnceCell<T>>);

/// The bounds on checks, whatever a check does: at most `permits` at once (one more is
/// [`ConsoleError::Busy`]), one per blob at a time (later callers wait for its answer),
/// answers reused for `reuse_for`, at most [`RETRIEVABILITY_CACHE_ENTRIES`] kept. Errors
/// are not kept: the next request checks again.
struct Bounds<T> {
    permits: Semaphore,
    reuse_for: Duration,
    /// std `Mutex`: a lookup or an insert, never held across `.await`.
    slots: Mutex<HashMap<BlobKey, Slot<T>>>,
}

impl<T: Clone> Bounds<T> {
    fn new(max_checks: usize, reuse_for: Duration) -> Self {
        Self {
            permits: Semaphore::new(max_checks),
            reuse_for,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The slot of `key`: its current one while running or fresh, else a new one.
    fn slot(&self, key: BlobKey) -> Arc<OnceCell<T>> {
        let now = Instant::now();
        let mut slots = self
            .slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((started, cell)) = slots.get(&key)
            && (!cell.initialized() || now.duration_since(*started) < self.reuse_for)
        {
            return cell.clone();
        }
        if slots.len() >= RETRIEVABILITY_CACHE_ENTRIES && !slots.contains_key(&key) {
            let reuse_for = self.reuse_for;
            slots.retain(|_, (started, cell)| {
                !cell.initialized() || now.duration_since(*started) < reuse_for
            });
            if slots.len() >= RETRIEVABILITY_CACHE_ENTRIES
                && let Some(oldest) = slots
                    .iter()
                    .min_by_key(|(_, (started, _))| *started)
                    .map(|(k, _)| *k)
            {
                slots.remove(&oldest);
            }
        }
        let cell = Arc::new(OnceCell::new());
        slots.insert(key, (now, cell.clone()));
        cell
    }

    /// The answer for `key`: reused, awaited from the check running, or `check(input)`
    /// under a permit (`input` runs only then, before the permit is taken).
    async fn answer<In, I, F, Fut>(
        &self,
        key: BlobKey,
        input: I,
        check: F,
    ) -> Result<T, ConsoleError>
    where
        I: Future<Output = Result<In, ConsoleError>>,
        F: FnOnce(In) -> Fut,
        Fut: Future<Output = Result<T, ConsoleError>>,
    {
        let cell = self.slot(key);
        cell.get_or_try_init(|| async {
            // The records first: a blob that is not COMPLETE is WRONG_STATE, never BUSY.
            let input = input.await?;
            let _permit = self.permits.try_acquire().map_err(|_| ConsoleError::Busy {
                what: "retrievability checks",
                retry_after: BUSY_RETRY_AFTER,
            })?;
            check(input).await
        })
        .await
        .cloned()
    }
}

/// The bounded live checks (see the module docs).
pub struct RetrievabilityChecks {
    retriever: Retriever<EthChain>,
    timeout: Duration,
    bounds: Bounds<Retrievability>,
}

impl std::fmt::Debug for RetrievabilityChecks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetrievabilityChecks")
            .field("timeout", &self.timeout)
            .field("reuse_for", &self.bounds.reuse_for)
            .finish_non_exhaustive()
    }
}

impl RetrievabilityChecks {
    /// Checks over `chain`'s operators, verifying with `srs`, opening operator sockets
    /// with `connector` (the dispatcher's, so TLS settings match), limited by `config`.
    pub fn new(
        chain: EthChain,
        srs: Arc<Srs>,
        connector: GrpcConnector,
        config: &lamina_console::ConsoleConfig,
    ) -> Self {
        let timeout = Duration::from_millis(config.retrievability_timeout_ms);
        let options = RetrievalOptions {
            operator_timeout_ms: RetrievalOptions::default()
                .operator_timeout_ms
                .min(config.retrievability_timeout_ms),
            ..RetrievalOptions::default()
        };
        Self {
            retriever: Retriever::new(chain, srs, options).with_tls(connector),
            timeout,
            bounds: Bounds::new(
                config.retrievability_max_checks,
                Duration::from_millis(config.retrievability_cache_ms),
            ),
        }
    }

    /// The answer for `key`: reused, awaited from the check running, or a new check
    /// (`input` reads the disperser's records only when one runs).
    pub async fn check<F>(&self, key: BlobKey, input: F) -> Result<Retrievability, ConsoleError>
    where
        F: Future<Output = Result<CheckInput, ConsoleError>>,
    {
        self.bounds
            .answer(key, input, |input| self.run(key, input))
            .await
    }

    async fn run(&self, key: BlobKey, input: CheckInput) -> Result<Retrievability, ConsoleError> {
        let started = Instant::now();
        let mut answer = Retrievability {
            blob_key: key.to_string(),
            retrievable: false,
            quorum: None,
            chunks_needed: 0,
            chunks_got: 0,
            operators: 0,
            operators_asked: 0,
            operators_answered: 0,
            elapsed_ms: 0,
            checked_ms: now_ns() / 1_000_000,
            payload_bytes: None,
            payload_keccak256: None,
            matches_dispersed: None,
            reason: String::new(),
        };
        match tokio::time::timeout(
            self.timeout,
            self.rebuild_from_any_quorum(&input, &mut answer),
        )
        .await
        {
            Ok(Ok(Some(retrieved))) => {
                answer.retrievable = true;
                answer.matches_dispersed = input
                    .dispersed
                    .as_deref()
                    .map(|bytes| same_blob(bytes, &retrieved.blob));
                match retrieved.into_payload(key).await {
                    Ok(r) => {
                        answer.payload_bytes = Some(r.payload.len() as u64);
                        answer.payload_keccak256 = Some(format!(
                            "0x{}",
                            hex::encode(alloy_primitives::keccak256(&r.payload))
                        ));
                    }
                    // Certified and rebuilt, but not a payload encoding: retrievable
                    // as a raw blob (form BLOB), which is what the network certifies.
                    Err(e) => answer.reason = e.to_string(),
                }
            }
            Ok(Ok(None)) => {}
            Ok(Err(e)) => return Err(e),
            Err(_) => {
                answer.reason = format!(
                    "no rebuild within {} ms (console.retrievability_timeout_ms)",
                    self.timeout.as_millis()
                );
            }
        }
        answer.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        Ok(answer)
    }

    /// Rebuilds the blob from the operators of each of its quorums in turn, recording
    /// the last attempt's figures in `answer`; `None` (with the reason) when none can.
    async fn rebuild_from_any_quorum(
        &self,
        input: &CheckInput,
        answer: &mut Retrievability,
    ) -> Result<Option<RetrievedBlob>, ConsoleError> {
        for &quorum in &input.header.quorum_numbers {
            answer.quorum = Some(quorum);
            let result = self
                .retriever
                .retrieve_blob(&input.header, input.reference_block, quorum)
                .await;
            let report = match &result {
                Ok(retrieved) => Some(&retrieved.report),
                Err(RetrieverError::NotEnoughChunks { report, .. }) => Some(&**report),
                Err(_) => None,
            };
            if let Some(report) = report {
                answer.chunks_needed = report.chunks_needed as u64;
                answer.chunks_got = report.chunks_got as u64;
                answer.operators = report.operators.len() as u64;
                answer.operators_asked = report
                    .operators
                    .iter()
                    .filter(|o| o.state != lamina_retriever::OperatorState::NotAsked)
                    .count() as u64;
                answer.operators_answered = report
                    .operators
                    .iter()
                    .filter(|o| o.state == lamina_retriever::OperatorState::Answered)
                    .count() as u64;
            }
            match result {
                Ok(retrieved) => return Ok(Some(retrieved)),
                Err(e) => answer.reason = not_retrievable(e)?,
            }
        }
        Ok(None)
    }
}

/// Why the operators could not rebuild the blob (`Ok`: the answer's reason), or why the
/// check itself failed (`Err`: the request's error). Exhaustive: a new retriever error
/// must be placed.
fn not_retrievable(e: RetrieverError) -> Result<String, ConsoleError> {
    let internal = |e: RetrieverError| ConsoleError::Internal {
        what: "retrievability check",
        reason: e.to_string(),
    };
    match e {
        // The operators' doing: the answer is "no".
        e @ (RetrieverError::NotEnoughChunks { .. }
        | RetrieverError::Decode { .. }
        | RetrieverError::Assignment { .. }
        | RetrieverError::DisperserFallback { .. }) => Ok(e.to_string()),
        RetrieverError::Chain { source, .. } => Err(ConsoleError::Unavailable {
            what: "chain",
            reason: source.to_string(),
        }),
        // The disperser's own records or setup (its SRS, a certified header): not an
        // answer about the operators.
        e @ (RetrieverError::InvalidRequest { .. }
        | RetrieverError::Proto(_)
        | RetrieverError::Certificate(_)
        | RetrieverError::QuorumNotInBlob { .. }
        | RetrieverError::ReferenceBlockTooLarge { .. }
        | RetrieverError::Params { .. }
        | RetrieverError::BadCommitment { .. }
        | RetrieverError::SrsTooSmall { .. }
        | RetrieverError::BlobShape { .. }
        | RetrieverError::Payload { .. }
        | RetrieverError::Worker { .. }
        | RetrieverError::Config { .. }
        | RetrieverError::Srs(_)
        | RetrieverError::SrsSetup(_)
        | RetrieverError::Tls(_)
        | RetrieverError::Io { .. }
        | RetrieverError::Bind { .. }
        | RetrieverError::Transport(_)) => Err(internal(e)),
    }
}

/// The blob accepted (`dispersed` bytes) and the rebuilt one are the same symbols: the
/// rebuilt blob has the committed length, the accepted bytes may stop before its
/// zero padding.
fn same_blob(dispersed: &[u8], rebuilt: &Blob) -> bool {
    let Ok(accepted) = Blob::from_bytes(dispersed) else {
        return false;
    };
    let (a, b) = (accepted.coeffs(), rebuilt.coeffs());
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    long[..short.len()] == *short
        && long[short.len()..]
            .iter()
            .all(|c| *c == ark_bn254::Fr::from(0u64))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn key(i: u16) -> BlobKey {
        let mut k = [0u8; 32];
        k[..2].copy_from_slice(&i.to_be_bytes());
        BlobKey(k)
    }

    async fn ready() -> Result<(), ConsoleError> {
        Ok(())
    }

    #[tokio::test(start_paused = true)]
    async fn one_check_per_blob_answers_every_caller_and_is_reused_until_stale() {
        let bounds = Bounds::<u64>::new(2, Duration::from_secs(10));
        let runs = AtomicUsize::new(0);
        let gate = tokio::sync::Notify::new();
        let check = |()| async {
            runs.fetch_add(1, Ordering::SeqCst);
            gate.notified().await;
            Ok(7)
        };
        let first = bounds.answer(key(1), ready(), check);
        let second = bounds.answer(key(1), ready(), |()| async {
            runs.fetch_add(1, Ordering::SeqCst);
            Ok(8)
        });
        let release = async {
            tokio::task::yield_now().await;
            gate.notify_one();
        };
        let (a, b, ()) = tokio::join!(first, second, release);
        assert_eq!((a.expect("answer"), b.expect("answer")), (7, 7));
        assert_eq!(runs.load(Ordering::SeqCst), 1, "one check for two callers");

        // Fresh: reused without a check.
        let again = bounds
            .answer(key(1), ready(), |()| async { Ok(9) })
            .await
            .expect("answer");
        assert_eq!(again, 7);
        // Stale: checked again.
        tokio::time::advance(Duration::from_secs(11)).await;
        let fresh = bounds
            .answer(key(1), ready(), |()| async { Ok(9) })
            .await
            .expect("answer");
        assert_eq!(fresh, 9);
    }

    #[tokio::test(start_paused = true)]
    async fn a_check_beyond_the_limit_is_busy_and_errors_are_not_kept() {
        let bounds = Bounds::<u64>::new(1, Duration::from_secs(10));
        let gate = tokio::sync::Notify::new();
        let slow = bounds.answer(key(1), ready(), |()| async {
            gate.notified().await;
            Ok(1)
        });
        let other = async {
            tokio::task::yield_now().await;
            let busy = bounds
                .answer(key(2), ready(), |()| async { Ok(2) })
                .await
                .expect_err("one check at most");
            assert!(
                matches!(busy, ConsoleError::Busy { .. }),
                "{busy:?} is not BUSY"
            );
            // A blob in the wrong state is told so, not BUSY: its records come first.
            let wrong = bounds
                .answer(
                    key(3),
                    async {
                        Err::<(), _>(ConsoleError::WrongState {
                            what: "blob",
                            key: "3".into(),
                            reason: "FAILED".into(),
                        })
                    },
                    |()| async { Ok(3) },
                )
                .await
                .expect_err("wrong state");
            assert!(
                matches!(wrong, ConsoleError::WrongState { .. }),
                "{wrong:?}"
            );
            gate.notify_one();
        };
        let (slow, ()) = tokio::join!(slow, other);
        assert_eq!(slow.expect("answer"), 1);
        // The BUSY answer was not kept: key 2 is checked now that a permit is free.
        let now = bounds
            .answer(key(2), ready(), |()| async { Ok(2) })
            .await
            .expect("answer");
        assert_eq!(now, 2);
    }

    #[tokio::test(start_paused = true)]
    async fn the_cache_keeps_at_most_its_bound() {
        let bounds = Bounds::<u64>::new(1, Duration::from_secs(10));
        for i in 0..(RETRIEVABILITY_CACHE_ENTRIES as u16 + 10) {
            bounds
                .answer(key(i), ready(), |()| async move { Ok(u64::from(i)) })
                .await
                .expect("answer");
        }
        let kept = bounds.slots.lock().expect("not poisoned").len();
        assert_eq!(kept, RETRIEVABILITY_CACHE_ENTRIES);
    }

    #[test]
    fn same_blob_ignores_only_zero_padding() {
        let payload = vec![7u8; 1000];
        let blob = Blob::from_payload(&payload).expect("blob");
        let bytes = blob.to_bytes();
        assert!(same_blob(&bytes, &blob));
        let mut padded = blob.coeffs().to_vec();
        padded.resize(
            padded.len().next_power_of_two() * 2,
            ark_bn254::Fr::from(0u64),
        );
        let padded = Blob::from_coeffs(padded).expect("padded blob");
        assert!(same_blob(&bytes, &padded), "zero padding is the same blob");
        let other = Blob::from_payload(&[8u8; 1000]).expect("blob");
        assert!(!same_blob(&bytes, &other));
    }
}
