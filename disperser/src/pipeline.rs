//! State shared by the pipeline's stages, the batcher stage, and start-up recovery.
//!
//! ```text
//! DisperseBlob ─▶ objects + metadata (QUEUED) ─keys─▶ encode ─EncodedBlob─▶ batch ─Vec─▶ dispatch ─ids─▶ anchor
//! ```
//! Every arrow is a bounded channel; every stage is a named task the run loop watches.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use lamina_core::BlobKey;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::chain_view::ChainView;
use crate::config::DisperserConfig;
use crate::encode::{EncodedBlob, Lane, QueuedBlob};
use crate::error::StoreError;
use crate::metadata::{MetadataStore, drops_blob_object};
use crate::metrics::Metrics;
use crate::store::{BlobState, StatusRecord, now_ns, now_secs};

/// What every stage shares.
#[derive(Debug)]
pub struct Pipeline {
    /// Configuration.
    pub config: DisperserConfig,
    /// The metadata: headers, statuses, batches (RocksDB or PostgreSQL).
    pub store: Arc<dyn MetadataStore>,
    /// The blob objects (a local directory or an S3 bucket).
    pub objects: lamina_storage::BlobObjects,
    /// Chain access and cached parameters.
    pub chain: Arc<ChainView>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Blobs accepted and not yet terminal (the queue-capacity check).
    pub in_flight: AtomicUsize,
}

impl Pipeline {
    /// Counts a blob that left the pipeline (terminal state written).
    pub fn finished(&self, state: BlobState, accepted_ns: u64) {
        self.metrics.blob_state(state);
        let _ = self
            .in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
        self.metrics
            .in_flight
            .set(i64::try_from(self.in_flight.load(Ordering::Acquire)).unwrap_or(i64::MAX));
        let elapsed = now_ns().saturating_sub(accepted_ns);
        self.metrics
            .dispersal_seconds
            .observe(Duration::from_nanos(elapsed).as_secs_f64());
    }

    /// Counts a blob entering the pipeline.
    pub fn entered(&self) {
        let n = self.in_flight.fetch_add(1, Ordering::AcqRel) + 1;
        self.metrics
            .in_flight
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    }
}

/// Deletes the blob object of a blob that ended in `state`, unless it is kept
/// ([`drops_blob_object`]). A failed delete is logged: it leaves an orphan object, never
/// a status without its bytes.
pub async fn drop_blob_object(p: &Pipeline, key: &BlobKey, state: BlobState) {
    if !drops_blob_object(state, p.config.blob_retention_secs) {
        return;
    }
    if let Err(e) = p.objects.delete_blob(key).await {
        tracing::warn!(blob_key = %key, error = %e, "could not delete the blob object");
    }
}

