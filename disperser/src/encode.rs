//! The encoding stage: blob keys in, encoded blobs (frames) out.
//!
//! Reads each blob from the durable queue, encodes it on rayon inside `spawn_blocking`
//! (never on the async runtime), at most `encoding_concurrency` blobs at once, and
//! marks it `ENCODED`. Frames are kept in memory only: after a restart a blob is
//! simply encoded again (encoding is deterministic).

use std::sync::Arc;
use std::time::Instant;

use lamina_core::{BlobCertificate, BlobKey, BlobParams};
use lamina_encoding::{Blob, Encoder};
use lamina_proto::common::v1 as pb;
use prost::Message;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::pipeline::{Pipeline, fail_blob};
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

/// Why a blob could not be encoded.
#[derive(Debug, thiserror::Error)]
enum EncodeFailure {
    #[error("blob bytes are gone from the queue")]
    Missing,
    #[error("stored header does not decode: {0}")]
    Header(String),
    #[error("stored blob does not parse: {0}")]
    Blob(#[from] lamina_encoding::CodecError),
    #[error("blob version {0} is not registered")]
    Version(u16),
    #[error("encoding failed: {0}")]
    Encode(#[from] lamina_encoding::EncodeError),
    #[error(transparent)]
    Store(#[from] crate::error::StoreError),
}

fn encode_one(
    p: &Pipeline,
    encoder: &Encoder,
    key: BlobKey,
) -> Result<Option<EncodedBlob>, EncodeFailure> {
    let Some(mut status) = p.store.status(&key)? else {
        return Err(EncodeFailure::Missing);
    };
    if status.state.is_terminal() {
        // already ended (e.g. recovered twice): nothing to do
        return Ok(None);
    }
    let bytes = p.store.blob(&key)?.ok_or(EncodeFailure::Missing)?;
    let header = p.store.header(&key)?.ok_or(EncodeFailure::Missing)?;
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
    let blob = Blob::from_bytes(&bytes)?;
    let started = Instant::now();
    let frames = encoder.encode(&blob, params)?;
    p.metrics
        .encode_seconds
        .observe(started.elapsed().as_secs_f64());
    let frames: Vec<Vec<u8>> = frames.iter().map(|f| f.to_bytes()).collect();
    let operator_bytes = crate::pipeline::max_operator_bytes(
        &params,
        frames.first().map_or(0, Vec::len),
        cert_proto.encoded_len(),
    );
    let accepted_ns = status.accepted_ns;
    status.state = BlobState::Encoded;
    status.updated_ns = now_ns();
    p.store.set_status(&key, &status)?;
    p.metrics.blob_state(BlobState::Encoded);
    Ok(Some(EncodedBlob {
        key,
        cert_proto,
        cert,
        params,
        frames,
        blob_bytes: bytes.len(),
        operator_bytes,
        accepted_ns,
    }))
}

/// Runs the encoding stage until `keys` closes or `shutdown` fires; in-flight encodes finish.
pub async fn run(
    p: Arc<Pipeline>,
    encoder: Arc<Encoder>,
    mut keys: mpsc::Receiver<BlobKey>,
    out: mpsc::Sender<EncodedBlob>,
    shutdown: CancellationToken,
) {
    let permits = Arc::new(Semaphore::new(p.config.encoding_concurrency));
    let mut tasks = JoinSet::new();
    loop {
        let key = tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            key = keys.recv() => match key {
                Some(key) => key,
                None => break,
            },
        };
        // Bounded: wait for a free encoder before taking the next key.
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        let (p, encoder, out) = (p.clone(), encoder.clone(), out.clone());
        let span = tracing::info_span!("encode", blob_key = %key);
        tasks.spawn(
            async move {
                let job = {
                    let p = p.clone();
                    tokio::task::spawn_blocking(move || encode_one(&p, &encoder, key))
                };
                let result = job.await;
                drop(permit);
                match result {
                    Ok(Ok(Some(encoded))) => {
                        tracing::debug!(frames = encoded.frames.len(), "encoded");
                        // Backpressure: waits while the batcher is busy.
                        if out.send(encoded).await.is_err() {
                            tracing::info!("batcher stopped; blob stays queued for the next start");
                        }
                    }
                    Ok(Ok(None)) => {}
                    Ok(Err(e)) => fail_blob(&p, &key, &format!("encoding: {e}")),
                    Err(e) => fail_blob(&p, &key, &format!("encoder task: {e}")),
                }
            }
            .instrument(span),
        );
        // Reap finished tasks so the set stays small.
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
}
