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
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use lamina_core::bls::{OperatorKeys, Signature};
use lamina_core::chain::{Chain, OperatorInfo};
use lamina_core::keystore::EcdsaKey;
use lamina_core::security::{check_cert_bounds, check_security_params};
use lamina_core::tls::GrpcConnector;
use lamina_core::{
    BatchHeader, BlobKey, MerkleTree, OperatorId, QuorumId, QuorumOperators, assign_blob,
};
use lamina_proto::common::v1 as pb;
use lamina_proto::node::v1 as node_pb;
use lamina_proto::node::v1::dispersal_client::DispersalClient;
use prost::Message;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tonic::transport::Channel;

use crate::aggregate::{BatchAttestation, BlobOutcome, attest, certificate};
use crate::encode::EncodedBlob;
use crate::pipeline::{Pipeline, drop_blob_object, fail_blob};
use crate::store::{
    AnchorState, BatchRecord, BlobState, OperatorRecord, QuorumRecord, StatusRecord, now_ns,
};

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
    /// Opens operator sockets, over TLS with `tls.operator_tls`.
    connector: GrpcConnector,
}

/// One blob's assignment: every operator's merged chunk indices over the blob's quorums
/// (`assign_blob`, the rule the node checks with `assign_operator` and the retriever
/// reads with), and the blob's quorums each operator has stake in.
#[derive(Debug)]
struct BlobAssignment {
    indices: BTreeMap<OperatorId, Vec<u32>>,
    held: BTreeMap<OperatorId, Vec<QuorumId>>,
}

