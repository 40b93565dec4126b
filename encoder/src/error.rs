//! The encoder's errors: [`EncoderError`] when it cannot start, [`EncodeFailure`] when
//! one blob cannot be encoded, with the one mapping of the latter to gRPC statuses.

use std::net::SocketAddr;

use lamina_core::BlobKey;
use lamina_encoding::{CodecError, EncodeError, ParamsError, SrsError};
use lamina_storage::StorageError;

/// The encoder service cannot start, or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum EncoderError {
    /// A configuration field is unusable.
    #[error("invalid encoder config: {field}: {reason}")]
    Config {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The `[objects]` store is misconfigured or cannot be opened.
    #[error("invalid encoder config: objects.{0}")]
    Objects(StorageError),
    /// The SRS cannot be loaded.
    #[error("SRS: {0}")]
    Srs(#[from] SrsError),
    /// TLS material cannot be loaded.
    #[error(transparent)]
    Tls(#[from] lamina_core::tls::TlsError),
    /// A listen address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The gRPC server failed.
    #[error("gRPC server: {0}")]
    Serve(#[from] tonic::transport::Error),
    /// The HTTP server failed.
    #[error("HTTP server: {0}")]
    Http(std::io::Error),
    /// A worker task panicked or was cancelled.
    #[error("{what} task failed")]
    Worker {
        /// Which.
        what: &'static str,
    },
}

/// Why a blob's bytes cannot become frames: the same answer on every encoder with the
/// same SRS, so retrying elsewhere cannot help.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The bytes are not a blob (a symbol is not a field element).
    #[error("blob does not parse: {0}")]
    Blob(#[from] CodecError),
    /// The shape does not fit the blob, or the SRS is too small for it.
    #[error("encoding failed: {0}")]
    Encode(#[from] EncodeError),
}

/// Why one `EncodeBlob` failed.
#[derive(Debug, thiserror::Error)]
pub enum EncodeFailure {
    /// The blob key is not 32 bytes.
    #[error("blob_key: {len} bytes, expected 32")]
    BadKey {
        /// Its length.
        len: usize,
    },
    /// The request names no shape, or an invalid one.
    #[error("shape: {0}")]
    BadShape(String),
    /// The shape is invalid.
    #[error("shape: {0}")]
    Params(#[from] ParamsError),
    /// As many blobs are being encoded as the encoder is configured for.
    #[error("busy: {capacity} blobs being encoded; ask another encoder")]
    Busy {
        /// `max_concurrent_encodes`.
        capacity: usize,
    },
    /// No blob object under this key.
    #[error("blob {0} is not in the object store")]
    BlobMissing(BlobKey),
    /// The blob's bytes cannot become frames.
    #[error("blob {key}: {source}")]
    Frames {
        /// The blob.
        key: BlobKey,
        /// Why.
        source: FrameError,
    },
    /// The object store failed.
    #[error("object store: {0}")]
    Storage(#[from] StorageError),
    /// The encoding task panicked or was cancelled.
    #[error("encoding task failed: {0}")]
    Worker(String),
}

impl From<EncodeFailure> for tonic::Status {
    /// The one mapping to gRPC: the caller's mistake is INVALID_ARGUMENT, a blob that
    /// cannot be encoded FAILED_PRECONDITION (permanent for this blob), load
    /// RESOURCE_EXHAUSTED and store faults UNAVAILABLE (retry, maybe elsewhere).
    fn from(failure: EncodeFailure) -> Self {
        let message = failure.to_string();
        match failure {
            EncodeFailure::BadKey { .. }
            | EncodeFailure::BadShape(_)
            | EncodeFailure::Params(_) => Self::invalid_argument(message),
            EncodeFailure::Frames { .. } => Self::failed_precondition(message),
            EncodeFailure::Busy { .. } => Self::resource_exhausted(message),
            EncodeFailure::BlobMissing(_) => Self::not_found(message),
            EncodeFailure::Storage(_) => Self::unavailable(message),
            EncodeFailure::Worker(_) => Self::internal(message),
        }
    }
}