/// Applies `update` to a blob's status with a compare-and-set against the state just
/// read, re-reading and re-applying while another writer moves it first; `None` when the
/// blob is terminal (or unknown) and there is nothing left to do.
async fn transition(
    p: &Pipeline,
    key: &BlobKey,
    update: impl Fn(&mut StatusRecord),
) -> Result<Option<StatusRecord>, StoreError> {
    loop {
        let Some(mut record) = p.store.status(key).await? else {
            return Ok(None);
        };
        if record.state.is_terminal() {
            return Ok(None);
        }
        let expected = record.state;
        update(&mut record);
        match p.store.set_status(key, expected, &record).await {
            Ok(()) => return Ok(Some(record)),
            // Another writer moved the blob between the read and the write: decide again
            // on what it wrote.
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Ends a blob in `FAILED` with `reason` (unless it already ended), deletes its blob
/// object, logs with its key.
pub async fn fail_blob(p: &Pipeline, key: &BlobKey, reason: &str) {
    let failed = transition(p, key, |record| {
        record.state = BlobState::Failed;
        record.reason = reason.to_owned();
        record.updated_ns = now_ns();
    })
    .await;
    match failed {
        Ok(Some(record)) => {
            tracing::warn!(blob_key = %key, reason, "blob failed");
            p.finished(BlobState::Failed, record.accepted_ns);
            drop_blob_object(p, key, BlobState::Failed).await;
        }
        Ok(None) => {}
        Err(e) => {
            tracing::error!(blob_key = %key, reason, error = %e, "could not record the failure")
        }
    }
}

/// Distinct quorums one batch may span: `CertVerifier`'s `MAX_QUORUM_COUNT`. A
/// certificate names the batch's quorums, and the verifier rejects more than this.
pub const MAX_QUORUMS_PER_BATCH: usize = 5;

/// Protobuf bytes around each frame of a StoreChunks request: the frame's field tag and
/// length (at most 1 + 3 bytes up to 2 MiB frames) and its chunk index (at most 5).
const PER_FRAME_OVERHEAD: usize = 9;
/// Protobuf bytes around each blob of a StoreChunks request (its `BlobFrames` and
/// `QuorumFrames` tags and lengths, the quorum id, the certificate's tag and length).
const PER_BLOB_OVERHEAD: usize = 32;

/// The most bytes one operator's StoreChunks request can hold for one blob: the blob's
/// certificate (every operator receives every certificate of the batch) plus the frames
/// of the most chunks assignment gives one operator (`num_chunks / coding_rate`, the cap
/// of `assign_blob`, whatever its stake), named once (the dispatcher names only one
/// quorum per blob when naming all would pass the message limit).
///
/// Frames are about `coding_rate / num_chunks` of the extended blob each, so for large
/// blobs this is about the blob's size; for tiny blobs every frame is at least a proof
/// and one symbol (64 bytes), so 256 one-symbol blobs of a version with 8192 chunks
/// weigh about 18 MiB per operator although their blobs total 8 KiB.
pub fn max_operator_bytes(
    params: &lamina_core::BlobParams,
    frame_len: usize,
    cert_len: usize,
) -> usize {
    let cap = (params.num_chunks / params.coding_rate.max(1)) as usize;
    cap.saturating_mul(frame_len + PER_FRAME_OVERHEAD)
        .saturating_add(cert_len + PER_BLOB_OVERHEAD)
}

/// The batching stage: cuts a batch when its blobs' [`EncodedBlob::operator_bytes`]
/// reach `batch_max_bytes`, when one more blob would take it past
/// [`MAX_QUORUMS_PER_BATCH`] quorums, or `batch_max_interval` after its first blob,
/// whichever comes first; flushes what it holds when its input closes.
pub async fn batcher(
    config: DisperserConfig,
    mut input: mpsc::Receiver<EncodedBlob>,
    output: mpsc::Sender<Vec<EncodedBlob>>,
) {
    let mut pending: Vec<EncodedBlob> = Vec::new();
    let mut bytes = 0usize;
    let mut quorums = std::collections::BTreeSet::new();
    let mut deadline = Instant::now();
    loop {
        let cut = tokio::select! {
            blob = input.recv() => match blob {
                Some(blob) => {
                    // A blob that would push the batch past its size goes into the next one:
                    // every operator's StoreChunks must stay under the gRPC message limit.
                    let blob_quorums = &blob.cert.blob_header.quorum_numbers;
                    let spans = quorums.union(&blob_quorums.iter().copied().collect()).count();
                    if !pending.is_empty()
                        && (bytes + blob.operator_bytes > config.batch_max_bytes
                            || spans > MAX_QUORUMS_PER_BATCH)
                    {
                        bytes = 0;
                        quorums.clear();
                        if output.send(std::mem::take(&mut pending)).await.is_err() {
                            return;
                        }
                    }
                    if pending.is_empty() {
                        deadline = Instant::now() + config.batch_max_interval();
                    }
                    bytes += blob.operator_bytes;
                    quorums.extend(blob.cert.blob_header.quorum_numbers.iter().copied());
                    pending.push(blob);
                    bytes >= config.batch_max_bytes
                }
                None => break,
            },
            () = tokio::time::sleep_until(deadline), if !pending.is_empty() => true,
        };
        if cut {
            bytes = 0;
            quorums.clear();
            if output.send(std::mem::take(&mut pending)).await.is_err() {
                return;
            }
        }
    }
    if !pending.is_empty() {
        let _ = output.send(pending).await;
    }
}

/// Start-up recovery: every blob that was not terminal when the process stopped either
/// goes back into the pipeline (as `QUEUED`, whatever stage it had reached: frames live
/// only in memory, and a batch without a recorded outcome produced no certificate) or,
/// past `max_attempts`, ends `FAILED` with the reason. Returns the keys to re-encode.
pub async fn recover(p: &Pipeline) -> Result<Vec<BlobKey>, StoreError> {
    let mut resume = Vec::new();
    for key in p.store.pending().await? {
        let Some(mut record) = p.store.status(&key).await? else {
            continue;
        };
        let was = record.state;
        if was.is_terminal() {
            continue;
        }
        record.attempts += 1;
        if record.attempts > p.config.max_attempts {
            record.state = BlobState::Failed;
            record.reason = format!(
                "gave up after {} attempts (the disperser stopped while the blob was {})",
                p.config.max_attempts,
                was.label()
            );
            record.updated_ns = now_ns();
            p.store.set_status(&key, was, &record).await?;
            tracing::warn!(blob_key = %key, reason = %record.reason, "blob failed at recovery");
            p.metrics.blob_state(BlobState::Failed);
            drop_blob_object(p, &key, BlobState::Failed).await;
            continue;
        }
        record.state = BlobState::Queued;
        record.batch_id = None;
        record.updated_ns = now_ns();
        // Recovery puts a blob back to QUEUED whatever stage it had reached: the one
        // transition that goes backwards, made only by the controller that holds the
        // queue (one process with RocksDB).
        p.store.set_status(&key, was, &record).await?;
        tracing::info!(blob_key = %key, was = was.label(), attempt = record.attempts, "blob resumed after restart");
        p.entered();
        resume.push(key);
    }
    Ok(resume)
}

/// Feeds recovered keys to the encoder (waiting for room), then returns. Their senders'
/// addresses are not kept: they share one lane.
pub async fn feed(keys: Vec<BlobKey>, tx: mpsc::Sender<QueuedBlob>, shutdown: CancellationToken) {
    for key in keys {
        if !feed_one(key, &tx, &shutdown).await {
            return;
        }
    }
}

/// Sends `key` to the encoder in the shared lane (waiting for room); false once the
/// pipeline is stopping.
async fn feed_one(
    key: BlobKey,
    tx: &mpsc::Sender<QueuedBlob>,
    shutdown: &CancellationToken,
) -> bool {
    let queued = QueuedBlob {
        key,
        lane: Lane::Unattributed,
    };
    tokio::select! {
        () = shutdown.cancelled() => false,
        sent = tx.send(queued) => sent.is_ok(),
    }
}

/// How often a controller beside separate API servers looks for newly QUEUED blobs.
pub const CLAIM_INTERVAL: Duration = Duration::from_millis(200);

/// A controller beside separate API servers: every [`CLAIM_INTERVAL`], feeds the encoder
/// every blob the metadata database holds as not terminal that this controller has not
/// fed yet (`fed` starts with what recovery resumed), until `shutdown`. Blobs are fed in
/// one shared lane: the API server that saw the client's address is another process.
pub async fn claim_queued(
    p: Arc<Pipeline>,
    mut fed: std::collections::HashSet<BlobKey>,
    tx: mpsc::Sender<QueuedBlob>,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(CLAIM_INTERVAL) => {}
        }
        let pending = match p.store.pending().await {
            Ok(pending) => pending,
            Err(e) => {
                tracing::warn!(error = %e, "listing queued blobs failed; retrying");
                continue;
            }
        };
        let pending: std::collections::HashSet<BlobKey> = pending.into_iter().collect();
        // Keys that ended leave the set; the rest stay fed.
        fed.retain(|key| pending.contains(key));
        for key in pending {
            if !fed.insert(key) {
                continue;
            }
            p.entered();
            if !feed_one(key, &tx, &shutdown).await {
                return;
            }
        }
    }
}

/// An API server beside a separate controller: the queue-capacity check counts every
/// blob not yet terminal in the shared database (refreshed every second), not only the
/// ones this process accepted.
pub async fn count_in_flight(p: Arc<Pipeline>, shutdown: CancellationToken) {
    loop {
        match p.store.pending().await {
            Ok(pending) => {
                p.in_flight.store(pending.len(), Ordering::Release);
                p.metrics
                    .in_flight
                    .set(i64::try_from(pending.len()).unwrap_or(i64::MAX));
            }
            Err(e) => tracing::warn!(error = %e, "counting blobs in flight failed; retrying"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

/// How often kept blobs past their retention are dropped.
pub const EXPIRY_SWEEP_INTERVAL: Duration = Duration::from_secs(60);

/// Objects written less than this long ago are never swept as orphans: an API server
/// writes a blob's object just before its metadata, an encoder its frames just before the
/// controller reads them.
pub const ORPHAN_GRACE: Duration = Duration::from_secs(3600);

/// How often the controller looks for orphan objects.
pub const ORPHAN_SWEEP_INTERVAL: Duration = Duration::from_secs(3600);

/// Deletes the blob objects of COMPLETE blobs whose retention ended, every
/// [`EXPIRY_SWEEP_INTERVAL`], and orphan objects every [`ORPHAN_SWEEP_INTERVAL`]
/// ([`sweep_orphan_objects`]), until `shutdown`. A failed sweep is logged and retried: it
/// only delays freeing space.
pub async fn expire_kept_blobs(p: Arc<Pipeline>, shutdown: CancellationToken) {
    let mut next_orphan_sweep = Instant::now();
    loop {
        match p.store.expire(now_secs()).await {
            Ok(keys) if keys.is_empty() => {}
            Ok(keys) => {
                for key in &keys {
                    if let Err(e) = p.objects.delete_blob(key).await {
                        tracing::warn!(blob_key = %key, error = %e, "could not delete an expired blob object");
                    }
                }
                tracing::info!(
                    blobs = keys.len(),
                    "dropped kept blobs past their retention"
                );
            }
            Err(e) => tracing::warn!(error = %e, "expiry sweep failed; retrying later"),
        }
        if Instant::now() >= next_orphan_sweep {
            next_orphan_sweep = Instant::now() + ORPHAN_SWEEP_INTERVAL;
            let before = std::time::SystemTime::now() - ORPHAN_GRACE;
            match sweep_orphan_objects(
                p.store.as_ref(),
                &p.objects,
                p.config.blob_retention_secs,
                before,
            )
            .await
            {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(objects = deleted, "deleted orphan objects"),
                Err(e) => tracing::warn!(error = %e, "orphan sweep failed; retrying later"),
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(EXPIRY_SWEEP_INTERVAL) => {}
        }
    }
}

/// Deletes the objects written before `before` that no blob needs, and returns how many:
/// blob objects whose blob was never accepted (an API server crashed between the object
/// and its metadata, or a refused blob's delete failed) or ended without keeping them (a
/// failed blob, a kept one past its retention, whose delete failed); frame objects whose
/// blob is unknown or ended (the controller crashed before deleting them). What a blob
/// still in flight uses is kept.
pub async fn sweep_orphan_objects(
    store: &dyn MetadataStore,
    objects: &lamina_storage::BlobObjects,
    retention_secs: u64,
    before: std::time::SystemTime,
) -> Result<usize, crate::DisperserError> {
    use lamina_storage::ObjectKind;
    let now = now_secs();
    let mut deleted = 0;
    for kind in [ObjectKind::Blob, ObjectKind::Frames] {
        let candidates = objects
            .written_before(kind, before)
            .await
            .map_err(crate::DisperserError::Objects)?;
        for key in candidates {
            let orphan = match store.status(&key).await? {
                None => true,
                Some(status) if !status.state.is_terminal() => false,
                Some(status) => match kind {
                    ObjectKind::Frames => true,
                    ObjectKind::Blob => {
                        drops_blob_object(status.state, retention_secs)
                            || status.updated_ns / 1_000_000_000 + retention_secs <= now
                    }
                },
            };
            if orphan {
                objects
                    .delete_object(kind, &key)
                    .await
                    .map_err(crate::DisperserError::Objects)?;
                deleted += 1;
            }
        }
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lamina_core::{BlobCertificate, BlobCommitments, BlobHeader, BlobParams};
    use lamina_proto::common::v1 as pb;

    fn blob(i: u8, bytes: usize) -> EncodedBlob {
        EncodedBlob {
            key: BlobKey([i; 32]),
            cert_proto: pb::BlobCertificate::default(),
            cert: BlobCertificate {
                blob_header: BlobHeader {
                    version: 1,
                    quorum_numbers: vec![0],
                    commitment: BlobCommitments {
                        commitment: Default::default(),
                        length_commitment: Default::default(),
                        length_proof: Default::default(),
                        length: 1,
                    },
                    payment_header_hash: Default::default(),
                },
                signature: vec![],
                relay_keys: vec![],
            },
            params: BlobParams::V1_DEVNET,
            frames: vec![],
            blob_bytes: bytes,
            operator_bytes: bytes,
            accepted_ns: 0,
        }
    }

    fn config(max_bytes: usize, interval_ms: u64) -> DisperserConfig {
        DisperserConfig {
            batch_max_bytes: max_bytes,
            batch_max_interval_ms: interval_ms,
            ..DisperserConfig::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn batches_cut_by_size() {
        let (tx, rx) = mpsc::channel(8);
        let (out_tx, mut out) = mpsc::channel(8);
        let task = tokio::spawn(batcher(config(100, 60_000), rx, out_tx));
        for (i, size) in [40, 40, 40, 60, 100, 5].into_iter().enumerate() {
            tx.send(blob(i as u8, size)).await.expect("batcher alive");
        }
        let ids = |b: Vec<EncodedBlob>| b.iter().map(|b| b.key.0[0]).collect::<Vec<_>>();
        // a third 40 would exceed 100: it starts the next batch
        assert_eq!(ids(out.recv().await.expect("a batch")), vec![0, 1]);
        // 40 + 60 reaches 100 exactly: cut at once
        assert_eq!(ids(out.recv().await.expect("a batch")), vec![2, 3]);
        // a blob of the full size is a batch of its own
        assert_eq!(ids(out.recv().await.expect("a batch")), vec![4]);
        drop(tx);
        // input closed: the remainder is flushed
        assert_eq!(ids(out.recv().await.expect("the remainder")), vec![5]);
        task.await.expect("batcher ends");
    }

    #[tokio::test(start_paused = true)]
    async fn batches_span_at_most_five_quorums() {
        let (tx, rx) = mpsc::channel(8);
        let (out_tx, mut out) = mpsc::channel(8);
        let _task = tokio::spawn(batcher(config(1 << 30, 60_000), rx, out_tx));
        for (i, quorums) in [vec![0, 1], vec![2, 3], vec![1, 4], vec![5], vec![0, 5]]
            .into_iter()
            .enumerate()
        {
            let mut b = blob(i as u8, 10);
            b.cert.blob_header.quorum_numbers = quorums;
            tx.send(b).await.expect("alive");
        }
        drop(tx);
        let ids = |b: Vec<EncodedBlob>| b.iter().map(|b| b.key.0[0]).collect::<Vec<_>>();
        // quorums 0..=4 fill the first batch; quorum 5 would be a sixth
        assert_eq!(ids(out.recv().await.expect("a batch")), vec![0, 1, 2]);
        assert_eq!(ids(out.recv().await.expect("a batch")), vec![3, 4]);
    }

    #[tokio::test(start_paused = true)]
    async fn batches_cut_by_time_after_the_first_blob() {
        let (tx, rx) = mpsc::channel(8);
        let (out_tx, mut out) = mpsc::channel(8);
        let _task = tokio::spawn(batcher(config(1 << 30, 1000), rx, out_tx));
        let start = Instant::now();
        tx.send(blob(1, 10)).await.expect("alive");
        tokio::time::sleep(Duration::from_millis(400)).await;
        tx.send(blob(2, 10)).await.expect("alive");
        let batch = out.recv().await.expect("a batch");
        assert_eq!(batch.len(), 2);
        // the interval runs from the first blob, not the last (paused clock: exact)
        assert_eq!(start.elapsed(), Duration::from_millis(1000));
        // nothing pending: no empty batch is ever cut
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(out.try_recv().is_err());
    }
}

#[cfg(test)]
mod orphan_tests {
    use std::time::SystemTime;

    use lamina_storage::{BlobObjects, ObjectKind, ObjectStoreConfig};

    use super::*;
    use crate::metadata::NewBlob;
    use crate::store::Store;

    async fn accepted(store: &Store, objects: &BlobObjects, i: u8, end: Option<BlobState>) {
        let key = BlobKey([i; 32]);
        objects.put_blob(&key, vec![i]).await.expect("blob object");
        store
            .accept(NewBlob {
                key,
                account: [0; 20],
                blob_len: 1,
                header: &[],
                payments: &[],
            })
            .await
            .expect("accepts");
        if let Some(state) = end {
            let record = StatusRecord {
                state,
                updated_ns: now_ns(),
                ..StatusRecord::queued()
            };
            store
                .set_status(&key, BlobState::Queued, &record)
                .await
                .expect("ends");
        }
    }

    async fn exists(objects: &BlobObjects, kind: ObjectKind, i: u8) -> bool {
        let later = SystemTime::now() + Duration::from_secs(60);
        objects
            .written_before(kind, later)
            .await
            .expect("lists")
            .contains(&BlobKey([i; 32]))
    }

    #[tokio::test]
    async fn the_orphan_sweep_deletes_only_objects_no_blob_needs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("db"), 3600).expect("opens");
        let objects =
            BlobObjects::open(&ObjectStoreConfig::Dir(dir.path().join("objects"))).expect("opens");
        // 1: in flight, with its frames; 2: failed; 3: complete and kept for an hour.
        accepted(&store, &objects, 1, None).await;
        objects
            .put_frames(&BlobKey([1; 32]), &[vec![1]])
            .await
            .expect("frames");
        accepted(&store, &objects, 2, Some(BlobState::Failed)).await;
        accepted(&store, &objects, 3, Some(BlobState::Complete)).await;
        // 4: a blob object whose metadata was never written; 5: frames of nothing known.
        objects
            .put_blob(&BlobKey([4; 32]), vec![4])
            .await
            .expect("orphan");
        objects
            .put_frames(&BlobKey([5; 32]), &[vec![5]])
            .await
            .expect("orphan frames");

        // Within the grace period nothing goes.
        let an_hour_ago = SystemTime::now() - ORPHAN_GRACE;
        assert_eq!(
            sweep_orphan_objects(&store, &objects, 3600, an_hour_ago)
                .await
                .expect("sweeps"),
            0
        );
        let later = SystemTime::now() + Duration::from_secs(60);
        assert_eq!(
            sweep_orphan_objects(&store, &objects, 3600, later)
                .await
                .expect("sweeps"),
            3
        );
        assert!(exists(&objects, ObjectKind::Blob, 1).await);
        assert!(exists(&objects, ObjectKind::Frames, 1).await);
        assert!(!exists(&objects, ObjectKind::Blob, 2).await);
        assert!(exists(&objects, ObjectKind::Blob, 3).await);
        assert!(!exists(&objects, ObjectKind::Blob, 4).await);
        assert!(!exists(&objects, ObjectKind::Frames, 5).await);
        // Without retention the complete blob's object is no longer needed either.
        assert_eq!(
            sweep_orphan_objects(&store, &objects, 0, later)
                .await
                .expect("sweeps"),
            1
        );
        assert!(!exists(&objects, ObjectKind::Blob, 3).await);
    }
}
