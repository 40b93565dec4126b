//! The checks a StoreChunks batch must pass before the node stores and signs it, as
//! pure functions of the batch and a [`BatchContext`] read from the chain at the
//! reference block (so they run, and are benchmarked, without a chain).
//!
//! Frames rule: an operator's chunks of a blob are ONE index set for all of the blob's
//! quorums (`assign_operator` merges them). For each blob, the request carries one
//! `QuorumFrames` entry per quorum (of the blob, in which the operator has stake at the
//! reference block) that the disperser chooses to name, at least one; every entry's
//! `chunk_indices` must equal the assignment exactly, in order, and every entry's frames
//! must be byte-identical (they are verified once). The node then serves the frames for
//! every such quorum. A blob in none of the operator's quorums must carry no entries.
//!
//! Empty-assignment rule: the node never signs a blob it holds nothing of while it has
//! stake in one of the blob's quorums ([`ValidationError::NoChunksAssigned`]), and never
//! computes an assignment from an operator state that disagrees with the registries
//! ([`ValidationError::InconsistentOperatorState`], see [`QuorumRegistry`]): a wrong or
//! partial state read would otherwise make the node sign for data nobody gave it.

use std::collections::{BTreeSet, HashMap};

use alloy_primitives::B256;
use lamina_core::{
    AssignmentError, BatchHeader, BlobCertificate, BlobKey, BlobParams, MerkleTree, OperatorId,
    QuorumId, assign_operator,
};
use lamina_encoding::{BlobFrames, EncodingParams, Frame, Srs, VerifyError, verify_frames};
use rayon::prelude::*;

use crate::chain::QuorumStates;
use crate::error::ValidationError;

/// One quorum's frames of one blob, as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuorumFramesIn {
    /// The quorum the disperser names.
    pub quorum: QuorumId,
    /// Chunk indices, same order as `frames`.
    pub indices: Vec<u32>,
    /// Frames in EigenDA's byte format.
    pub frames: Vec<Vec<u8>>,
}

/// A StoreChunks request after decoding, before any check.
#[derive(Clone, Debug)]
pub struct ParsedBatch {
    /// The batch header.
    pub header: BatchHeader,
    /// Certificates, in leaf order.
    pub certificates: Vec<BlobCertificate>,
    /// Per certificate, the frames sent for each quorum.
    pub blobs: Vec<Vec<QuorumFramesIn>>,
}

/// What the registries themselves record for one quorum at the reference block, read
/// separately from the operator list (`OperatorStateRetriever.getOperatorState`) to
/// cross-check it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuorumRegistry {
    /// The quorum.
    pub quorum: QuorumId,
    /// `StakeRegistry` total stake of the quorum at the block.
    pub total_stake: u128,
    /// `StakeRegistry` stake of this node's operator in the quorum at the block (0 if none).
    pub operator_stake: u128,
    /// Whether the `RegistryCoordinator` bitmap has this node's operator in the quorum at
    /// the block.
    pub operator_registered: bool,
}

impl QuorumRegistry {
    /// The record consistent with `state` for `operator` (what an honest chain returns).
    pub fn consistent_with(state: &lamina_core::QuorumOperators, operator: &OperatorId) -> Self {
        let stake = state.stake(operator);
        Self {
            quorum: state.quorum(),
            total_stake: state.total_stake(),
            operator_stake: stake.unwrap_or(0),
            operator_registered: stake.is_some(),
        }
    }
}

/// What validation needs from the chain at the batch's reference block.
#[derive(Clone, Debug)]
pub struct BatchContext {
    /// This node's operator id.
    pub operator: OperatorId,
    /// Quorums created on-chain (quorum numbers are `0..quorum_count`).
    pub quorum_count: u8,
    /// Parameters of every registered blob version the batch uses.
    pub params: HashMap<u16, BlobParams>,
    /// Operator state per blob quorum set (ascending) at the reference block.
    pub states: HashMap<Vec<QuorumId>, QuorumStates>,
    /// The registries' own record per quorum at the reference block; every quorum of
    /// `states` must have one that agrees with it.
    pub registry: HashMap<QuorumId, QuorumRegistry>,
    /// Largest blob length accepted (the SRS holds this many points).
    pub max_blob_symbols: u32,
}

