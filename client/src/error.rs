//! The client's errors, each telling a rollup what to do next: retry the same call,
//! fail over (another disperser or retriever, or another DA path), or drop the
//! blob or certificate as invalid.

use std::time::Duration;

use lamina_core::chain::ChainError;
use lamina_core::{AbiError, BlobKey};
use lamina_encoding::{CodecError, KzgError, SrsError};
use lamina_retriever::RetrieverError;

use crate::status::BlobStatus;
use crate::verify::{CertError, VerifyError};

/// What a rollup should do about an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorAction {
    /// Transient: the same call may succeed later (after the retry delay, if any).
    Retry,
    /// This path will not succeed: use another disperser, retriever or DA layer.
    FailOver,
    /// The input is invalid: retrying cannot help, drop the blob or certificate.
    Drop,
}

/// A client call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The client configuration is unusable.
    #[error("invalid client config: {field}: {reason}")]
    Config {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The payload cannot be encoded as a blob (empty or too large).
    #[error("payload of {len} bytes cannot be dispersed: {source}")]
    Payload {
        /// Payload length.
        len: usize,
        /// Why.
        #[source]
        source: CodecError,
    },
    /// Computing commitments locally failed.
    #[error("computing the blob commitments failed: {0}")]
    Commitment(#[from] KzgError),
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
    /// A gRPC endpoint is not a valid URI.
    #[error("bad endpoint {endpoint:?}: {reason}")]
    Endpoint {
        /// The endpoint as configured.
        endpoint: String,
        /// Why.
        reason: String,
    },
    /// A gRPC call failed with a status.
    #[error("{call} failed with {code:?}: {message}")]
    Rpc {
        /// Which call, e.g. `DisperseBlob`.
        call: &'static str,
        /// The status code.
        code: tonic::Code,
        /// The server's message.
        message: String,
        /// How long the server asked to wait (rate limits), if it said.
        retry_after: Option<Duration>,
        /// The server's `lamina-error-reason`, when it gave one (e.g.
        /// `PAYMENT_STALE_CUMULATIVE`).
        reason: Option<String>,
    },
    /// A server's reply is malformed.
    #[error("{call} returned a malformed reply: {reason}")]
    BadReply {
        /// Which call.
        call: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The disperser computed another blob key than the client.
    #[error("disperser returned blob key {theirs}, the client computed {ours}")]
    BlobKeyMismatch {
        /// The client's key.
        ours: BlobKey,
        /// The disperser's.
        theirs: BlobKey,
    },
    /// The disperser gave up on the blob.
    #[error("blob {blob_key} ended {status}: {reason}")]
    DispersalFailed {
        /// The blob.
        blob_key: BlobKey,
        /// `FAILED` or `INSUFFICIENT_SIGNATURES`.
        status: BlobStatus,
        /// The disperser's reason.
        reason: String,
    },
    /// No certificate within the configured time.
    #[error("no certificate for blob {blob_key} after {waited:?}; last status {last_status}")]
    CertificateTimeout {
        /// The blob.
        blob_key: BlobKey,
        /// How long the client waited.
        waited: Duration,
        /// The last status seen.
        last_status: BlobStatus,
    },
    /// The certificate's ABI encoding is malformed.
    #[error("certificate is not a valid DACertV3 encoding: {0}")]
    CertificateEncoding(#[from] AbiError),
    /// The certificate fails a `checkDACert` check (verified locally).
    #[error("certificate for blob {blob_key} is invalid: {source}")]
    InvalidCertificate {
        /// The blob.
        blob_key: BlobKey,
        /// Which check failed.
        #[source]
        source: CertError,
    },
    /// `CertVerifier.checkDACert` did not return success.
    #[error("certificate for blob {blob_key} rejected on-chain: checkDACert returned {status}{}", reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default())]
    RejectedOnChain {
        /// The blob.
        blob_key: BlobKey,
        /// The status code `checkDACert` returned (1 is success).
        status: u8,
        /// The contract's named error, when it could be read.
        reason: Option<String>,
    },
    /// A chain read failed (boxed: alloy's errors are large).
    #[error("chain read failed: {0}")]
    Chain(Box<ChainError>),
    /// Retrieval from the operators failed.
    #[error(transparent)]
    Retrieval(#[from] RetrieverError),
    /// The disperser's copy of the blob (`GetBlob`) could not be had, or is not the
    /// committed blob.
    #[error("blob {blob_key} from the disperser: {source}")]
    DisperserBlob {
        /// The blob.
        blob_key: BlobKey,
        /// What failed: the call, or the check against the commitment.
        #[source]
        source: lamina_retriever::DisperserBlobError,
    },
    /// A payload from the retriever service does not match the blob's commitment.
    #[error("retriever returned a payload that does not match blob {blob_key}'s commitment")]
    PayloadMismatch {
        /// The blob.
        blob_key: BlobKey,
    },
    /// Signing failed (a blob key, a payment-state request).
    #[error("signing {what} failed: {reason}")]
    Signing {
        /// What was signed.
        what: String,
        /// Why.
        reason: String,
    },
    /// The account cannot pay for the blob as the disperser last reported its state: no
    /// reservation and no deposit, a deposit used up, quorums neither payment covers, or
    /// (retryable) a full reservation bucket.
    #[error("account {account} cannot pay for the blob: {source}")]
    Payment {
        /// The paying account.
        account: alloy_primitives::Address,
        /// Why.
        #[source]
        source: Box<lamina_payments::PaymentError>,
    },
    /// A CPU job died before answering.
    #[error("{what} worker stopped without an answer")]
    Worker {
        /// Which job.
        what: &'static str,
    },
}

impl From<ChainError> for ClientError {
    fn from(e: ChainError) -> Self {
        Self::Chain(Box::new(e))
    }
}

impl ClientError {
    /// Wraps a local verification failure of the certificate for `blob_key`.
    pub fn from_verify(blob_key: BlobKey, e: VerifyError) -> Self {
        match e {
            VerifyError::Invalid(source) => Self::InvalidCertificate { blob_key, source },
            VerifyError::Chain(e) => Self::Chain(Box::new(e)),
        }
    }

    /// Maps a gRPC status of `call`, reading a retry delay from its metadata
    /// (`retry-after-ms` or `retry-after` seconds) when present.
    pub fn from_status(call: &'static str, status: tonic::Status) -> Self {
        let meta = status.metadata();
        let number = |key: &str| {
            meta.get(key)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let retry_after = number(lamina_proto::RETRY_AFTER_MS_METADATA)
            .map(Duration::from_millis)
            .or_else(|| number("retry-after").map(Duration::from_secs));
        let reason = meta
            .get(lamina_proto::ERROR_REASON_METADATA)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Self::Rpc {
            call,
            code: status.code(),
            message: status.message().to_owned(),
            retry_after,
            reason,
        }
    }

    /// What a rollup should do about this error.
    pub fn action(&self) -> ErrorAction {
        match self {
            // A payment refusal (other than a full bucket) does not make the blob invalid:
            // this account cannot use this disperser until it pays.
            Self::Rpc {
                code,
                reason: Some(reason),
                ..
            } if reason.starts_with("PAYMENT_") && *code != tonic::Code::ResourceExhausted => {
                ErrorAction::FailOver
            }
            Self::Rpc { code, .. } => code_action(*code),
            Self::Payment { source, .. } if source.is_retryable() => ErrorAction::Retry,
            Self::Payment { .. } => ErrorAction::FailOver,
            Self::Chain(_) | Self::Worker { .. } => ErrorAction::Retry,
            Self::Retrieval(e) => retrieval_action(e),
            Self::BlobKeyMismatch { .. }
            | Self::DispersalFailed { .. }
            | Self::CertificateTimeout { .. }
            | Self::BadReply { .. }
            | Self::DisperserBlob { .. }
            | Self::PayloadMismatch { .. } => ErrorAction::FailOver,
            Self::Config { .. }
            | Self::Payload { .. }
            | Self::Commitment(_)
            | Self::Srs(_)
            | Self::SrsSetup(_)
            | Self::Tls(_)
            | Self::Endpoint { .. }
            | Self::CertificateEncoding(_)
            | Self::InvalidCertificate { .. }
            | Self::RejectedOnChain { .. }
            | Self::Signing { .. } => ErrorAction::Drop,
        }
    }

    /// Whether retrying the same call may succeed.
    pub fn is_retryable(&self) -> bool {
        self.action() == ErrorAction::Retry
    }

    /// Whether the server refused the call for load and said when to come back
    /// (`RESOURCE_EXHAUSTED` with a retry-after): nothing was done, the same call may
    /// succeed later.
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            Self::Rpc {
                code: tonic::Code::ResourceExhausted,
                retry_after: Some(_),
                ..
            }
        )
    }

    /// How long to wait before retrying, when the server (or, for a full reservation
    /// bucket, the client's accountant) said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Rpc { retry_after, .. } => *retry_after,
            Self::Payment { source, .. } => source.retry_after(),
            _ => None,
        }
    }

    /// The server's `lamina-error-reason` for a refused call, when it gave one.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Rpc { reason, .. } => reason.as_deref(),
            _ => None,
        }
    }
}

