//! The retriever's errors and their one mapping to gRPC statuses.

use std::net::SocketAddr;
use std::path::PathBuf;

use lamina_core::chain::ChainError;
use lamina_core::{AssignmentError, BlobKey, QuorumId};
use lamina_encoding::{CodecError, DecodeError, KzgError, ParamsError, SrsError};

use crate::report::RetrievalReport;

/// Why a blob could not be retrieved, or the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum RetrieverError {
    /// A request field is missing or malformed.
    #[error("invalid request: {field}: {reason}")]
    InvalidRequest {
        /// The field, e.g. `blob_header.commitment`.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A request message field is missing or invalid.
    #[error("invalid request: {0}")]
    Proto(#[from] lamina_proto::ProtoError),
    /// The request's certificate is not a valid `DACertV3` encoding.
    #[error("invalid request: cert_abi: {0}")]
    Certificate(#[from] lamina_core::AbiError),
    /// The quorum asked for is not one of the blob's quorums.
    #[error("blob {blob_key}: quorum {quorum} is not one of the blob's quorums {blob_quorums:?}")]
    QuorumNotInBlob {
        /// The blob.
        blob_key: BlobKey,
        /// The quorum asked for.
        quorum: QuorumId,
        /// The blob's quorums.
        blob_quorums: Vec<QuorumId>,
    },
    /// The reference block does not fit the contracts' `uint32`.
    #[error("reference block {block} does not fit in 32 bits")]
    ReferenceBlockTooLarge {
        /// The block number asked for.
        block: u64,
    },
    /// Reading operator state or blob parameters from the chain failed.
    #[error("blob {blob_key}: chain read failed: {source}")]
    Chain {
        /// The blob.
        blob_key: BlobKey,
        /// The chain error (boxed: alloy's errors are large).
        #[source]
        source: Box<ChainError>,
    },
    /// The operator state at the reference block gives no valid assignment.
    #[error("blob {blob_key}: no chunk assignment at block {reference_block}: {source}")]
    Assignment {
        /// The blob.
        blob_key: BlobKey,
        /// The reference block.
        reference_block: u32,
        /// Why.
        #[source]
        source: AssignmentError,
    },
    /// The blob's version or length gives no valid chunk shape.
    #[error("blob {blob_key}: invalid blob shape: {source}")]
    Params {
        /// The blob.
        blob_key: BlobKey,
        /// Why.
        #[source]
        source: ParamsError,
    },
    /// The header's commitments do not prove the blob's length (no certified blob
    /// has such a header: nodes check the proof before signing).
    #[error("blob {blob_key}: the header's commitments are invalid: {source}")]
    BadCommitment {
        /// The blob.
        blob_key: BlobKey,
        /// Which check failed.
        #[source]
        source: KzgError,
    },
    /// The SRS cannot verify or rebuild a blob this long.
    #[error("blob {blob_key} has {blob_symbols} symbols, the SRS has {srs_points} G1 points")]
    SrsTooSmall {
        /// The blob.
        blob_key: BlobKey,
        /// Blob length in symbols.
        blob_symbols: u64,
        /// Points loaded.
        srs_points: usize,
    },
    /// The honest operators that answered do not hold enough distinct chunks.
    #[error("blob {blob_key}: cannot rebuild from quorum {quorum}: got {} of {} chunks needed ({report})", report.chunks_got, report.chunks_needed)]
    NotEnoughChunks {
        /// The blob.
        blob_key: BlobKey,
        /// The quorum whose operators were asked.
        quorum: QuorumId,
        /// Every operator's outcome.
        report: Box<RetrievalReport>,
    },
    /// Verified frames did not rebuild the committed blob (only possible with a
    /// wrong SRS).
    #[error("blob {blob_key}: rebuilding from {chunks} verified chunks failed: {source}")]
    Decode {
        /// The blob.
        blob_key: BlobKey,
        /// Chunks used.
        chunks: usize,
        /// Why.
        #[source]
        source: DecodeError,
    },
    /// A rebuilt blob does not have a blob's shape (a bug: the decoder returns the
    /// committed length, a power of two).
    #[error("blob {blob_key}: the rebuilt coefficients are not a blob: {source}")]
    BlobShape {
        /// The blob.
        blob_key: BlobKey,
        /// Why.
        #[source]
        source: CodecError,
    },
    /// The blob is certified and intact, but its bytes are not a valid payload
    /// encoding (it was dispersed that way: the network certifies blobs as opaque
    /// field elements). The same from every source; the raw blob is still available
    /// (form `BLOB`, [`crate::Retriever::retrieve_blob`]).
    #[error(
        "blob {blob_key}: the certified blob is not a valid payload encoding: {source} (ask for the raw blob instead)"
    )]
    Payload {
        /// The blob.
        blob_key: BlobKey,
        /// Why.
        #[source]
        source: CodecError,
    },
    /// A CPU worker (frame verification or decoding) died before answering.
    #[error("{what} worker stopped without an answer")]
    Worker {
        /// Which job.
        what: &'static str,
    },
    /// The configuration is invalid.
    #[error("invalid retriever config: {field}: {reason}")]
    Config {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The SRS could not be loaded.
    #[error("loading the SRS failed: {0}")]
    Srs(#[from] SrsError),
    /// The SRS configuration is refused for this chain (the development SRS off a
    /// development chain).
    #[error(transparent)]
    SrsSetup(#[from] lamina_core::SrsSetupError),
    /// The TLS configuration cannot be used (files missing, not PEM, half set).
    #[error(transparent)]
    Tls(#[from] lamina_core::tls::TlsError),
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A listener could not be bound.
    #[error("cannot listen on {addr}: {source} (choose another address)")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Neither the operators nor the configured disperser could provide the blob.
    #[error(
        "{operators}; the disperser at {endpoint} could not provide blob {blob_key} either: {reason}"
    )]
    DisperserFallback {
        /// The blob.
        blob_key: BlobKey,
        /// Why the operators could not ([`RetrieverError::NotEnoughChunks`]).
        operators: Box<RetrieverError>,
        /// The disperser asked.
        endpoint: String,
        /// What failed there: the call, or the check against the commitment.
        reason: String,
    },
    /// The gRPC server failed.
    #[error("gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
}

impl From<RetrieverError> for tonic::Status {
    fn from(e: RetrieverError) -> Self {
        let message = e.to_string();
        match e {
            RetrieverError::InvalidRequest { .. }
            | RetrieverError::Proto(_)
            | RetrieverError::Certificate(_)
            | RetrieverError::QuorumNotInBlob { .. }
            | RetrieverError::ReferenceBlockTooLarge { .. }
            | RetrieverError::Params { .. }
            | RetrieverError::BadCommitment { .. } => tonic::Status::invalid_argument(message),
            RetrieverError::Assignment { .. } | RetrieverError::SrsTooSmall { .. } => {
                tonic::Status::failed_precondition(message)
            }
            // Not DATA_LOSS: nothing was lost, the certified bytes are simply not a
            // payload. Typed by the reason so callers can ask for the raw blob.
            RetrieverError::Payload { .. } => {
                let mut status = tonic::Status::failed_precondition(message);
                status.metadata_mut().insert(
                    lamina_proto::ERROR_REASON_METADATA,
                    tonic::metadata::MetadataValue::from_static(
                        lamina_proto::REASON_PAYLOAD_UNDECODABLE,
                    ),
                );
                status
            }
            RetrieverError::Chain { .. }
            | RetrieverError::NotEnoughChunks { .. }
            | RetrieverError::DisperserFallback { .. } => tonic::Status::unavailable(message),
            RetrieverError::Decode { .. } => tonic::Status::data_loss(message),
            RetrieverError::BlobShape { .. }
            | RetrieverError::Worker { .. }
            | RetrieverError::Config { .. }
            | RetrieverError::Srs(_)
            | RetrieverError::SrsSetup(_)
            | RetrieverError::Tls(_)
            | RetrieverError::Io { .. }
            | RetrieverError::Bind { .. }
            | RetrieverError::Transport(_) => tonic::Status::internal(message),
        }
    }
}
