//! The node page ([`lamina_console::node_router`]): this node's figures from its metrics
//! and store, limited per client address like its retrieval API.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use lamina_console::model::NodeSummary;
use lamina_console::{ConsoleError, NodeSource};

use crate::ratelimit::{RateLimiter, client_key};
use crate::service::NodeState;

/// How long the store counts (a scan of two column families) are reused.
const COUNTS_CACHE_TTL: Duration = Duration::from_secs(10);

pub(crate) struct NodeConsole {
    state: Arc<NodeState>,
    /// The retrieval API's request rate and burst, per client address; its own buckets,
    /// so page views never take a retrieval's place.
    limiter: RateLimiter,
    /// std `Mutex`: a copy in and out, never across `.await`.
    counts: Mutex<Option<(Instant, (usize, usize))>>,
}

impl NodeConsole {
    pub(crate) fn new(state: Arc<NodeState>) -> Self {
        let c = &state.config;
        let limiter = RateLimiter::new(
            c.retrieval_requests_per_sec.into(),
            c.retrieval_burst.into(),
            c.retrieval_max_clients,
        );
        Self {
            state,
            limiter,
            counts: Mutex::new(None),
        }
    }

    async fn counts(&self) -> Result<(usize, usize), ConsoleError> {
        if let Some((at, counts)) = *self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            && at.elapsed() < COUNTS_CACHE_TTL
        {
            return Ok(counts);
        }
        let state = Arc::clone(&self.state);
        let counts = tokio::task::spawn_blocking(move || state.store.counts())
            .await
            .map_err(|e| ConsoleError::Internal {
                what: "store counts",
                reason: e.to_string(),
            })?
            .map_err(|e| ConsoleError::Internal {
                what: "store counts",
                reason: e.to_string(),
            })?;
        *self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((Instant::now(), counts));
        Ok(counts)
    }
}

#[async_trait]
impl NodeSource for NodeConsole {
    fn admit(&self, peer: Option<IpAddr>) -> Result<(), ConsoleError> {
        let Some(ip) = peer else {
            return Ok(());
        };
        self.limiter
            .take(client_key(ip), 1.0, 1.0, Instant::now())
            .map_err(|retry_after| ConsoleError::RateLimited { retry_after })
    }

    async fn summary(&self) -> Result<NodeSummary, ConsoleError> {
        let (batches, blobs) = self.counts().await?;
        let m = &self.state.metrics;
        let operator_id = self.state.operator.to_string();
        Ok(NodeSummary {
            stored_bytes: m.bytes_stored.get(),
            stored_batches: batches as u64,
            stored_blobs: blobs as u64,
            batches_received: m.batches_received.get(),
            batches_signed: m.batches_signed.get(),
            batches_refused: m.rejected_by_reason(),
            batches_expired: m.batches_expired.get(),
            expiry_secs: self.state.config.expiry_secs,
            disperser_console: self
                .state
                .config
                .disperser_console_url
                .as_ref()
                .map(|url| format!("{}/operators#op-{operator_id}", url.trim_end_matches('/'))),
            operator_id,
        })
    }
}
