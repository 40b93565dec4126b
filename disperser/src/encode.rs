//! The encoding stage: blob keys in, encoded blobs (frames) out.
//!
//! Reads each blob from the object store (its header and status from the metadata
//! store), encodes it on rayon inside `spawn_blocking`
//! (never on the async runtime), at most `encoding_concurrency` blobs at once, and
//! marks it `ENCODED`. Frames are kept in memory only: after a restart a blob is
//! simply encoded again (encoding is deterministic).
//!
//! Blobs wait in one lane per client address and the encoder takes them round-robin
//! ([`FairQueue`]): a sender that keeps the encoder busy (within its rate limit, from as
//! many fresh accounts as it likes) delays another sender's blob by at most one blob per
//! busy lane, not by its whole backlog. With one FIFO, an honest 100 kB blob waited behind
//! every 512 KiB blob a flood had queued (25–140 s under the adversarial test's load).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use lamina_core::{BlobCertificate, BlobKey, BlobParams};
use lamina_proto::common::v1 as pb;
use prost::Message;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::encoder_pool::Encoders;
use crate::pipeline::{Pipeline, fail_blob};
use crate::rate_limit::address_key;
use crate::store::{BlobState, now_ns};

/// A blob ready to batch.
#[derive(Debug)]
pub struct EncodedBlob {
    /// Its key.
    pub key: BlobKey,
    /// The certificate (header + client signature) as the client sent it.
    pub cert_proto: pb::BlobCertificate,
    /// The same in core types.
    pub cert: BlobCertificate,
    /// Blob version parameters.
    pub params: BlobParams,
    /// Frames in chunk-index order, serialized (`Frame::to_bytes`).
    pub frames: Vec<Vec<u8>>,
    /// Blob size in bytes.
    pub blob_bytes: usize,
    /// Most bytes one operator's StoreChunks can carry for this blob
    /// ([`crate::pipeline::max_operator_bytes`]): what batches are sized by.
    pub operator_bytes: usize,
    /// When the blob was accepted (ns since the epoch), for latency metrics.
    pub accepted_ns: u64,
}

/// The lane a blob waits in for the encoder: the client address it came from (an
/// identity a sender cannot mint for free, unlike an account, which is a fresh key), or
/// one shared lane for blobs with none (resumed after a restart, or from a peer without
/// an IP address).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lane {
    /// Sent from this client address.
    Address(IpAddr),
    /// No address known.
    Unattributed,
}

impl From<Option<IpAddr>> for Lane {
    /// The address as the rate limiter keys it (an IPv6 host by its /64).
    fn from(peer: Option<IpAddr>) -> Self {
        peer.map_or(Self::Unattributed, |ip| Self::Address(address_key(ip)))
    }
}

/// A blob accepted (durable, `QUEUED`) and waiting for the encoder.
#[derive(Clone, Copy, Debug)]
pub struct QueuedBlob {
    /// Its key.
    pub key: BlobKey,
    /// Its lane.
    pub lane: Lane,
}

/// FIFO within a lane, round-robin across lanes. A lane is in `turns` exactly while it
/// holds a blob, so memory is bounded by the blobs waiting (at most `queue_capacity`).
#[derive(Debug, Default)]
pub struct FairQueue {
    lanes: HashMap<Lane, VecDeque<BlobKey>>,
    turns: VecDeque<Lane>,
}

impl FairQueue {
    /// Appends `blob` to its lane (a lane that was empty takes the last turn).
    pub fn push(&mut self, blob: QueuedBlob) {
        let lane = self.lanes.entry(blob.lane).or_default();
        if lane.is_empty() {
            self.turns.push_back(blob.lane);
        }
        lane.push_back(blob.key);
    }

    /// The oldest blob of the lane whose turn it is; that lane goes to the back.
    pub fn pop(&mut self) -> Option<BlobKey> {
        let lane = self.turns.pop_front()?;
        let blobs = self.lanes.get_mut(&lane)?;
        let key = blobs.pop_front();
        if blobs.is_empty() {
            self.lanes.remove(&lane);
        } else {
            self.turns.push_back(lane);
        }
        key
    }