fn code_action(code: tonic::Code) -> ErrorAction {
    use tonic::Code;
    match code {
        Code::Unavailable
        | Code::ResourceExhausted
        | Code::DeadlineExceeded
        | Code::Aborted
        | Code::Cancelled
        | Code::Unknown
        | Code::Internal
        | Code::Ok => ErrorAction::Retry,
        Code::DataLoss => ErrorAction::FailOver,
        Code::InvalidArgument
        | Code::NotFound
        | Code::AlreadyExists
        | Code::PermissionDenied
        | Code::Unauthenticated
        | Code::FailedPrecondition
        | Code::OutOfRange
        | Code::Unimplemented => ErrorAction::Drop,
    }
}

fn retrieval_action(e: &RetrieverError) -> ErrorAction {
    match e {
        // Operators may come back; the chain may answer next time.
        RetrieverError::NotEnoughChunks { .. }
        | RetrieverError::DisperserFallback { .. }
        | RetrieverError::Chain { .. }
        | RetrieverError::Worker { .. }
        | RetrieverError::Transport(_) => ErrorAction::Retry,
        // Verified chunks that do not rebuild the blob: this retriever's SRS is wrong.
        RetrieverError::Decode { .. }
        | RetrieverError::SrsTooSmall { .. }
        | RetrieverError::BlobShape { .. } => ErrorAction::FailOver,
        // The certified blob is intact but not a payload: every path and every
        // retry gives the same answer (the raw blob is still retrievable).
        RetrieverError::Payload { .. } => ErrorAction::Drop,
        RetrieverError::InvalidRequest { .. }
        | RetrieverError::Proto(_)
        | RetrieverError::Certificate(_)
        | RetrieverError::QuorumNotInBlob { .. }
        | RetrieverError::ReferenceBlockTooLarge { .. }
        | RetrieverError::Assignment { .. }
        | RetrieverError::Params { .. }
        | RetrieverError::BadCommitment { .. }
        | RetrieverError::Config { .. }
        | RetrieverError::Srs(_)
        | RetrieverError::SrsSetup(_)
        | RetrieverError::Tls(_)
        | RetrieverError::Io { .. }
        | RetrieverError::Bind { .. } => ErrorAction::Drop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_actions_and_carry_retry_delays() {
        let mut status = tonic::Status::resource_exhausted("account over 1 MiB/s");
        status
            .metadata_mut()
            .insert("retry-after-ms", "1500".parse().expect("ascii"));
        let e = ClientError::from_status("DisperseBlob", status);
        assert!(e.is_retryable());
        assert_eq!(e.retry_after(), Some(Duration::from_millis(1500)));
        let e = ClientError::from_status("DisperseBlob", tonic::Status::invalid_argument("blob"));
        assert_eq!(e.action(), ErrorAction::Drop);
        assert!(
            e.to_string()
                .contains("DisperseBlob failed with InvalidArgument: blob")
        );
        let e = ClientError::DispersalFailed {
            blob_key: BlobKey([1; 32]),
            status: BlobStatus::InsufficientSignatures,
            reason: "quorum 1 signed 40%".into(),
        };
        assert_eq!(e.action(), ErrorAction::FailOver);
        let e = ClientError::InvalidCertificate {
            blob_key: BlobKey([1; 32]),
            source: CertError::NonSignersNotSorted,
        };
        assert_eq!(e.action(), ErrorAction::Drop);
    }
}
