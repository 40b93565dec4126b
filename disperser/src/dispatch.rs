//! The dispatch stage: one batch in, certificates (or explicit failures) out.
//!
//! For a batch: reference block = head − `reference_block_delay`; operator state at that
//! block; chunk assignment per blob; one signed `StoreChunks` per operator holding only
//! its frames, all in parallel under per-node and per-batch timeouts; every returned
//! BLS signature verified against the operator's registered G2 key; aggregation,
//! thresholds, `checkSignatures` indices; then every blob's outcome and the batch
//! record in one atomic write.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use lamina_core::bls::{OperatorKeys, Signature};
use lamina_core::chain::{Chain, OperatorInfo};
use lamina_core::keystore::EcdsaKey;
use lamina_core::security::{check_cert_bounds, check_security_params};
use lamina_core::{
    BatchHeader, BlobKey, MerkleTree, OperatorId, QuorumId, QuorumOperators, assign_blob,
};
use lamina_proto::common::v1 as pb;
use lamina_proto::node::v1 as node_pb;
use lamina_proto::node::v1::dispersal_client::DispersalClient;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tonic::transport::{Channel, Endpoint};

use crate::aggregate::{BatchAttestation, BlobOutcome, attest, certificate};
use crate::encode::EncodedBlob;
use crate::pipeline::{Pipeline, fail_blob};
use crate::store::{AnchorState, BatchRecord, BlobState, StatusRecord, now_ns};

/// Batches dispatched at once (each also holds its frames in memory).
pub const MAX_CONCURRENT_BATCHES: usize = 2;

