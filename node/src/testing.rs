//! Building real batches the way a disperser does, for tests and benchmarks: real
//! payload encoding, KZG commitments, FK20 frames, Merkle root and stake-based
//! assignment. Nothing here is a mock; it is the disperser's arithmetic in miniature.

use alloy_primitives::{Address, B256, U256};
use lamina_core::{
    BatchHeader, BlobCertificate, BlobHeader, MerkleTree, OperatorId, PaymentHeader, QuorumId,
    QuorumOperators, assign_operator,
};
use lamina_encoding::{Blob, BlobParams, Encoder, Frame, commit_blob};

use crate::validate::{ParsedBatch, QuorumFramesIn};

/// One encoded blob: its certificate and every frame, by chunk index.
#[derive(Clone, Debug)]
pub struct EncodedBlob {
    /// The certificate (its signature is whatever the caller passed).
    pub certificate: BlobCertificate,
    /// All `num_chunks` frames, index `i` at position `i`.
    pub frames: Vec<Frame>,
    /// The payment header whose hash the blob header carries.
    pub payment: PaymentHeader,
}

impl EncodedBlob {
    /// The certificate in wire form (with the full payment header).
    pub fn certificate_proto(&self) -> lamina_proto::common::v1::BlobCertificate {
        lamina_proto::common::v1::BlobCertificate {
            blob_header: Some(lamina_proto::convert::blob_header_to_proto(
                &self.certificate.blob_header,
                &self.payment,
            )),
            signature: self.certificate.signature.clone(),
            relay_keys: self.certificate.relay_keys.clone(),
        }
    }
}

/// A StoreChunks request for `batch` (built by [`parsed_batch`] from `blobs`), timestamped
/// `timestamp_ns` and unsigned: sign `lamina_proto::store_chunks_digest` of it and set
/// `disperser_signature`.
pub fn store_chunks_request(
    blobs: &[EncodedBlob],
    batch: &ParsedBatch,
    timestamp_ns: i64,
) -> lamina_proto::node::v1::StoreChunksRequest {
    use lamina_proto::node::v1 as pb;
    pb::StoreChunksRequest {
        batch: Some(lamina_proto::common::v1::Batch {
            header: Some((&batch.header).into()),
            blob_certificates: blobs.iter().map(EncodedBlob::certificate_proto).collect(),
        }),
        blobs: batch
            .blobs
            .iter()
            .map(|entries| pb::BlobFrames {
                quorums: entries
                    .iter()
                    .map(|e| pb::QuorumFrames {
                        quorum_id: u32::from(e.quorum),
                        chunk_indices: e.indices.clone(),
                        frames: e.frames.clone(),
                    })
                    .collect(),
            })
            .collect(),
        timestamp: timestamp_ns,
        disperser_signature: Vec::new(),
    }
}

/// Why a fixture could not be built.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// Encoding failed.
    #[error("encoding: {0}")]
    Encoding(String),
    /// Assignment failed.
    #[error("assignment: {0}")]
    Assignment(#[from] lamina_core::AssignmentError),
    /// The Merkle tree failed.
    #[error("merkle: {0}")]
    Merkle(#[from] lamina_core::MerkleError),
}

/// The header fields of a blob to encode.
#[derive(Clone, Debug)]
pub struct BlobSpec {
    /// Blob version.
    pub version: u16,
    /// Quorums.
    pub quorums: Vec<QuorumId>,
    /// The payment timestamp: makes the blob key unique.
    pub nonce: i64,
    /// The paying account.
    pub account_id: Address,
    /// The client's signature over the blob key (the node does not check it; sign after
    /// encoding, the key does not depend on it).
    pub signature: Vec<u8>,
}

/// Encodes `payload` as a blob with parameters `params` and the header fields of `spec`.
pub fn encode_blob(
    encoder: &Encoder,
    params: BlobParams,
    spec: &BlobSpec,
    payload: &[u8],
) -> Result<EncodedBlob, FixtureError> {
    let blob = Blob::from_payload(payload).map_err(|e| FixtureError::Encoding(e.to_string()))?;
    let commitment =
        commit_blob(encoder.srs(), &blob).map_err(|e| FixtureError::Encoding(e.to_string()))?;
    let frames = encoder
        .encode(&blob, params)
        .map_err(|e| FixtureError::Encoding(e.to_string()))?;
    let payment = PaymentHeader {
        account_id: spec.account_id,
        timestamp_ns: spec.nonce,
        cumulative_payment: U256::ZERO,
    };
    Ok(EncodedBlob {
        certificate: BlobCertificate {
            blob_header: BlobHeader {
                version: spec.version,
                quorum_numbers: spec.quorums.clone(),
                commitment,
                payment_header_hash: payment.hash(),
            },
            signature: spec.signature.clone(),
            relay_keys: Vec::new(),
        },
        frames,
        payment,
    })
}

/// The batch header of `blobs` at `reference_block`.
pub fn batch_header(
    blobs: &[EncodedBlob],
    reference_block: u32,
) -> Result<BatchHeader, FixtureError> {
    let hashes: Vec<B256> = blobs.iter().map(|b| b.certificate.hash()).collect();
    Ok(BatchHeader {
        batch_root: MerkleTree::from_certificate_hashes(&hashes)?.root(),
        reference_block_number: reference_block,
    })
}

/// `operator`'s frames of `blob`: one entry for the lowest quorum of the blob the
/// operator is in (the assignment, merged over the blob's quorums), or none.
/// `states` holds the operator state of the blob's quorums at the reference block.
pub fn operator_frames(
    blob: &EncodedBlob,
    params: &BlobParams,
    states: &[QuorumOperators],
    operator: &OperatorId,
) -> Result<Vec<QuorumFramesIn>, FixtureError> {
    let mut held: Vec<QuorumId> = states
        .iter()
        .filter(|s| s.stake(operator).is_some())
        .map(|s| s.quorum())
        .collect();
    held.sort_unstable();
    let Some(&quorum) = held.first() else {
        return Ok(Vec::new());
    };
    let indices = assign_operator(params, states, operator)?.indices;
    let frames = indices
        .iter()
        .map(|&i| blob.frames[i as usize].to_bytes())
        .collect();
    Ok(vec![QuorumFramesIn {
        quorum,
        indices,
        frames,
    }])
}

/// A whole batch for `operator`, as the node receives it after decoding.
pub fn parsed_batch(
    blobs: &[EncodedBlob],
    params: &BlobParams,
    states: &[QuorumOperators],
    operator: &OperatorId,
    reference_block: u32,
) -> Result<ParsedBatch, FixtureError> {
    let header = batch_header(blobs, reference_block)?;
    let mut frames = Vec::with_capacity(blobs.len());
    for blob in blobs {
        let quorums = &blob.certificate.blob_header.quorum_numbers;
        let relevant: Vec<QuorumOperators> = states
            .iter()
            .filter(|s| quorums.contains(&s.quorum()))
            .cloned()
            .collect();
        frames.push(operator_frames(blob, params, &relevant, operator)?);
    }
    Ok(ParsedBatch {
        header,
        certificates: blobs.iter().map(|b| b.certificate.clone()).collect(),
        blobs: frames,
    })
}
