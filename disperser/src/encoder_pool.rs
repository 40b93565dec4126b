//! Where the controller's blobs are encoded: in this process (the default), or on a pool
//! of remote encoders (`lamina encoder run`, [`lamina_encoder`]).
//!
//! The pool sends each blob to the least-loaded encoder that has room (at most its
//! reported capacity in flight, learned with `GetLoad`), reads the frames the encoder
//! wrote to the object store back (checking the digest it reported), and deletes the
//! object. An encoder that fails, times out or cannot be reached is rested for a while
//! and the blob goes to another; an encoder that answers that the blob itself cannot be
//! encoded (INVALID_ARGUMENT, FAILED_PRECONDITION) or is gone (NOT_FOUND) ends the
//! blob, since every encoder would say the same.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use lamina_core::BlobKey;
use lamina_core::tls::GrpcConnector;
use lamina_encoding::{BlobParams, Encoder};
use lamina_proto::MAX_MESSAGE_SIZE;
use lamina_proto::encoder::v1 as pb;
use lamina_proto::encoder::v1::encoder_client::EncoderClient;
use lamina_storage::{BlobObjects, FramesSummary};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use tokio::sync::Notify;
use tonic::Code;
use tonic::transport::Channel;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;

use crate::error::ConfigError;
use crate::metrics::Labels;

/// The `[encoder_pool]` table: where blobs are encoded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EncoderPoolConfig {
    /// Encoder endpoints (`host:port`, `http://…`, or `https://…` with the `[tls]` CA).
    /// Empty (the default): encode in this process, `encoding_concurrency` blobs at once.
    pub endpoints: Vec<String>,
    /// Longest one `EncodeBlob` may take before the blob goes to another encoder,
    /// milliseconds. Default: 120000.
    pub request_timeout_ms: u64,
    /// Encoders tried for one blob before it ends FAILED. Default: 3.
    pub max_attempts: u32,
    /// How long an encoder that failed is left alone before it gets work again,
    /// milliseconds (doubled after each further failure, up to 16×). Default: 1000.
    pub retry_backoff_ms: u64,
}

impl Default for EncoderPoolConfig {
    fn default() -> Self {
        Self {
            endpoints: Vec::new(),
            request_timeout_ms: 120_000,
            max_attempts: 3,
            retry_backoff_ms: 1000,
        }
    }
}

impl EncoderPoolConfig {
    /// Checks every field, naming the bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |field, reason: &str| {
            Err(ConfigError::Invalid {
                field,
                reason: reason.to_owned(),
            })
        };
        if self.request_timeout_ms == 0 {
            return bad("encoder_pool.request_timeout_ms", "must be at least 1");
        }
        if self.max_attempts == 0 {
            return bad("encoder_pool.max_attempts", "must be at least 1");
        }
        if self.endpoints.iter().any(|e| e.trim().is_empty()) {
            return bad("encoder_pool.endpoints", "an endpoint is empty");
        }
        Ok(())
    }
}

/// Why a blob was not encoded.
#[derive(Debug, thiserror::Error)]
pub enum PoolFailure {
    /// The blob cannot be encoded (any encoder would say so): it ends FAILED.
    #[error("{0}")]
    Permanent(String),
    /// Every attempt failed for reasons that had nothing to do with the blob.
    #[error("gave up after {attempts} attempts; last: {last}")]
    Exhausted {
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: String,
    },
}

/// Where blobs are encoded.
#[derive(Debug)]
pub enum Encoders {
    /// In this process.
    Local(Arc<Encoder>),
    /// On remote encoders.
    Remote(RemotePool),
}

impl Encoders {
    /// Whether [`Self::encode`] needs the blob's bytes (remote encoders read them from
    /// the object store themselves).
    pub fn needs_bytes(&self) -> bool {
        matches!(self, Self::Local(_))
    }

    /// Blobs encoded at once: `local_concurrency` in process, the pool's capacity else.
    pub fn concurrency(&self, local_concurrency: usize) -> usize {
        match self {
            Self::Local(_) => local_concurrency,
            Self::Remote(pool) => pool.capacity(),
        }
    }