/// Why a batch could not be dispatched at all (each blob then ends `FAILED` with this).
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// A chain read failed.
    #[error("chain: {0}")]
    Chain(#[from] lamina_core::chain::ChainError),
    /// The head is below the reference block delay, or past u32.
    #[error("head block {head} minus delay {delay} is not a usable reference block")]
    ReferenceBlock {
        /// Chain head.
        head: u64,
        /// Configured delay.
        delay: u64,
    },
    /// Chunk assignment failed (no operators in a quorum?).
    #[error("chunk assignment of blob {key} in quorums {quorums:?}: {source}")]
    Assignment {
        /// The blob.
        key: BlobKey,
        /// Its quorums.
        quorums: Vec<QuorumId>,
        /// Why.
        source: lamina_core::AssignmentError,
    },
    /// The certificate tree could not be built.
    #[error("batch tree: {0}")]
    Merkle(#[from] lamina_core::MerkleError),
    /// Aggregation failed.
    #[error("aggregation: {0}")]
    Bls(#[from] lamina_core::BlsError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] crate::error::StoreError),
    /// The StoreChunks request could not be signed.
    #[error("signing the StoreChunks request: {0}")]
    Sign(#[from] lamina_core::ecdsa::EcdsaError),
}

/// One operator's answer.
#[derive(Debug)]
enum NodeOutcome {
    Signed(Signature),
    BadSignature(String),
    Error(String),
    Timeout,
}

impl NodeOutcome {
    fn label(&self) -> &'static str {
        match self {
            Self::Signed(_) => "signed",
            Self::BadSignature(_) => "bad_signature",
            Self::Error(_) => "error",
            Self::Timeout => "timeout",
        }
    }
}

/// The dispatcher: signing key, cached node connections.
#[derive(Debug)]
pub struct Dispatcher {
    p: Arc<Pipeline>,
    key: EcdsaKey,
    /// std `Mutex`: a map lookup/insert, never held across `.await`.
    channels: Mutex<HashMap<String, Channel>>,
    anchor: mpsc::Sender<u64>,
}

/// One blob's assignment: every operator's merged chunk indices over the blob's quorums
/// (`assign_blob`, the rule the node checks with `assign_operator` and the retriever
/// reads with), and the blob's quorums each operator has stake in.
#[derive(Debug)]
struct BlobAssignment {
    indices: BTreeMap<OperatorId, Vec<u32>>,
    held: BTreeMap<OperatorId, Vec<QuorumId>>,
}

/// Space kept free in a StoreChunks request for everything but frames.
const REQUEST_OVERHEAD: usize = 64 * 1024;

/// Frames of one blob for one operator: one `QuorumFrames` per quorum of the blob the
/// operator has stake in, each with the same indices and frames (the node then serves
/// them under every such quorum), or only the first quorum's entry when `single` (to
/// keep a large batch under the gRPC message limit).
fn operator_frames(
    blob: &EncodedBlob,
    assignment: &BlobAssignment,
    operator: &OperatorId,
    single: bool,
) -> node_pb::BlobFrames {
    let (Some(indices), Some(held)) = (
        assignment.indices.get(operator),
        assignment.held.get(operator),
    ) else {
        return node_pb::BlobFrames { quorums: vec![] };
    };
    let frames: Vec<Vec<u8>> = indices
        .iter()
        .filter_map(|&i| blob.frames.get(i as usize).cloned())
        .collect();
    let named = if single {
        &held[..held.len().min(1)]
    } else {
        &held[..]
    };
    node_pb::BlobFrames {
        quorums: named
            .iter()
            .map(|q| node_pb::QuorumFrames {
                quorum_id: u32::from(*q),
                chunk_indices: indices.clone(),
                frames: frames.clone(),
            })
            .collect(),
    }
}

/// Bytes of frames one operator receives for a blob, per quorum entry.
fn frame_bytes(blob: &EncodedBlob, assignment: &BlobAssignment, operator: &OperatorId) -> usize {
    assignment.indices.get(operator).map_or(0, |indices| {
        indices
            .iter()
            .filter_map(|&i| blob.frames.get(i as usize).map(Vec::len))
            .sum()
    })
}

/// The assignment of a blob over its quorums' state at the reference block.
fn blob_assignment(
    blob: &EncodedBlob,
    state: &BTreeMap<QuorumId, QuorumOperators>,
) -> Result<BlobAssignment, BatchError> {
    let quorums = &blob.cert.blob_header.quorum_numbers;
    let assignment_error = |source| BatchError::Assignment {
        key: blob.key,
        quorums: quorums.clone(),
        source,
    };
    let states = quorums
        .iter()
        .map(|q| {
            state
                .get(q)
                .cloned()
                .ok_or(assignment_error(lamina_core::AssignmentError::NoQuorums))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let indices: BTreeMap<OperatorId, Vec<u32>> = assign_blob(&blob.params, &states)
        .map_err(assignment_error)?
        .into_iter()
        .map(|(id, a)| (id, a.indices))
        .collect();
    let held = indices
        .keys()
        .map(|id| {
            let qs = states
                .iter()
                .filter(|s| s.stake(id).is_some())
                .map(QuorumOperators::quorum)
                .collect();
            (*id, qs)
        })
        .collect();
    Ok(BlobAssignment { indices, held })
}

impl Dispatcher {
    /// A dispatcher signing with `key` and handing anchored batch ids to `anchor`.
    pub fn new(p: Arc<Pipeline>, key: EcdsaKey, anchor: mpsc::Sender<u64>) -> Self {
        Self {
            p,
            key,
            channels: Mutex::new(HashMap::new()),
            anchor,
        }
    }

    fn client(&self, socket: &str) -> Result<DispersalClient<Channel>, String> {
        let mut channels = self
            .channels
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let channel = match channels.get(socket) {
            Some(c) => c.clone(),
            None => {
                let endpoint = Endpoint::from_shared(format!("http://{socket}"))
                    .map_err(|e| format!("bad socket {socket:?}: {e}"))?
                    .connect_timeout(self.p.config.node_timeout());
                let c = endpoint.connect_lazy();
                channels.insert(socket.to_owned(), c.clone());
                c
            }
        };
        Ok(DispersalClient::new(channel)
            .max_decoding_message_size(lamina_proto::MAX_MESSAGE_SIZE)
            .max_encoding_message_size(lamina_proto::MAX_MESSAGE_SIZE))
    }

    fn sign(&self, request: &mut node_pb::StoreChunksRequest) -> Result<(), BatchError> {
        let digest = lamina_proto::store_chunks_digest(request);
        let signature = lamina_core::ecdsa::sign_digest(&self.key, digest)?;
        request.disperser_signature = signature.to_vec();
        Ok(())
    }

    async fn store_chunks(
        &self,
        info: &OperatorInfo,
        request: node_pb::StoreChunksRequest,
        message: alloy_primitives::B256,
    ) -> NodeOutcome {
        let Some(socket) = info.socket.as_deref() else {
            return NodeOutcome::Error("no socket registered".into());
        };
        let mut client = match self.client(socket) {
            Ok(c) => c,
            Err(e) => return NodeOutcome::Error(e),
        };
        let call = client.store_chunks(request);
        let reply = match tokio::time::timeout(self.p.config.node_timeout(), call).await {
            Err(_) => return NodeOutcome::Timeout,
            Ok(Err(status)) => {
                return NodeOutcome::Error(format!("{:?}: {}", status.code(), status.message()));
            }
            Ok(Ok(reply)) => reply.into_inner(),
        };
        let Ok(bytes) = <[u8; 32]>::try_from(reply.signature.as_slice()) else {
            return NodeOutcome::BadSignature(format!(
                "signature is {} bytes, expected 32",
                reply.signature.len()
            ));
        };
        let point = match lamina_encoding::g1_from_bytes(&bytes) {
            Ok(p) => p,
            Err(e) => return NodeOutcome::BadSignature(format!("not a G1 point: {e}")),
        };
        let signature = Signature::from_point(point);
        if signature.verify(&info.pubkey_g2, message) {
            NodeOutcome::Signed(signature)
        } else {
            NodeOutcome::BadSignature(
                "does not verify against the operator's registered G2 key".into(),
            )
        }
    }

    /// Dispatches one batch and records every blob's outcome.
    pub async fn dispatch(&self, blobs: Vec<EncodedBlob>) {
        let keys: Vec<BlobKey> = blobs.iter().map(|b| b.key).collect();
        let (batch_id, records) = match self.p.store.start_batch(&keys) {
            Ok(r) => r,
            Err(e) => {
                for key in &keys {
                    fail_blob(&self.p, key, &format!("could not start a batch: {e}"));
                }
                return;
            }
        };
        for key in &keys {
            self.p.metrics.blob_state(BlobState::GatheringSignatures);
            tracing::info!(blob_key = %key, batch_id, "gathering signatures");
        }
        self.p.metrics.batch_blobs.observe(blobs.len() as f64);
        self.p
            .metrics
            .batch_bytes
            .observe(blobs.iter().map(|b| b.blob_bytes).sum::<usize>() as f64);
        if let Err(e) = self.run_batch(batch_id, &blobs, records).await {
            for key in &keys {
                fail_blob(&self.p, key, &format!("batch {batch_id}: {e}"));
            }
        }
    }

    async fn run_batch(
        &self,
        batch_id: u64,
        blobs: &[EncodedBlob],
        mut records: Vec<StatusRecord>,
    ) -> Result<(), BatchError> {
        let chain = self.p.chain.chain();
        let delay = self.p.config.reference_block_delay;
        let head = chain.block_number().await?;
        let rbn = head
            .checked_sub(delay)
            .and_then(|b| u32::try_from(b).ok())
            .ok_or(BatchError::ReferenceBlock { head, delay })?;
        // The rules checkDACert applies to this batch's certificates: those in force at
        // the reference block (not the cached current ones, which governance may change).
        let rules = BatchRules {
            thresholds: chain.security_thresholds_at(rbn).await?,
            required_quorums: chain.quorum_numbers_required_at(rbn).await?,
        };
        let threshold = rules.thresholds.confirmation_threshold;
        let quorums: Vec<QuorumId> = blobs
            .iter()
            .flat_map(|b| b.cert.blob_header.quorum_numbers.iter().copied())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let state_list = chain.operator_state(&quorums, rbn).await?;
        let state: BTreeMap<QuorumId, QuorumOperators> =
            state_list.iter().map(|q| (q.quorum(), q.clone())).collect();

        // The batch header and the certificates every operator receives.
        let hashes: Vec<_> = blobs.iter().map(|b| b.cert.hash()).collect();
        let tree = MerkleTree::from_certificate_hashes(&hashes)?;
        let header = BatchHeader {
            batch_root: tree.root(),
            reference_block_number: rbn,
        };
        let message = header.hash();
        let batch_pb = pb::Batch {
            header: Some(pb::BatchHeader::from(&header)),
            blob_certificates: blobs.iter().map(|b| b.cert_proto.clone()).collect(),
        };
        let assignments = blobs
            .iter()
            .map(|b| blob_assignment(b, &state))
            .collect::<Result<Vec<_>, _>>()?;

        // Every operator of the batch's quorums, with its keys and socket at the reference block.
        let operators: BTreeSet<OperatorId> = state_list
            .iter()
            .flat_map(|q| q.iter().map(|m| m.operator_id))
            .collect();
        let infos: Vec<(OperatorId, Result<OperatorInfo, String>)> =
            futures::future::join_all(operators.iter().map(|id| async move {
                (
                    *id,
                    chain
                        .operator_info(*id, rbn)
                        .await
                        .map_err(|e| e.to_string()),
                )
            }))
            .await;
        let mut keys = BTreeMap::new();
        let mut calls = FuturesUnordered::new();
        let timestamp = i64::try_from(now_ns()).unwrap_or(i64::MAX);
        for (id, info) in &infos {
            let info = match info {
                Ok(info) => info,
                Err(e) => {
                    tracing::warn!(batch_id, operator = %id, error = %e, "operator info unavailable: counted as non-signer");
                    continue;
                }
            };
            keys.insert(
                *id,
                OperatorKeys {
                    g1: info.pubkey_g1,
                    g2: info.pubkey_g2,
                },
            );
            let mut request = node_pb::StoreChunksRequest {
                batch: Some(batch_pb.clone()),
                blobs: {
                    // Name every held quorum unless that would pass the message limit.
                    let full: usize = blobs
                        .iter()
                        .zip(&assignments)
                        .map(|(b, a)| frame_bytes(b, a, id) * a.held.get(id).map_or(0, Vec::len))
                        .sum();
                    let single = full + REQUEST_OVERHEAD > lamina_proto::MAX_MESSAGE_SIZE;
                    blobs
                        .iter()
                        .zip(&assignments)
                        .map(|(b, a)| operator_frames(b, a, id, single))
                        .collect()
                },
                timestamp,
                disperser_signature: Vec::new(),
            };
            self.sign(&mut request)?;
            calls.push(async move {
                let started = Instant::now();
                let outcome = self.store_chunks(info, request, message).await;
                (*id, outcome, started.elapsed())
            });
        }
        // Operator keys come from the registry even for operators we could not reach,
        // so that aggregation can name them as non-signers.
        for id in &operators {
            if !keys.contains_key(id) {
                let info = chain.operator_info(*id, rbn).await?;
                keys.insert(
                    *id,
                    OperatorKeys {
                        g1: info.pubkey_g1,
                        g2: info.pubkey_g2,
                    },
                );
            }
        }

        let deadline = tokio::time::Instant::now() + self.p.config.batch_timeout();
        let mut signatures = BTreeMap::new();
        loop {
            match tokio::time::timeout_at(deadline, calls.next()).await {
                Err(_) => {
                    tracing::warn!(
                        batch_id,
                        outstanding = calls.len(),
                        "batch timeout: unanswered operators count as non-signers"
                    );
                    break;
                }
                Ok(None) => break,
                Ok(Some((id, outcome, elapsed))) => {
                    let op = id.to_string();
                    self.p
                        .metrics
                        .operator(&op, outcome.label(), elapsed.as_secs_f64());
                    match outcome {
                        NodeOutcome::Signed(sig) => {
                            tracing::debug!(batch_id, operator = %op, ms = elapsed.as_millis() as u64, "signed");
                            signatures.insert(id, sig);
                        }
                        NodeOutcome::BadSignature(why) => {
                            tracing::warn!(batch_id, operator = %op, reason = %why, "operator's signature rejected: excluded");
                        }
                        NodeOutcome::Error(why) => {
                            tracing::warn!(batch_id, operator = %op, reason = %why, "StoreChunks failed");
                        }
                        NodeOutcome::Timeout => {
                            tracing::warn!(batch_id, operator = %op, timeout_ms = self.p.config.node_timeout_ms, "StoreChunks timed out");
                        }
                    }
                }
            }
        }
        drop(calls);

        let tally = attest(&state_list, &keys, &signatures, threshold)?;
        self.record(
            batch_id,
            blobs,
            &mut records,
            header,
            &tree,
            tally,
            rbn,
            &rules,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn record(
        &self,
        batch_id: u64,
        blobs: &[EncodedBlob],
        records: &mut [StatusRecord],
        header: BatchHeader,
        tree: &MerkleTree,
        tally: BatchAttestation,
        rbn: u32,
        rules: &BatchRules,
    ) -> Result<(), BatchError> {
        let chain = self.p.chain.chain();
        // The indices are those of the signed quorums (quorums without stake are left out).
        let indices = match &tally.attestation {
            Some(attestation) => Some(
                chain
                    .check_signatures_indices(
                        rbn,
                        &attestation.quorum_numbers,
                        &tally.non_signers,
                    )
                    .await?,
            ),
            None => None,
        };
        let percentages = tally.percentages();
        let mut any_complete = false;
        let mut updates = Vec::with_capacity(blobs.len());
        for (i, (blob, record)) in blobs.iter().zip(records.iter_mut()).enumerate() {
            record.updated_ns = now_ns();
            record.signed_percentages = percentages.clone();
            match (
                rules.outcome(blob, &tally),
                &tally.attestation,
                &indices,
            ) {
                (BlobOutcome::Complete, Some(attestation), Some(indices)) => {
                    let cert = certificate(
                        header,
                        tree,
                        i,
                        blob.cert.clone(),
                        attestation,
                        indices.clone(),
                    )?;
                    let encoded = cert.abi_encode();
                    // Never COMPLETE what the deployed verifier would reject on shape alone.
                    let pairs = cert
                        .non_signer_stakes_and_signature
                        .non_signer_stake_indices
                        .iter()
                        .map(Vec::len)
                        .sum();
                    match check_cert_bounds(
                        cert.signed_quorum_numbers.len(),
                        pairs,
                        encoded.len(),
                    ) {
                        Ok(()) => {
                            record.state = BlobState::Complete;
                            record.reason.clear();
                            record.cert_abi_hex = Some(hex::encode(encoded));
                            any_complete = true;
                        }
                        Err(e) => {
                            record.state = BlobState::InsufficientSignatures;
                            record.reason = format!("certificate outside the verifier's bounds: {e}");
                        }
                    }
                }
                (BlobOutcome::Insufficient(reason), _, _) => {
                    record.state = BlobState::InsufficientSignatures;
                    record.reason = reason;
                }
                (BlobOutcome::Complete, _, _) => {
                    // outcome() is Complete only with an attestation, and indices exist then
                    record.state = BlobState::InsufficientSignatures;
                    record.reason = "no attestation".into();
                }
            }
            updates.push((blob.key, record.clone()));
        }
        let all_confirmed = tally.tallies.iter().all(|t| t.confirmed);
        let anchor = if self.p.config.anchor_on_chain && any_complete && all_confirmed {
            AnchorState::Pending
        } else {
            AnchorState::NotAnchored
        };
        let batch = BatchRecord {
            blob_keys: blobs.iter().map(|b| b.key.to_string()).collect(),
            batch_root: header.batch_root.to_string(),
            reference_block_number: rbn,
            anchor: anchor.clone(),
        };
        self.p.store.finish_batch(batch_id, &batch, &updates)?;
        tracing::info!(
            batch_id,
            blobs = blobs.len(),
            reference_block = rbn,
            non_signers = tally.non_signers.len(),
            signed = ?percentages,
            "batch attested"
        );
        for (key, record) in &updates {
            match record.state {
                BlobState::Complete => {
                    tracing::info!(blob_key = %key, batch_id, signed = ?record.signed_percentages, "complete")
                }
                BlobState::InsufficientSignatures => {
                    tracing::warn!(blob_key = %key, batch_id, reason = %record.reason, "insufficient signatures")
                }
                BlobState::Queued
                | BlobState::Encoded
                | BlobState::GatheringSignatures
                | BlobState::Failed => {}
            }
            self.p.finished(record.state, record.accepted_ns);
        }
        if anchor == AnchorState::Pending && self.anchor.send(batch_id).await.is_err() {
            tracing::info!(
                batch_id,
                "anchoring stopped; the batch is anchored after a restart"
            );
        }
        Ok(())
    }
}

/// The thresholds and required quorums `checkDACert` applies at a batch's reference block.
struct BatchRules {
    thresholds: lamina_core::SecurityThresholds,
    required_quorums: Vec<QuorumId>,
}

impl BatchRules {
    /// The blob's outcome under the rules at the reference block: its quorums confirmed,
    /// the required quorums among them, its version safe under the thresholds.
    fn outcome(&self, blob: &EncodedBlob, tally: &BatchAttestation) -> BlobOutcome {
        let quorums = &blob.cert.blob_header.quorum_numbers;
        if let Some(missing) = self.required_quorums.iter().find(|q| !quorums.contains(q)) {
            return BlobOutcome::Insufficient(format!(
                "quorum {missing} is required at the reference block (required {:?}), the blob is in {quorums:?}",
                self.required_quorums
            ));
        }
        if let Err(e) = check_security_params(&blob.params, self.thresholds) {
            return BlobOutcome::Insufficient(format!(
                "blob version {} under the thresholds at the reference block: {e}",
                blob.cert.blob_header.version
            ));
        }
        tally.outcome(quorums, self.thresholds.confirmation_threshold)
    }
}

/// Runs the dispatch stage until `batches` closes; at most [`MAX_CONCURRENT_BATCHES`] at once.
pub async fn run(dispatcher: Arc<Dispatcher>, mut batches: mpsc::Receiver<Vec<EncodedBlob>>) {
    let permits = Arc::new(Semaphore::new(MAX_CONCURRENT_BATCHES));
    let mut tasks = JoinSet::new();
    while let Some(batch) = batches.recv().await {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        let d = dispatcher.clone();
        tasks.spawn(async move {
            d.dispatch(batch).await;
            drop(permit);
        });
        while tasks.try_join_next().is_some() {}
    }
    // The batcher flushed and closed: in-flight batches finish before the process exits.
    while tasks.join_next().await.is_some() {}
}
