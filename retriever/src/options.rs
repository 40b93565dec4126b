//! How hard a retrieval tries: concurrency, spare requests, hedging and timeouts.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::RetrieverError;

/// Knobs of one retrieval, shared by the library and the service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetrievalOptions {
    /// Most operators asked at once. Default: 8.
    pub max_concurrent_requests: usize,
    /// Operators asked beyond those whose assignments would just cover the blob, so
    /// one slow or lying operator does not cost a round trip. Default: 1.
    pub extra_requests: usize,
    /// When no operator has answered for this long, one more is asked. Default: 1000.
    pub hedge_after_ms: u64,
    /// Per-operator deadline for a `GetChunks` answer. Default: 10000.
    pub operator_timeout_ms: u64,
    /// TCP connect deadline per operator. Default: 2000.
    pub connect_timeout_ms: u64,
}

impl Default for RetrievalOptions {
    fn default() -> Self {
        Self {
            max_concurrent_requests: 8,
            extra_requests: 1,
            hedge_after_ms: 1_000,
            operator_timeout_ms: 10_000,
            connect_timeout_ms: 2_000,
        }
    }
}

impl RetrievalOptions {
    /// Checks every field is usable.
    pub fn validate(&self) -> Result<(), RetrieverError> {
        let bad = |field, reason: &str| {
            Err(RetrieverError::Config {
                field,
                reason: reason.to_owned(),
            })
        };
        if self.max_concurrent_requests == 0 {
            return bad("max_concurrent_requests", "must be at least 1");
        }
        if self.operator_timeout_ms == 0 {
            return bad("operator_timeout_ms", "must be at least 1");
        }
        if self.connect_timeout_ms == 0 {
            return bad("connect_timeout_ms", "must be at least 1");
        }
        if self.hedge_after_ms == 0 {
            return bad("hedge_after_ms", "must be at least 1");
        }
        Ok(())
    }

    pub(crate) fn operator_timeout(&self) -> Duration {
        Duration::from_millis(self.operator_timeout_ms)
    }

    pub(crate) fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms)
    }

    pub(crate) fn hedge_after(&self) -> Duration {
        Duration::from_millis(self.hedge_after_ms)
    }
}