/// What to store for one blob after validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobPlan {
    /// Blob key.
    pub key: BlobKey,
    /// Quorums the frames are served for (empty: none held).
    pub quorums: Vec<QuorumId>,
    /// Which received entry holds the (verified) frames.
    pub entry: Option<usize>,
}

/// A batch that passed every check.
#[derive(Clone, Debug)]
pub struct ValidatedBatch {
    /// `BatchHeader::hash()`: what the node signs.
    pub header_hash: B256,
    /// One plan per certificate, same order.
    pub plans: Vec<BlobPlan>,
    /// Frame bytes that will be stored.
    pub frame_bytes: u64,
}

/// Checks that need no chain: frame entries per certificate, and the batch root is the
/// Merkle root of the certificate hashes.
pub fn check_structure(batch: &ParsedBatch) -> Result<(), ValidationError> {
    if batch.certificates.is_empty() {
        return Err(ValidationError::EmptyBatch);
    }
    if batch.certificates.len() != batch.blobs.len() {
        return Err(ValidationError::BlobCountMismatch {
            certificates: batch.certificates.len(),
            blobs: batch.blobs.len(),
        });
    }
    let hashes: Vec<B256> = batch
        .certificates
        .iter()
        .map(BlobCertificate::hash)
        .collect();
    let tree = MerkleTree::from_certificate_hashes(&hashes)
        .map_err(|e| ValidationError::Malformed(format!("certificate tree: {e}")))?;
    if tree.root() != batch.header.batch_root {
        return Err(ValidationError::BatchRootMismatch {
            got: batch.header.batch_root.to_string(),
            expected: tree.root().to_string(),
        });
    }
    Ok(())
}

/// The blob versions and quorum sets (each ascending) the batch needs from the chain.
pub fn required_lookups(batch: &ParsedBatch) -> (BTreeSet<u16>, BTreeSet<Vec<QuorumId>>) {
    let mut versions = BTreeSet::new();
    let mut sets = BTreeSet::new();
    for cert in &batch.certificates {
        versions.insert(cert.blob_header.version);
        sets.insert(sorted_quorums(&cert.blob_header.quorum_numbers));
    }
    (versions, sets)
}

fn sorted_quorums(quorums: &[QuorumId]) -> Vec<QuorumId> {
    let mut q = quorums.to_vec();
    q.sort_unstable();
    q
}

/// Per-blob result of the header and assignment checks.
struct BlobCheck {
    params: EncodingParams,
    plan: BlobPlan,
}

