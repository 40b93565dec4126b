//! Decoding a StoreChunks request into core types, at the edge.

use lamina_core::PaymentHeader;
use lamina_proto::node::v1::StoreChunksRequest;
use prost::Message;

use crate::error::ValidationError;
use crate::validate::{ParsedBatch, QuorumFramesIn};

/// A decoded request, plus each certificate's protobuf bytes (stored as received and
/// served back by GetBlobCertificate: the wire form carries the payment header, which
/// the core certificate keeps only as a hash).
#[derive(Debug)]
pub(crate) struct ParsedRequest {
    pub(crate) batch: ParsedBatch,
    pub(crate) certificate_bytes: Vec<Vec<u8>>,
    /// Each certificate's full payment header (the core header has only its hash, which
    /// decoding computed from this very header, so the two agree by construction).
    pub(crate) payments: Vec<PaymentHeader>,
}

/// Decodes the batch and frames, naming the first bad field. Frames are moved, not
/// copied: a request can hold 16 MiB of them.
pub(crate) fn parse_request(request: StoreChunksRequest) -> Result<ParsedRequest, ValidationError> {
    let batch = request
        .batch
        .ok_or_else(|| ValidationError::Malformed("batch missing".into()))?;
    let (header, certificates) = lamina_proto::convert::batch(&batch)
        .map_err(|e| ValidationError::Malformed(e.to_string()))?;
    let payments = batch
        .blob_certificates
        .iter()
        .enumerate()
        .map(|(b, c)| {
            let header = c
                .blob_header
                .as_ref()
                .and_then(|h| h.payment_header.as_ref())
                .ok_or_else(|| {
                    ValidationError::Malformed(format!(
                        "blob_certificates[{b}]: payment_header missing"
                    ))
                })?;
            PaymentHeader::try_from(header)
                .map_err(|e| ValidationError::Malformed(format!("blob_certificates[{b}]: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let certificate_bytes = batch
        .blob_certificates
        .iter()
        .map(Message::encode_to_vec)
        .collect();
    let blobs = request
        .blobs
        .into_iter()
        .enumerate()
        .map(|(b, blob)| {
            blob.quorums
                .into_iter()
                .map(|q| {
                    let quorum = u8::try_from(q.quorum_id).map_err(|_| {
                        ValidationError::Malformed(format!(
                            "blobs[{b}]: quorum_id {} does not fit a byte",
                            q.quorum_id
                        ))
                    })?;
                    Ok(QuorumFramesIn {
                        quorum,
                        indices: q.chunk_indices,
                        frames: q.frames,
                    })
                })
                .collect::<Result<Vec<_>, ValidationError>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ParsedRequest {
        batch: ParsedBatch {
            header,
            certificates,
            blobs,
        },
        certificate_bytes,
        payments,
    })
}
