//! The proxy's errors: [`ProxyError`] when it cannot start, [`ApiError`] when a request
//! fails, with the one mapping of request errors to HTTP statuses and JSON bodies.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lamina_client::ClientError;
use lamina_derivation::{DropCode, DropReason};

/// The proxy cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// A configuration field is unusable.
    #[error("invalid proxy config: {field}: {reason}")]
    Config {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The `[secondary]` store is misconfigured or cannot be opened.
    #[error("invalid proxy config: secondary.{0}")]
    Secondary(lamina_storage::StorageError),
    /// The dispersing account's key file cannot be read.
    #[error("key file {}: {reason}", path.display())]
    Key {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The Lamina client cannot be built (configuration, SRS, TLS, RPC URL).
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The listen address cannot be bound.
    #[error("cannot listen on {addr}: {source}; choose another address with --listen")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The HTTP server stopped with an error.
    #[error("HTTP server failed: {0}")]
    Serve(std::io::Error),
}

/// A request failed. [`IntoResponse`] is the one mapping to HTTP: status, then a JSON
/// body `{"reason": ..., "message": ...}` (plus `"code"`, the derivation's number, on 418).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The `/get/` path is not `0x` and hex.
    #[error("commitment is not 0x-prefixed hex: {reason}")]
    BadCommitmentHex {
        /// Why.
        reason: String,
    },
    /// A query parameter is malformed.
    #[error("query parameter {name}: {reason}")]
    BadQuery {
        /// The parameter.
        name: &'static str,
        /// Why.
        reason: String,
    },
    /// The batch is larger than one blob carries.
    #[error("batch has {bytes} bytes, at most {max}")]
    BatchTooLarge {
        /// The batch's length.
        bytes: usize,
        /// [`crate::ProxyConfig::max_batch_bytes`].
        max: usize,
    },
    /// The derivation drops the certificate: retrying cannot help (418, eigenda-proxy's
    /// convention, so that a derivation pipeline skips it instead of retrying forever).
    #[error(transparent)]
    Drop(#[from] DropReason),
    /// Memstore fault injection: answer as if the derivation dropped the certificate
    /// with this code (418).
    #[error("injected fault: the certificate is dropped with code {0}")]
    InjectedDrop(DropCode),
    /// The data is unknown or not retrievable yet (404: OP's derivation stalls and
    /// retries).
    #[error("data not available: {reason}")]
    NotAvailable {
        /// Why.
        reason: String,
    },
    /// Refused for load: by the disperser, or by the proxy at `max_concurrent_requests`
    /// (429 with `Retry-After`).
    #[error("busy, retry after {retry_after:?}: {reason}")]
    Busy {
        /// How long to wait.
        retry_after: Duration,
        /// Who refused, and why.
        reason: String,
    },
    /// No verified certificate within the put timeout (503: the batcher falls back to L1).
    #[error("no verified certificate after {waited:?}")]
    PutTimeout {
        /// How long the proxy waited.
        waited: Duration,
    },
    /// The network cannot take or certify the batch now, or the chain cannot be read
    /// (503: the batcher fails over, a reader retries).
    #[error("Lamina network unavailable: {reason}")]
    Unavailable {
        /// Why.
        reason: String,
    },
    /// A fault of the proxy itself (500).
    #[error("internal error: {reason}")]
    Internal {
        /// Why.
        reason: String,
    },
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadCommitmentHex { .. } | Self::BadQuery { .. } => StatusCode::BAD_REQUEST,
            Self::BatchTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Drop(_) | Self::InjectedDrop(_) => StatusCode::IM_A_TEAPOT,
            Self::NotAvailable { .. } => StatusCode::NOT_FOUND,
            Self::Busy { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::PutTimeout { .. } | Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The body's `reason`: the drop code's name on 418, else a name per variant.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::BadCommitmentHex { .. } => "bad_commitment_hex",
            Self::BadQuery { .. } => "bad_query",
            Self::BatchTooLarge { .. } => "batch_too_large",
            Self::Drop(reason) => reason.code().name(),
            Self::InjectedDrop(code) => code.name(),
            Self::NotAvailable { .. } => "not_available",
            Self::Busy { .. } => "busy",
            Self::PutTimeout { .. } => "put_timeout",
            Self::Unavailable { .. } => "unavailable",
            Self::Internal { .. } => "internal",
        }
    }

    /// The derivation code of a 418.
    pub fn drop_code(&self) -> Option<DropCode> {
        match self {
            Self::Drop(reason) => Some(reason.code()),
            Self::InjectedDrop(code) => Some(*code),
            Self::BadCommitmentHex { .. }
            | Self::BadQuery { .. }
            | Self::BatchTooLarge { .. }
            | Self::NotAvailable { .. }
            | Self::Busy { .. }
            | Self::PutTimeout { .. }
            | Self::Unavailable { .. }
            | Self::Internal { .. } => None,
        }
    }

    /// A failed dispersal, wait or verification: load refusals become 429, failures the
    /// batcher should fail over from become 503, a batch that cannot be a blob 413.
    pub fn from_put(error: ClientError, max_batch_bytes: usize) -> Self {
        if let (true, Some(retry_after)) = (error.is_busy(), error.retry_after()) {
            return Self::Busy {
                retry_after,
                reason: error.to_string(),
            };
        }
        match error {
            ClientError::Payload { len, .. } => Self::BatchTooLarge {
                bytes: len,
                max: max_batch_bytes,
            },
            ClientError::CertificateTimeout { waited, .. } => Self::PutTimeout { waited },
            // Whatever else failed (the disperser down, a failed or invalid certificate,
            // a malformed reply): the batcher's fallback to L1 keeps the rollup live.
            other => Self::Unavailable {
                reason: other.to_string(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut body = serde_json::json!({
            "reason": self.reason(),
            "message": self.to_string(),
        });
        if let Some(code) = self.drop_code() {
            body["code"] = code.number().into();
        }
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response();
        if let Self::Busy { retry_after, .. } = &self {
            // Retry-After is whole seconds: round up so a client never comes back early.
            let seconds = retry_after.as_millis().div_ceil(1000).max(1);
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lamina_derivation::{CommitmentError, DropCode};

    #[test]
    fn drops_are_418_with_their_code_and_busy_is_429_with_retry_after() {
        let drop = ApiError::Drop(DropReason::Parse(CommitmentError::TooShort { len: 1 }));
        assert_eq!(drop.status(), StatusCode::IM_A_TEAPOT);
        assert_eq!(drop.reason(), DropCode::Parse.name());
        let busy = ApiError::Busy {
            retry_after: Duration::from_millis(1500),
            reason: "account over its rate".into(),
        };
        let response = busy.into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            response.headers().get(header::RETRY_AFTER),
            Some(&HeaderValue::from_static("2"))
        );
        let timeout = ApiError::PutTimeout {
            waited: Duration::from_secs(3),
        };
        assert_eq!(timeout.status(), StatusCode::SERVICE_UNAVAILABLE);
        let unknown = ApiError::NotAvailable {
            reason: "no operator has it".into(),
        };
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn client_errors_map_to_put_statuses() {
        assert!(matches!(
            ApiError::from_put(busy(), 10),
            ApiError::Busy { .. }
        ));
        let timeout = ClientError::CertificateTimeout {
            blob_key: lamina_core::BlobKey([1; 32]),
            waited: Duration::from_secs(1),
            last_status: lamina_client::BlobStatus::Queued,
        };
        assert_eq!(
            ApiError::from_put(timeout, 10).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        let too_large = ClientError::Payload {
            len: 11,
            source: lamina_encoding::CodecError::PayloadTooLarge { len: 11 },
        };
        assert_eq!(
            ApiError::from_put(too_large, 10).status(),
            StatusCode::PAYLOAD_TOO_LARGE
        );
    }

    /// A `RESOURCE_EXHAUSTED` refusal with a retry delay, as the client reports it.
    fn busy() -> ClientError {
        ClientError::Rpc {
            call: "DisperseBlob",
            code: tonic::Code::ResourceExhausted,
            message: "over the account's rate".into(),
            retry_after: Some(Duration::from_millis(1500)),
            reason: None,
        }
    }
}