fn check_blob(
    ctx: &BatchContext,
    index: usize,
    cert: &BlobCertificate,
    entries: &[QuorumFramesIn],
) -> Result<BlobCheck, ValidationError> {
    let header = &cert.blob_header;
    let key = header.blob_key();
    let blob_params = ctx
        .params
        .get(&header.version)
        .ok_or(ValidationError::UnknownVersion {
            index,
            key,
            version: header.version,
        })?;
    let quorums = sorted_quorums(&header.quorum_numbers);
    let bad_quorums = |reason: String| ValidationError::BadQuorums {
        index,
        key,
        quorums: header.quorum_numbers.clone(),
        reason,
    };
    if quorums.is_empty() {
        return Err(bad_quorums("no quorum".into()));
    }
    if quorums.windows(2).any(|w| w[0] == w[1]) {
        return Err(bad_quorums("a quorum appears twice".into()));
    }
    if let Some(q) = quorums.iter().find(|&&q| q >= ctx.quorum_count) {
        return Err(bad_quorums(format!(
            "quorum {q} does not exist (the chain has {} quorums)",
            ctx.quorum_count
        )));
    }
    let length = header.commitment.length;
    if length > ctx.max_blob_symbols {
        return Err(ValidationError::BadBlob {
            index,
            key,
            reason: format!(
                "blob length {length} symbols exceeds this node's maximum {}",
                ctx.max_blob_symbols
            ),
        });
    }
    let params = blob_params
        .encoding_params(u64::from(length))
        .map_err(|e| ValidationError::BadBlob {
            index,
            key,
            reason: format!("blob length {length}: {e}"),
        })?;
    let states = ctx
        .states
        .get(&quorums)
        .ok_or_else(|| ValidationError::Assignment {
            index,
            key,
            reason: format!("no operator state read for quorums {quorums:?}"),
        })?;
    for state in states.iter() {
        check_consistent(ctx, state)?;
    }
    let held: Vec<QuorumId> = states
        .iter()
        .filter(|s| s.stake(&ctx.operator).is_some())
        .map(|s| s.quorum())
        .collect();
    let staked: Vec<QuorumId> = states
        .iter()
        .filter(|s| s.stake(&ctx.operator).is_some_and(|stake| stake > 0))
        .map(|s| s.quorum())
        .collect();
    let assigned = match assign_operator(blob_params, states, &ctx.operator) {
        Ok(a) => a.indices,
        Err(AssignmentError::OperatorNotAssigned { .. }) => Vec::new(),
        Err(e) => {
            return Err(ValidationError::Assignment {
                index,
                key,
                reason: e.to_string(),
            });
        }
    };
    if assigned.is_empty() {
        // Stake but no chunks: the assignment came out empty (parameters that leave no
        // chunk for stake, a state the disperser did not use). Signing would count this
        // stake for data the node does not hold.
        if !staked.is_empty() {
            return Err(ValidationError::NoChunksAssigned {
                index,
                key,
                quorums: staked,
            });
        }
        if let Some(entry) = entries.first() {
            return Err(ValidationError::WrongQuorumFrames {
                index,
                key,
                quorum: entry.quorum,
                reason: "this operator is assigned no chunks of this blob, but frames were sent"
                    .into(),
            });
        }
        return Ok(BlobCheck {
            params,
            plan: BlobPlan {
                key,
                quorums: Vec::new(),
                entry: None,
            },
        });
    }
    let Some(first) = entries.first() else {
        return Err(ValidationError::WrongQuorumFrames {
            index,
            key,
            quorum: held.first().copied().unwrap_or_default(),
            reason: format!(
                "no frames sent; this operator is assigned {} chunks of this blob",
                assigned.len()
            ),
        });
    };
    let mut seen = BTreeSet::new();
    for entry in entries {
        let wrong = |reason: String| ValidationError::WrongQuorumFrames {
            index,
            key,
            quorum: entry.quorum,
            reason,
        };
        if !held.contains(&entry.quorum) {
            return Err(wrong(format!(
                "not a quorum of this blob in which this operator has stake (those are {held:?})"
            )));
        }
        if !seen.insert(entry.quorum) {
            return Err(wrong("quorum sent twice".into()));
        }
        if entry.indices != assigned {
            return Err(ValidationError::WrongIndices {
                index,
                key,
                quorum: entry.quorum,
                got: entry.indices.clone(),
                expected: assigned.clone(),
            });
        }
        if entry.frames.len() != entry.indices.len() {
            return Err(wrong(format!(
                "{} frames for {} chunk indices",
                entry.frames.len(),
                entry.indices.len()
            )));
        }
        if entry.frames != first.frames {
            return Err(wrong(format!(
                "frames differ from those sent for quorum {}",
                first.quorum
            )));
        }
    }
    Ok(BlobCheck {
        params,
        plan: BlobPlan {
            key,
            quorums: held,
            entry: Some(0),
        },
    })
}

/// The operator list of `state` agrees with the registries' own record: the total is
/// the sum of the listed stakes, and this operator is listed exactly when it is
/// registered, with its recorded stake.
fn check_consistent(
    ctx: &BatchContext,
    state: &lamina_core::QuorumOperators,
) -> Result<(), ValidationError> {
    let quorum = state.quorum();
    let inconsistent = |reason: String| ValidationError::InconsistentOperatorState {
        quorum,
        operator: ctx.operator,
        reason,
    };
    let Some(record) = ctx.registry.get(&quorum) else {
        return Err(inconsistent("no registry record was read for it".into()));
    };
    if record.total_stake != state.total_stake() {
        return Err(inconsistent(format!(
            "the operator list sums to {} but the StakeRegistry total is {} (an operator is missing or listed with a wrong stake)",
            state.total_stake(),
            record.total_stake
        )));
    }
    let listed = state.stake(&ctx.operator);
    match (record.operator_registered, listed) {
        (true, None) => {
            return Err(inconsistent(
                "this operator is registered in the quorum but absent from its operator list"
                    .into(),
            ));
        }
        (false, Some(stake)) => {
            return Err(inconsistent(format!(
                "this operator is listed with stake {stake} but not registered in the quorum"
            )));
        }
        (true, Some(_)) | (false, None) => {}
    }
    let listed_stake = listed.unwrap_or(0);
    if listed_stake != record.operator_stake {
        return Err(inconsistent(format!(
            "this operator is listed with stake {listed_stake} but the StakeRegistry records {}",
            record.operator_stake
        )));
    }
    Ok(())
}