/// Frames of one blob for one operator: one `QuorumFrames` per quorum of the blob the
/// operator has stake in, each with the same indices and frames (the node then serves
/// them under every such quorum), or only the first quorum's entry when `single` (to
/// keep a large batch under the gRPC message limit).
/// Every quorum any of `blobs` is dispersed to, ascending.
fn batch_quorums(blobs: &[EncodedBlob]) -> Vec<QuorumId> {
    blobs
        .iter()
        .flat_map(|b| b.cert.blob_header.quorum_numbers.iter().copied())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

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

/// Room kept in a StoreChunks request for the disperser's signature and framing.
const SIGNATURE_ROOM: usize = 256;

/// The StoreChunks request of `operator` for a batch: every blob's frames under each
/// quorum of the blob the operator has stake in, or, when that would pass the gRPC
/// message limit, under only the first such quorum. `Err` with the smaller size when
/// even that does not fit (the batcher sizes batches so that it does).
fn operator_request(
    batch: &pb::Batch,
    blobs: &[EncodedBlob],
    assignments: &[BlobAssignment],
    operator: &OperatorId,
    timestamp: i64,
) -> Result<node_pb::StoreChunksRequest, usize> {
    let limit = lamina_proto::MAX_MESSAGE_SIZE - SIGNATURE_ROOM;
    let build = |single| node_pb::StoreChunksRequest {
        batch: Some(batch.clone()),
        blobs: blobs
            .iter()
            .zip(assignments)
            .map(|(b, a)| operator_frames(b, a, operator, single))
            .collect(),
        timestamp,
        disperser_signature: Vec::new(),
    };
    // Name every held quorum unless that would pass the message limit.
    let full_frames: usize = blobs
        .iter()
        .zip(assignments)
        .map(|(b, a)| frame_bytes(b, a, operator) * a.held.get(operator).map_or(0, Vec::len))
        .sum();
    if full_frames < limit {
        let full = build(false);
        if full.encoded_len() <= limit {
            return Ok(full);
        }
    }
    let single = build(true);
    match single.encoded_len() {
        len if len <= limit => Ok(single),
        len => Err(len),
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

/// Assigns every blob over `state`; a blob whose assignment fails ends `FAILED` with the
/// reason, and the others are returned with their records and assignments, in order.
async fn split_assignable(
    p: &Pipeline,
    blobs: Vec<EncodedBlob>,
    records: Vec<StatusRecord>,
    state: &BTreeMap<QuorumId, QuorumOperators>,
) -> (Vec<EncodedBlob>, Vec<StatusRecord>, Vec<BlobAssignment>) {
    let mut kept = (Vec::new(), Vec::new(), Vec::new());
    for (blob, record) in blobs.into_iter().zip(records) {
        match blob_assignment(&blob, state) {
            Ok(assignment) => {
                kept.0.push(blob);
                kept.1.push(record);
                kept.2.push(assignment);
            }
            Err(e) => fail_blob(p, &blob.key, &e.to_string()).await,
        }
    }
    kept
}

impl Dispatcher {
    /// A dispatcher signing with `key` and handing anchored batch ids to `anchor`.
    /// Operator sockets are opened by `connector`.
    pub fn new(
        p: Arc<Pipeline>,
        key: EcdsaKey,
        anchor: mpsc::Sender<u64>,
        connector: GrpcConnector,
    ) -> Self {
        Self {
            p,
            key,
            channels: Mutex::new(HashMap::new()),
            anchor,
            connector,
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
                let endpoint = self
                    .connector
                    .operator_endpoint(socket)
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
        let (batch_id, records) = match self.p.store.start_batch(&keys).await {
            Ok(r) => r,
            Err(e) => {
                for key in &keys {
                    fail_blob(&self.p, key, &format!("could not start a batch: {e}")).await;
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
        if let Err(e) = self.run_batch(batch_id, blobs, records).await {
            // fail_blob leaves blobs that already ended (e.g. one failed alone) as they are
            for key in &keys {
                fail_blob(&self.p, key, &format!("batch {batch_id}: {e}")).await;
            }
        }
    }

    async fn run_batch(
        &self,
        batch_id: u64,
        blobs: Vec<EncodedBlob>,
        records: Vec<StatusRecord>,
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
        let state_list = chain.operator_state(&batch_quorums(&blobs), rbn).await?;
        let state: BTreeMap<QuorumId, QuorumOperators> =
            state_list.iter().map(|q| (q.quorum(), q.clone())).collect();

        // A blob that cannot be assigned (an empty quorum, more operators than its
        // version's max_num_operators) fails alone, with its reason; the rest go on.
        let (blobs, mut records, assignments) =
            split_assignable(&self.p, blobs, records, &state).await;
        if blobs.is_empty() {
            return Ok(());
        }
        let blobs = &blobs[..];
        // Only the quorums of the blobs left are the batch's.
        let quorums = batch_quorums(blobs);
        let state_list: Vec<QuorumOperators> = state_list
            .into_iter()
            .filter(|q| quorums.contains(&q.quorum()))
            .collect();

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
        let dispatched_ns = now_ns();
        let timestamp = i64::try_from(dispatched_ns).unwrap_or(i64::MAX);
        // Every operator's answer, for the batch record (the signing-rate records).
        let mut answers: BTreeMap<OperatorId, OperatorRecord> = BTreeMap::new();
        for (id, info) in &infos {
            let info = match info {
                Ok(info) => info,
                Err(e) => {
                    tracing::warn!(batch_id, operator = %id, error = %e, "operator info unavailable: counted as non-signer");
                    answers.insert(
                        *id,
                        operator_record(id, "unreachable", e.clone(), Duration::ZERO),
                    );
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
            let request = match operator_request(&batch_pb, blobs, &assignments, id, timestamp) {
                Ok(mut request) => {
                    self.sign(&mut request)?;
                    Ok(request)
                }
                Err(len) => Err(len),
            };
            calls.push(async move {
                let started = Instant::now();
                let outcome = match request {
                    Ok(request) => self.store_chunks(info, request, message).await,
                    // The batcher sizes batches so that this cannot happen; if it does,
                    // this operator is a non-signer rather than the batch failing.
                    Err(len) => NodeOutcome::Error(format!(
                        "StoreChunks request of {len} bytes exceeds the gRPC message limit of {} bytes",
                        lamina_proto::MAX_MESSAGE_SIZE
                    )),
                };
                (*id, outcome, started.elapsed())
            });
        }
        // Operator keys come from the registry even for operators we could not reach
        // (or whose socket could not be read), so that aggregation can name them as
        // non-signers.
        for id in &operators {
            if !keys.contains_key(id) {
                let info = chain.operator_keys(*id).await?;
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
                    let reason = match &outcome {
                        NodeOutcome::Signed(_) => String::new(),
                        NodeOutcome::BadSignature(why) | NodeOutcome::Error(why) => why.clone(),
                        NodeOutcome::Timeout => format!(
                            "no answer within node_timeout_ms ({} ms)",
                            self.p.config.node_timeout_ms
                        ),
                    };
                    answers.insert(id, operator_record(&id, outcome.label(), reason, elapsed));
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
        for id in &operators {
            answers.entry(*id).or_insert_with(|| {
                operator_record(
                    id,
                    "timeout",
                    format!(
                        "no answer within batch_timeout_ms ({} ms)",
                        self.p.config.batch_timeout().as_millis()
                    ),
                    Duration::ZERO,
                )
            });
        }

        let tally = attest(&state_list, &keys, &signatures, threshold)?;
        let quorum_records = quorum_records(&state_list, &tally, &signatures);
        let signing = BatchSigning {
            dispatched_ns,
            quorums: quorum_records,
            operators: answers.into_values().collect(),
        };
        self.record(
            batch_id,
            blobs,
            &mut records,
            header,
            &tree,
            tally,
            rbn,
            &rules,
            signing,
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
        signing: BatchSigning,
    ) -> Result<(), BatchError> {
        let chain = self.p.chain.chain();
        // The indices are those of the signed quorums (quorums without stake are left out).
        let indices = match &tally.attestation {
            Some(attestation) => Some(
                chain
                    .check_signatures_indices(rbn, &attestation.quorum_numbers, &tally.non_signers)
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
            match (rules.outcome(blob, &tally), &tally.attestation, &indices) {
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
                    match check_cert_bounds(cert.signed_quorum_numbers.len(), pairs, encoded.len())
                    {
                        Ok(()) => {
                            record.state = BlobState::Complete;
                            record.reason.clear();
                            record.cert_abi_hex = Some(hex::encode(encoded));
                            any_complete = true;
                        }
                        Err(e) => {
                            record.state = BlobState::InsufficientSignatures;
                            record.reason =
                                format!("certificate outside the verifier's bounds: {e}");
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
            dispatched_ns: signing.dispatched_ns,
            finished_ns: now_ns(),
            blob_bytes: blobs.iter().map(|b| b.blob_bytes as u64).sum(),
            quorums: signing.quorums,
            operators: signing.operators,
        };
        self.p
            .store
            .finish_batch(batch_id, &batch, &updates)
            .await?;
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
            drop_blob_object(&self.p, key, record.state).await;
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

/// What a batch's record keeps about its signing: when it went out, every quorum's
/// signers and every operator's answer.
struct BatchSigning {
    dispatched_ns: u64,
    quorums: Vec<QuorumRecord>,
    operators: Vec<OperatorRecord>,
}

fn operator_record(
    id: &OperatorId,
    outcome: &str,
    reason: String,
    elapsed: Duration,
) -> OperatorRecord {
    OperatorRecord {
        operator_id: id.to_string(),
        outcome: outcome.to_owned(),
        reason,
        latency_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
    }
}

/// Per quorum of the batch: signed stake, and which members signed (their signature
/// verified) and which did not.
fn quorum_records(
    state: &[QuorumOperators],
    tally: &BatchAttestation,
    signatures: &BTreeMap<OperatorId, Signature>,
) -> Vec<QuorumRecord> {
    state
        .iter()
        .map(|q| {
            let t = tally.tallies.iter().find(|t| t.quorum == q.quorum());
            let (signers, non_signers): (Vec<_>, Vec<_>) = q
                .iter()
                .map(|m| m.operator_id)
                .partition(|id| signatures.contains_key(id));
            QuorumRecord {
                quorum: q.quorum(),
                signed_stake: t.map_or(0, |t| t.signed_stake).to_string(),
                total_stake: q.total_stake().to_string(),
                percentage: t.map_or(0, |t| t.percentage),
                signers: signers.iter().map(ToString::to_string).collect(),
                non_signers: non_signers.iter().map(ToString::to_string).collect(),
            }
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    use lamina_core::chain::{ContractAddresses, EthChain};
    use lamina_core::{BlobCertificate, BlobCommitments, BlobHeader, BlobParams, OperatorStake};

    use crate::chain_view::{ChainParams, ChainView};
    use crate::config::DisperserConfig;
    use crate::metadata::NewBlob;
    use crate::metrics::Metrics;
    use crate::store::Store;
    use prost::Message;

    fn pipeline(dir: &std::path::Path) -> Pipeline {
        let chain =
            EthChain::connect_http("http://127.0.0.1:9", ContractAddresses::default(), None)
                .expect("chain handle");
        let params = ChainParams {
            blob_params: BTreeMap::from([(0, BlobParams::V0), (1, BlobParams::V1_DEVNET)]),
            next_blob_version: 2,
            quorum_count: 2,
            required_quorums: vec![0],
            thresholds: lamina_core::SecurityThresholds {
                confirmation_threshold: 55,
                adversary_threshold: 33,
            },
            operator_counts: BTreeMap::new(),
        };
        Pipeline {
            config: DisperserConfig::default(),
            store: Arc::new(Store::open(&dir.join("db"), 0).expect("store")),
            objects: lamina_storage::BlobObjects::open(&lamina_storage::ObjectStoreConfig::Dir(
                dir.join("objects"),
            ))
            .expect("objects"),
            chain: Arc::new(ChainView::with_params(chain, params)),
            metrics: Arc::new(Metrics::new()),
            in_flight: AtomicUsize::new(0),
        }
    }

    fn encoded(i: u8, version: u16, quorums: Vec<QuorumId>, params: BlobParams) -> EncodedBlob {
        EncodedBlob {
            key: BlobKey([i; 32]),
            cert_proto: pb::BlobCertificate::default(),
            cert: BlobCertificate {
                blob_header: BlobHeader {
                    version,
                    quorum_numbers: quorums,
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
            params,
            frames: vec![vec![0; 64]; params.num_chunks as usize],
            blob_bytes: 32,
            operator_bytes: 0,
            accepted_ns: 0,
        }
    }

    #[tokio::test]
    async fn an_unassignable_blob_fails_alone_and_the_rest_of_the_batch_goes_on() {
        let dir = tempfile::tempdir().expect("temp dir");
        let p = pipeline(dir.path());
        // nine operators in quorum 0; quorum 1 has none
        let nine = QuorumOperators::new(
            0,
            (1..=9u8).map(|i| OperatorStake {
                operator_id: OperatorId([i; 32]),
                stake: 10,
            }),
        )
        .expect("quorum");
        let empty = QuorumOperators::new(1, []).expect("quorum");
        let state = BTreeMap::from([(0, nine), (1, empty)]);
        let blobs = vec![
            // version 1 allows 8 operators: cannot be assigned over 9
            encoded(1, 1, vec![0], BlobParams::V1_DEVNET),
            // version 0 allows 3537: fine
            encoded(2, 0, vec![0], BlobParams::V0),
            // quorum 1 is empty
            encoded(3, 0, vec![0, 1], BlobParams::V0),
        ];
        let keys: Vec<BlobKey> = blobs.iter().map(|b| b.key).collect();
        for key in &keys {
            let blob = NewBlob {
                key: *key,
                account: [0; 20],
                blob_len: 32,
                header: &[],
                payments: &[],
            };
            p.store.accept(blob).await.expect("accepted");
            let mut record = p.store.status(key).await.expect("reads").expect("present");
            record.state = BlobState::Encoded;
            p.store
                .set_status(key, BlobState::Queued, &record)
                .await
                .expect("encoded");
            p.entered();
        }
        let (_, records) = p.store.start_batch(&keys).await.expect("batch starts");

        let (kept, kept_records, assignments) = split_assignable(&p, blobs, records, &state).await;

        assert_eq!(
            kept.iter().map(|b| b.key).collect::<Vec<_>>(),
            vec![keys[1]]
        );
        assert_eq!(kept_records.len(), 1);
        assert_eq!(assignments[0].indices.len(), 9, "every operator assigned");
        let mut statuses = Vec::new();
        for k in &keys {
            statuses.push(p.store.status(k).await.expect("reads").expect("present"));
        }
        let status =
            |k: &BlobKey| statuses[keys.iter().position(|x| x == k).expect("known")].clone();
        let too_many = status(&keys[0]);
        assert_eq!(too_many.state, BlobState::Failed);
        assert!(too_many.reason.contains("9"), "{}", too_many.reason);
        assert!(
            too_many.reason.contains(&keys[0].to_string()),
            "{}",
            too_many.reason
        );
        let empty = status(&keys[2]);
        assert_eq!(empty.state, BlobState::Failed);
        assert!(empty.reason.contains("quorum"), "{}", empty.reason);
        assert_eq!(status(&keys[1]).state, BlobState::GatheringSignatures);
        assert_eq!(p.in_flight.load(std::sync::atomic::Ordering::Acquire), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn two_hundred_fifty_six_one_symbol_blobs_never_overflow_a_store_chunks_request() {
        // four operators with 25 % of the stake each, in quorums 0 and 1
        let quorum = |q| {
            QuorumOperators::new(
                q,
                (1..=4u8).map(|i| OperatorStake {
                    operator_id: OperatorId([i; 32]),
                    stake: 25,
                }),
            )
            .expect("quorum")
        };
        let state = BTreeMap::from([(0, quorum(0)), (1, quorum(1))]);
        let first = OperatorId([1; 32]);
        // One-symbol blobs of version 0 (8192 chunks): every frame is a proof and one
        // symbol, 64 bytes. The first operator is assigned chunks 0..1024 (the cap,
        // num_chunks / coding_rate), so only those frames are materialised.
        let blob = |i: u8| {
            let mut b = encoded(i, 0, vec![0, 1], BlobParams::V0);
            b.frames = vec![vec![0xab; 64]; 1024];
            b.operator_bytes =
                crate::pipeline::max_operator_bytes(&b.params, 64, b.cert_proto.encoded_len());
            b
        };
        let batch_of = |blobs: &[EncodedBlob]| pb::Batch {
            header: None,
            blob_certificates: blobs.iter().map(|b| b.cert_proto.clone()).collect(),
        };
        let assign = |blobs: &[EncodedBlob]| {
            blobs
                .iter()
                .map(|b| blob_assignment(b, &state).expect("assignable"))
                .collect::<Vec<_>>()
        };

        // All 256 in one batch (what cutting by blob bytes, 8 KiB in all, did): the
        // first operator's request passes the gRPC message limit even naming one quorum.
        let all: Vec<EncodedBlob> = (0..=255u8).map(blob).collect();
        let too_big = operator_request(&batch_of(&all), &all, &assign(&all), &first, 0)
            .expect_err("one batch of 256 overflows");
        assert!(too_big > lamina_proto::MAX_MESSAGE_SIZE, "{too_big} bytes");
        assert_eq!(assign(&all[..1])[0].indices[&first].len(), 1024);
        drop(all);

        // The batcher cuts them by per-operator bytes: every request fits.
        let (tx, rx) = mpsc::channel(8);
        let (out_tx, mut out) = mpsc::channel(8);
        let _batcher = tokio::spawn(crate::pipeline::batcher(
            DisperserConfig::default(),
            rx,
            out_tx,
        ));
        tokio::spawn(async move {
            for i in 0..=255u8 {
                if tx.send(blob(i)).await.is_err() {
                    return;
                }
            }
        });
        let (mut batches, mut blobs_seen) = (0, 0);
        while let Some(batch) = out.recv().await {
            batches += 1;
            blobs_seen += batch.len();
            let request = operator_request(&batch_of(&batch), &batch, &assign(&batch), &first, 0)
                .unwrap_or_else(|len| panic!("a batch of {} blobs needs {len} bytes", batch.len()));
            assert!(request.encoded_len() <= lamina_proto::MAX_MESSAGE_SIZE);
            if blobs_seen == 256 {
                break;
            }
        }
        assert_eq!(blobs_seen, 256);
        assert!(batches >= 2, "{batches} batches");
    }
}