    /// Whether no blob waits.
    pub fn is_empty(&self) -> bool {
        self.turns.is_empty()
    }
}

/// Why a blob could not be encoded.
#[derive(Debug, thiserror::Error)]
enum EncodeFailure {
    #[error("blob bytes are gone from the object store")]
    Missing,
    #[error("the blob's header is not in the metadata store")]
    MissingHeader,
    #[error(transparent)]
    Objects(#[from] lamina_storage::StorageError),
    #[error("stored header does not decode: {0}")]
    Header(String),
    #[error("blob version {0} is not registered")]
    Version(u16),
    #[error(transparent)]
    Pool(#[from] crate::encoder_pool::PoolFailure),
    #[error(transparent)]
    Store(#[from] crate::error::StoreError),
}

/// Encodes one blob: its header from the metadata store, its frames in process (bytes
/// from the object store) or on the encoder pool, then ENCODED (compare-and-set).
async fn encode_one(
    p: &Pipeline,
    encoders: &Encoders,
    key: BlobKey,
) -> Result<Option<EncodedBlob>, EncodeFailure> {
    let Some(status) = p.store.status(&key).await? else {
        return Err(EncodeFailure::Missing);
    };
    if status.state.is_terminal() {
        // already ended (e.g. recovered twice): nothing to do
        return Ok(None);
    }
    let header = p
        .store
        .header(&key)
        .await?
        .ok_or(EncodeFailure::MissingHeader)?;
    let cert_proto = pb::BlobCertificate::decode(header.as_slice())
        .map_err(|e| EncodeFailure::Header(e.to_string()))?;
    let cert =
        BlobCertificate::try_from(&cert_proto).map_err(|e| EncodeFailure::Header(e.to_string()))?;
    let version = cert.blob_header.version;
    let params = *p
        .chain
        .params()
        .blob_params
        .get(&version)
        .ok_or(EncodeFailure::Version(version))?;
    let bytes = if encoders.needs_bytes() {
        Some(p.objects.blob(&key).await?.ok_or(EncodeFailure::Missing)?)
    } else {
        None
    };
    let started = Instant::now();
    let frames = encoders.encode(key, bytes, params).await?;
    p.metrics
        .encode_seconds
        .observe(started.elapsed().as_secs_f64());
    let operator_bytes = crate::pipeline::max_operator_bytes(
        &params,
        frames.first().map_or(0, Vec::len),
        cert_proto.encoded_len(),
    );
    let mut status = status;
    let accepted_ns = status.accepted_ns;
    let expected = status.state;
    status.state = BlobState::Encoded;
    status.updated_ns = now_ns();
    status.encoded_ns = Some(status.updated_ns);
    p.store.set_status(&key, expected, &status).await?;
    p.metrics.blob_state(BlobState::Encoded);
    Ok(Some(EncodedBlob {
        key,
        cert_proto,
        cert,
        params,
        frames,
        blob_bytes: usize::try_from(status.blob_bytes).unwrap_or(usize::MAX),
        operator_bytes,
        accepted_ns,
    }))
}

/// Runs the encoding stage until `queued` closes or `shutdown` fires; in-flight encodes
/// finish. Arrivals are taken as they come into the [`FairQueue`]; a blob leaves it when an
/// encoder is free.
pub async fn run(
    p: Arc<Pipeline>,
    encoders: Arc<Encoders>,
    mut queued: mpsc::Receiver<QueuedBlob>,
    out: mpsc::Sender<EncodedBlob>,
    shutdown: CancellationToken,
) {
    let permits = Arc::new(Semaphore::new(
        encoders.concurrency(p.config.encoding_concurrency).max(1),
    ));
    let mut waiting = FairQueue::default();
    let mut tasks = JoinSet::new();
    loop {
        while let Ok(blob) = queued.try_recv() {
            waiting.push(blob);
        }
        if waiting.is_empty() {
            tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                blob = queued.recv() => match blob {
                    Some(blob) => waiting.push(blob),
                    None => break,
                },
            }
            continue;
        }
        // Bounded: wait for a free encoder, queueing arrivals meanwhile so the next turn
        // is chosen among everything waiting.
        let permit = tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            blob = queued.recv() => {
                match blob {
                    Some(blob) => waiting.push(blob),
                    None => break,
                }
                continue;
            }
        };
        let Some(key) = waiting.pop() else { continue };
        let (p, encoders, out) = (p.clone(), encoders.clone(), out.clone());
        let span = tracing::info_span!("encode", blob_key = %key);
        tasks.spawn(
            async move {
                let result = encode_one(&p, &encoders, key).await;
                drop(permit);
                match result {
                    Ok(Some(encoded)) => {
                        tracing::debug!(frames = encoded.frames.len(), "encoded");
                        // Backpressure: waits while the batcher is busy.
                        if out.send(encoded).await.is_err() {
                            tracing::info!("batcher stopped; blob stays queued for the next start");
                        }
                    }
                    Ok(None) => {}
                    // Another writer moved the blob while it was encoded: it is theirs.
                    Err(EncodeFailure::Store(e @ crate::error::StoreError::Conflict { .. })) => {
                        tracing::info!(error = %e, "blob moved on while encoding; frames dropped");
                    }
                    Err(e) => fail_blob(&p, &key, &format!("encoding: {e}")).await,
                }
            }
            .instrument(span),
        );
        // Reap finished tasks so the set stays small.
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(lane: u8, i: u8) -> QueuedBlob {
        QueuedBlob {
            key: BlobKey([lane * 16 + i; 32]),
            lane: Lane::Address(IpAddr::from([127, 0, 0, lane])),
        }
    }

    #[test]
    fn a_lane_with_a_backlog_delays_another_lane_by_one_turn() {
        let mut queue = FairQueue::default();
        // A flood queues five blobs, then an honest client one, then the flood two more.
        for i in 0..5 {
            queue.push(blob(2, i));
        }
        queue.push(blob(1, 0));
        queue.push(blob(2, 5));
        queue.push(blob(2, 6));
        let order: Vec<BlobKey> = std::iter::from_fn(|| queue.pop()).collect();
        let expected: Vec<BlobKey> = [
            (2, 0),
            (1, 0),
            (2, 1),
            (2, 2),
            (2, 3),
            (2, 4),
            (2, 5),
            (2, 6),
        ]
        .iter()
        .map(|&(lane, i)| blob(lane, i).key)
        .collect();
        assert_eq!(order, expected);
        assert!(queue.is_empty() && queue.lanes.is_empty());
    }

    #[test]
    fn lanes_take_turns_and_keep_their_own_order() {
        let mut queue = FairQueue::default();
        for i in 0..3 {
            for lane in 1..=3 {
                queue.push(blob(lane, i));
            }
        }
        queue.push(QueuedBlob {
            key: BlobKey([0xff; 32]),
            lane: Lane::Unattributed,
        });
        let order: Vec<BlobKey> = std::iter::from_fn(|| queue.pop()).collect();
        let mut expected: Vec<BlobKey> = (0..3)
            .flat_map(|i| (1..=3).map(move |lane| blob(lane, i).key))
            .collect();
        // The lane that arrived last takes its first turn after the first round.
        expected.insert(3, BlobKey([0xff; 32]));
        assert_eq!(order, expected);
    }

    #[test]
    fn ipv6_hosts_share_their_slash_64_lane() {
        let a: IpAddr = "2001:db8::1".parse().expect("ip");
        let b: IpAddr = "2001:db8::2".parse().expect("ip");
        assert_eq!(Lane::from(Some(a)), Lane::from(Some(b)));
        assert_eq!(Lane::from(None), Lane::Unattributed);
    }
}