    /// The frames of `key`, serialized, in chunk-index order; `blob` is its bytes when
    /// [`Self::needs_bytes`].
    pub async fn encode(
        &self,
        key: BlobKey,
        blob: Option<Vec<u8>>,
        params: BlobParams,
    ) -> Result<Vec<Vec<u8>>, PoolFailure> {
        match self {
            Self::Local(encoder) => {
                let blob = blob.ok_or_else(|| {
                    PoolFailure::Permanent("blob bytes are gone from the store".into())
                })?;
                let encoder = Arc::clone(encoder);
                tokio::task::spawn_blocking(move || {
                    lamina_encoder::encode_frames(&encoder, &blob, params)
                })
                .await
                .map_err(|e| PoolFailure::Permanent(format!("encoder task: {e}")))?
                .map_err(|e| PoolFailure::Permanent(e.to_string()))
            }
            Self::Remote(pool) => pool.encode(key, params).await,
        }
    }
}

/// One remote encoder.
#[derive(Debug)]
struct Member {
    endpoint: String,
    client: EncoderClient<Channel>,
    in_flight: AtomicUsize,
    /// Its `GetLoad` capacity (1 until it answers).
    capacity: AtomicUsize,
    /// Consecutive failures (0: healthy).
    failures: AtomicU32,
    /// Not before this (ms since the pool started) after a failure.
    resting_until_ms: AtomicU64,
}

/// Remote encoders, each given at most its capacity at once, least loaded first.
#[derive(Debug)]
pub struct RemotePool {
    members: Vec<Member>,
    objects: BlobObjects,
    config: EncoderPoolConfig,
    started: Instant,
    /// Woken when an encoder's slot frees or a rest ends.
    freed: Notify,
    /// Round-robin start among equally loaded encoders.
    next: Mutex<usize>,
    /// `lamina_disperser_encoder_retries_total`.
    retries: Family<Labels, Counter>,
}

/// Why one attempt failed, and what it means for the blob.
enum AttemptFailure {
    /// The blob cannot be encoded anywhere.
    Permanent(String),
    /// The encoder was busy: try another at once, no rest.
    Busy(String),
    /// The encoder failed: rest it, try another.
    Encoder(String),
}

impl RemotePool {
    /// Connects (lazily) to every configured encoder; frames are read from `objects`.
    pub fn new(
        config: EncoderPoolConfig,
        connector: &GrpcConnector,
        objects: BlobObjects,
        retries: Family<Labels, Counter>,
    ) -> Result<Self, ConfigError> {
        let members = config
            .endpoints
            .iter()
            .map(|endpoint| {
                let channel = connector
                    .endpoint(endpoint)
                    .map_err(|e| ConfigError::Invalid {
                        field: "encoder_pool.endpoints",
                        reason: format!("{endpoint}: {e}"),
                    })?
                    .connect_timeout(Duration::from_secs(5))
                    .connect_lazy();
                Ok(Member {
                    endpoint: endpoint.clone(),
                    client: EncoderClient::new(channel)
                        .max_decoding_message_size(MAX_MESSAGE_SIZE)
                        .max_encoding_message_size(MAX_MESSAGE_SIZE),
                    in_flight: AtomicUsize::new(0),
                    capacity: AtomicUsize::new(1),
                    failures: AtomicU32::new(0),
                    resting_until_ms: AtomicU64::new(0),
                })
            })
            .collect::<Result<Vec<_>, ConfigError>>()?;
        Ok(Self {
            members,
            objects,
            config,
            started: Instant::now(),
            freed: Notify::new(),
            next: Mutex::new(0),
            retries,
        })
    }

    /// Asks every encoder its capacity; unreachable ones keep capacity 1 and are asked
    /// again after their first failure. Returns the pool's total capacity.
    pub async fn probe(&self) -> usize {
        for m in &self.members {
            match m.client.clone().get_load(pb::GetLoadRequest {}).await {
                Ok(load) => {
                    let capacity = (load.into_inner().capacity as usize).max(1);
                    m.capacity.store(capacity, Ordering::Release);
                    tracing::info!(encoder = %m.endpoint, capacity, "encoder reachable");
                }
                Err(e) => {
                    tracing::warn!(encoder = %m.endpoint, error = %e, "encoder not reachable yet")
                }
            }
        }
        self.capacity()
    }