/// Every check after [`check_structure`]: headers, assignment, frame shape, length
/// proofs, and all frames of the batch in one batched pairing check.
pub fn validate_batch(
    ctx: &BatchContext,
    srs: &Srs,
    batch: &ParsedBatch,
) -> Result<ValidatedBatch, ValidationError> {
    let checks = batch
        .certificates
        .iter()
        .zip(&batch.blobs)
        .enumerate()
        .map(|(i, (cert, entries))| check_blob(ctx, i, cert, entries))
        .collect::<Result<Vec<_>, _>>()?;

    // Length proofs: one pairing check per blob, in parallel.
    batch
        .certificates
        .par_iter()
        .enumerate()
        .try_for_each(|(index, cert)| {
            lamina_encoding::verify_length_proof(srs, &cert.blob_header.commitment).map_err(|e| {
                ValidationError::LengthProof {
                    index,
                    key: checks[index].plan.key,
                    reason: e.to_string(),
                }
            })
        })?;

    // Parse every held frame, in parallel; keep (blob, frames) for verification.
    let jobs: Vec<(usize, usize, u32, &[u8])> = checks
        .iter()
        .enumerate()
        .filter_map(|(b, c)| c.plan.entry.map(|e| (b, &batch.blobs[b][e])))
        .flat_map(|(b, entry)| {
            entry
                .indices
                .iter()
                .zip(&entry.frames)
                .enumerate()
                .map(move |(pos, (&chunk, bytes))| (b, pos, chunk, bytes.as_slice()))
        })
        .collect();
    let parsed: Vec<(usize, u32, Frame)> = jobs
        .par_iter()
        .map(|&(b, position, chunk, bytes)| {
            let chunk_length = checks[b].params.chunk_length as usize;
            Frame::from_bytes_with_len(bytes, chunk_length)
                .map(|f| (b, chunk, f))
                .map_err(|e| ValidationError::BadFrame {
                    index: b,
                    key: checks[b].plan.key,
                    quorum: batch.blobs[b][0].quorum,
                    position,
                    chunk,
                    reason: e.to_string(),
                })
        })
        .collect::<Result<_, _>>()?;
    let frame_bytes: u64 = jobs.iter().map(|j| j.3.len() as u64).sum();

    let mut per_blob: Vec<(usize, Vec<(u32, Frame)>)> = Vec::new();
    for (b, chunk, frame) in parsed {
        match per_blob.last_mut() {
            Some((last, frames)) if *last == b => frames.push((chunk, frame)),
            _ => per_blob.push((b, vec![(chunk, frame)])),
        }
    }
    if !per_blob.is_empty() {
        let inputs: Vec<BlobFrames<'_>> = per_blob
            .iter()
            .map(|(b, frames)| BlobFrames {
                commitment: batch.certificates[*b].blob_header.commitment.commitment,
                params: checks[*b].params,
                frames,
            })
            .collect();
        verify_frames(srs, &inputs).map_err(|e| match e {
            VerifyError::InvalidFrames { bad } => ValidationError::InvalidFrames {
                frames: bad
                    .iter()
                    .map(|id| {
                        let b = per_blob[id.blob].0;
                        (b, checks[b].plan.key, id.index)
                    })
                    .collect(),
            },
            other => ValidationError::Verification(other.to_string()),
        })?;
    }
    Ok(ValidatedBatch {
        header_hash: batch.header.hash(),
        plans: checks.into_iter().map(|c| c.plan).collect(),
        frame_bytes,
    })
}

#[cfg(test)]
mod tests;
