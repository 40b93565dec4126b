//! [`ConsoleError`] and its one mapping to an HTTP status with a JSON body.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Why a console request failed. Every variant maps to one HTTP status in
/// [`ConsoleError::status`]; the body is `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// A path or query parameter does not parse or is out of range.
    #[error("invalid {field}: {reason}")]
    InvalidParam {
        /// The parameter's name (`limit`, `before`, `account`, `blob_key`, ...).
        field: &'static str,
        /// What is wrong with it and what is accepted.
        reason: String,
    },
    /// The thing asked for is not in the service's records.
    #[error("{what} {key} not found")]
    NotFound {
        /// `blob`, `batch`, `operator`, `page`.
        what: &'static str,
        /// Its key as asked.
        key: String,
    },
    /// The client address is over the service's request rate (the same per-address
    /// limit as its gRPC API).
    #[error("too many requests from this address; retry in {} ms", retry_after.as_millis())]
    RateLimited {
        /// When the request would pass.
        retry_after: Duration,
    },
    /// The thing asked for exists but is not in a state the request needs (a
    /// retrievability check of a blob that is not `COMPLETE`).
    #[error("{what} {key}: {reason}")]
    WrongState {
        /// `blob`.
        what: &'static str,
        /// Its key as asked.
        key: String,
        /// Its state, and the state the request needs.
        reason: String,
    },
    /// Too many expensive requests (retrievability checks) are running at once; retry
    /// later.
    #[error("{what}: the service is busy; retry in {} ms", retry_after.as_millis())]
    Busy {
        /// What is busy.
        what: &'static str,
        /// When a retry may pass.
        retry_after: Duration,
    },
    /// A dependency (the chain) did not answer; retrying later may work.
    #[error("{what} unavailable: {reason}")]
    Unavailable {
        /// What was being read.
        what: &'static str,
        /// Why it failed.
        reason: String,
    },
    /// The service's own records could not be read (database error, corrupt record).
    #[error("reading {what}: {reason}")]
    Internal {
        /// What was being read.
        what: &'static str,
        /// Why it failed.
        reason: String,
    },
}

impl ConsoleError {
    /// The one error → HTTP status mapping: bad input 400, unknown keys 404, a wrong state
    /// 409, rate limits 429 (with `Retry-After`), a busy service (with `Retry-After`) or
    /// an unreachable chain 503, the service's own failures 500.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::InvalidParam { .. } => StatusCode::BAD_REQUEST,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::WrongState { .. } => StatusCode::CONFLICT,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy { .. } | Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code in the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidParam { .. } => "INVALID_PARAM",
            Self::NotFound { .. } => "NOT_FOUND",
            Self::WrongState { .. } => "WRONG_STATE",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::Busy { .. } => "BUSY",
            Self::Unavailable { .. } => "UNAVAILABLE",
            Self::Internal { .. } => "INTERNAL",
        }
    }

    /// Shorthand for [`ConsoleError::InvalidParam`].
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidParam {
            field,
            reason: reason.into(),
        }
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": { "code": self.code(), "message": self.to_string() }
        });
        let mut response = (self.status(), crate::router::json_body(&body)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Self::RateLimited { retry_after } | Self::Busy { retry_after, .. } = self {
            // Whole seconds, rounded up (Retry-After has no finer unit).
            let secs = retry_after.as_millis().div_ceil(1000).max(1);
            if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_its_status_and_a_json_body() {
        let cases = [
            (ConsoleError::invalid("limit", "not a number"), 400),
            (
                ConsoleError::NotFound {
                    what: "blob",
                    key: "ab".into(),
                },
                404,
            ),
            (
                ConsoleError::RateLimited {
                    retry_after: Duration::from_millis(1500),
                },
                429,
            ),
            (
                ConsoleError::WrongState {
                    what: "blob",
                    key: "ab".into(),
                    reason: "FAILED".into(),
                },
                409,
            ),
            (
                ConsoleError::Busy {
                    what: "retrievability checks",
                    retry_after: Duration::from_millis(1200),
                },
                503,
            ),
            (
                ConsoleError::Unavailable {
                    what: "chain",
                    reason: "down".into(),
                },
                503,
            ),
            (
                ConsoleError::Internal {
                    what: "batch",
                    reason: "corrupt".into(),
                },
                500,
            ),
        ];
        for (error, status) in cases {
            let code = error.code();
            let limited = matches!(
                error,
                ConsoleError::RateLimited { .. } | ConsoleError::Busy { .. }
            );
            let response = error.into_response();
            assert_eq!(response.status().as_u16(), status, "{code}");
            assert_eq!(
                response
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .map(|v| v.as_bytes()),
                Some(&b"application/json"[..])
            );
            assert_eq!(
                response
                    .headers()
                    .get(header::RETRY_AFTER)
                    .map(|v| v.as_bytes()),
                limited.then_some(&b"2"[..]),
                "{code}"
            );
        }
    }
}