    /// Blobs the pool can encode at once.
    pub fn capacity(&self) -> usize {
        self.members
            .iter()
            .map(|m| m.capacity.load(Ordering::Acquire))
            .sum()
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// The least-loaded encoder with a free slot that is not resting and not in
    /// `skip`; its slot is taken. `None` when there is none now.
    fn take_slot(&self, skip: &[usize]) -> Option<usize> {
        let now = self.now_ms();
        let mut next = self
            .next
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = self.members.len();
        let pick = (0..n)
            .map(|i| (*next + i) % n)
            .filter(|i| !skip.contains(i))
            .filter(|&i| {
                let m = &self.members[i];
                m.resting_until_ms.load(Ordering::Acquire) <= now
                    && m.in_flight.load(Ordering::Acquire) < m.capacity.load(Ordering::Acquire)
            })
            .min_by_key(|&i| {
                let m = &self.members[i];
                // Least loaded relative to its capacity.
                m.in_flight.load(Ordering::Acquire) * 1024
                    / m.capacity.load(Ordering::Acquire).max(1)
            })?;
        self.members[pick].in_flight.fetch_add(1, Ordering::AcqRel);
        *next = (pick + 1) % n;
        Some(pick)
    }

    fn release(&self, member: usize) {
        self.members[member]
            .in_flight
            .fetch_sub(1, Ordering::AcqRel);
        self.freed.notify_waiters();
    }

    /// How long until some resting encoder may be asked again (a poll bound when every
    /// encoder is resting or busy).
    fn next_wake(&self) -> Duration {
        let now = self.now_ms();
        let soonest = self
            .members
            .iter()
            .map(|m| m.resting_until_ms.load(Ordering::Acquire))
            .filter(|&t| t > now)
            .min()
            .map_or(1000, |t| t - now);
        Duration::from_millis(soonest.clamp(10, 1000))
    }

    fn rest(&self, member: usize) {
        let m = &self.members[member];
        let failures = m.failures.fetch_add(1, Ordering::AcqRel).min(4);
        let backoff = self.config.retry_backoff_ms << failures;
        m.resting_until_ms
            .store(self.now_ms() + backoff, Ordering::Release);
    }

    async fn attempt(
        &self,
        member: usize,
        key: BlobKey,
        params: BlobParams,
    ) -> Result<Vec<Vec<u8>>, AttemptFailure> {
        let m = &self.members[member];
        let mut request = tonic::Request::new(pb::EncodeBlobRequest {
            blob_key: key.0.to_vec(),
            shape: Some(pb::EncodingShape {
                num_chunks: params.num_chunks,
                coding_rate: params.coding_rate,
            }),
        });
        request.set_timeout(Duration::from_millis(self.config.request_timeout_ms));
        let timeout = Duration::from_millis(self.config.request_timeout_ms);
        let reply = match tokio::time::timeout(timeout, m.client.clone().encode_blob(request)).await
        {
            Err(_) => {
                return Err(AttemptFailure::Encoder(format!(
                    "{}: timed out",
                    m.endpoint
                )));
            }
            Ok(Ok(reply)) => reply.into_inner(),
            Ok(Err(status)) => {
                let reason = format!("{}: {}: {}", m.endpoint, status.code(), status.message());
                return Err(match status.code() {
                    Code::InvalidArgument | Code::FailedPrecondition | Code::NotFound => {
                        AttemptFailure::Permanent(reason)
                    }
                    Code::ResourceExhausted => AttemptFailure::Busy(reason),
                    _ => AttemptFailure::Encoder(reason),
                });
            }
        };
        let digest: [u8; 32] = reply.frames_digest.as_slice().try_into().map_err(|_| {
            AttemptFailure::Encoder(format!("{}: frames_digest is not 32 bytes", m.endpoint))
        })?;
        let summary = FramesSummary {
            count: reply.frame_count,
            frame_len: reply.frame_len,
            digest: digest.into(),
        };
        let frames = self
            .objects
            .frames(&key, &summary)
            .await
            .map_err(|e| AttemptFailure::Encoder(e.to_string()))?
            .ok_or_else(|| {
                AttemptFailure::Encoder(format!(
                    "{}: reported frames that are not in the object store",
                    m.endpoint
                ))
            })?;
        if frames.len() != params.num_chunks as usize {
            return Err(AttemptFailure::Encoder(format!(
                "{}: {} frames, the shape has {} chunks",
                m.endpoint,
                frames.len(),
                params.num_chunks
            )));
        }
        // The frames live in memory until dispatch (a restarted controller re-encodes).
        if let Err(e) = self.objects.delete_frames(&key).await {
            tracing::warn!(blob_key = %key, error = %e, "frame object not deleted");
        }
        Ok(frames)
    }

    /// Encodes `key` on the pool; see the module docs for the retry rules.
    pub async fn encode(
        &self,
        key: BlobKey,
        params: BlobParams,
    ) -> Result<Vec<Vec<u8>>, PoolFailure> {
        let mut attempts = 0;
        let mut last = String::new();
        // Encoders that failed this blob: asked again only when every other one did.
        let mut tried: Vec<usize> = Vec::new();
        while attempts < self.config.max_attempts {
            let member = loop {
                let freed = self.freed.notified();
                if let Some(m) = self.take_slot(&tried) {
                    break m;
                }
                if tried.len() >= self.members.len() {
                    tried.clear();
                    continue;
                }
                tokio::select! {
                    () = freed => {}
                    () = tokio::time::sleep(self.next_wake()) => {}
                }
            };
            let result = self.attempt(member, key, params).await;
            self.release(member);
            match result {
                Ok(frames) => {
                    self.members[member].failures.store(0, Ordering::Release);
                    return Ok(frames);
                }
                Err(AttemptFailure::Permanent(reason)) => {
                    return Err(PoolFailure::Permanent(reason));
                }
                Err(AttemptFailure::Busy(reason)) => {
                    // Our count of its load was off (another controller, a restart):
                    // a short rest, and not an attempt.
                    tracing::debug!(blob_key = %key, %reason, "encoder busy");
                    self.members[member]
                        .resting_until_ms
                        .store(self.now_ms() + 50, Ordering::Release);
                }
                Err(AttemptFailure::Encoder(reason)) => {
                    attempts += 1;
                    self.retries
                        .get_or_create(&vec![("encoder", self.members[member].endpoint.clone())])
                        .inc();
                    tracing::warn!(blob_key = %key, attempt = attempts, %reason, "encoder failed; trying another");
                    self.rest(member);
                    tried.push(member);
                    last = reason;
                }
            }
        }
        Err(PoolFailure::Exhausted { attempts, last })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lamina_encoding::{Blob, DEVELOPMENT_SEED, Srs};
    use lamina_storage::ObjectStoreConfig;
    use tokio_util::sync::CancellationToken;

    const POINTS: usize = 1024;

    /// A real encoder process's service (`lamina_encoder::run_on`) on a loopback port.
    async fn encoder(objects: &std::path::Path, stop: &CancellationToken) -> String {
        let grpc = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds");
        let http = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds");
        let addr = grpc.local_addr().expect("addr");
        let config = lamina_encoder::EncoderConfig {
            objects: ObjectStoreConfig::Dir(objects.to_path_buf()),
            srs: lamina_core::SrsConfig::insecure_development(),
            srs_points: POINTS,
            ..lamina_encoder::EncoderConfig::default()
        };
        let stop = stop.clone();
        tokio::spawn(lamina_encoder::run_on(
            config,
            grpc,
            http,
            stop.cancelled_owned(),
        ));
        format!("http://{addr}")
    }

    fn pool(endpoints: Vec<String>, objects: &BlobObjects, retry_backoff_ms: u64) -> RemotePool {
        let config = EncoderPoolConfig {
            endpoints,
            retry_backoff_ms,
            ..EncoderPoolConfig::default()
        };
        RemotePool::new(
            config,
            &GrpcConnector::default(),
            objects.clone(),
            Family::default(),
        )
        .expect("pool")
    }

    fn in_process(blob: &[u8]) -> Vec<Vec<u8>> {
        let srs = Arc::new(Srs::insecure_development(DEVELOPMENT_SEED, POINTS));
        lamina_encoder::encode_frames(
            &lamina_encoder::service_encoder(srs),
            blob,
            BlobParams::V1_DEVNET,
        )
        .expect("encodes")
    }

    #[tokio::test]
    async fn a_dead_encoder_is_skipped_and_the_frames_are_the_in_process_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = dir.path().join("objects");
        let objects = BlobObjects::open(&ObjectStoreConfig::Dir(store.clone())).expect("opens");
        let stop = CancellationToken::new();
        let live = encoder(&store, &stop).await;
        // Nothing listens here: every attempt on it fails to connect.
        let dead = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
            format!("http://{}", l.local_addr().expect("addr"))
        };
        // A rest longer than the test: the dead one is asked once, then left alone.
        let pool = pool(vec![dead.clone(), live.clone()], &objects, 600_000);
        assert_eq!(
            pool.probe().await,
            2,
            "the dead one counts 1 until it answers"
        );

        for i in 0..4u8 {
            let blob = Blob::from_payload(&vec![i; 2000]).expect("blob").to_bytes();
            let key = BlobKey([i; 32]);
            objects.put_blob(&key, blob.clone()).await.expect("writes");
            let frames = pool
                .encode(key, BlobParams::V1_DEVNET)
                .await
                .expect("encoded on the live encoder");
            assert_eq!(frames, in_process(&blob));
            // read back, then deleted: the controller holds them from here
            let summary = FramesSummary {
                count: 0,
                frame_len: 0,
                digest: Default::default(),
            };
            assert_eq!(objects.frames(&key, &summary).await.expect("reads"), None);
        }
        // The dead encoder was tried once and then rested, not retried for every blob.
        let failures = |endpoint: &str| {
            pool.retries
                .get_or_create(&vec![("encoder", endpoint.to_owned())])
                .get()
        };
        assert_eq!((failures(&dead), failures(&live)), (1, 0));
        stop.cancel();
    }

    #[tokio::test]
    async fn a_blob_no_encoder_can_encode_fails_at_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = dir.path().join("objects");
        let objects = BlobObjects::open(&ObjectStoreConfig::Dir(store.clone())).expect("opens");
        let stop = CancellationToken::new();
        let pool = pool(
            vec![encoder(&store, &stop).await, encoder(&store, &stop).await],
            &objects,
            10,
        );
        // never written: NOT_FOUND is the blob's fault, not the encoder's
        let missing = pool.encode(BlobKey([9; 32]), BlobParams::V1_DEVNET).await;
        assert!(
            matches!(&missing, Err(PoolFailure::Permanent(r)) if r.contains("not in the object store")),
            "{missing:?}"
        );
        // bytes that are no blob
        objects
            .put_blob(&BlobKey([8; 32]), vec![0xff; 64])
            .await
            .expect("writes");
        let garbage = pool.encode(BlobKey([8; 32]), BlobParams::V1_DEVNET).await;
        assert!(
            matches!(garbage, Err(PoolFailure::Permanent(_))),
            "{garbage:?}"
        );
        let retried: u64 = pool
            .members
            .iter()
            .map(|m| {
                pool.retries
                    .get_or_create(&vec![("encoder", m.endpoint.clone())])
                    .get()
            })
            .sum();
        assert_eq!(retried, 0, "a permanent failure is not retried elsewhere");

        // no encoder answers: the blob ends after max_attempts, with the last reason
        objects
            .put_blob(
                &BlobKey([7; 32]),
                Blob::from_payload(b"x").expect("blob").to_bytes(),
            )
            .await
            .expect("writes");
        let dead = || {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
            format!("http://{}", l.local_addr().expect("addr"))
        };
        let pool = self::pool(vec![dead(), dead()], &objects, 10);
        let exhausted = pool.encode(BlobKey([7; 32]), BlobParams::V1_DEVNET).await;
        assert!(
            matches!(exhausted, Err(PoolFailure::Exhausted { attempts: 3, .. })),
            "{exhausted:?}"
        );
        stop.cancel();
    }
}
