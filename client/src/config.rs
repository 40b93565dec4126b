//! [`ClientConfig`]: where the network is and how patient the client is.

use std::path::Path;
use std::time::Duration;

use lamina_core::chain::ContractAddresses;
use lamina_core::{QuorumId, SrsConfig};
use lamina_encoding::MAX_BLOB_SYMBOLS;
use lamina_retriever::RetrievalOptions;
use serde::{Deserialize, Serialize};

use crate::error::ClientError;

/// The client's configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientConfig {
    /// Disperser gRPC endpoint, `host:port` or a URL. Default: `127.0.0.1:32001`.
    pub disperser: String,
    /// Retriever service endpoint; `None` retrieves directly from operators (needs
    /// `srs`). Default: `None`.
    pub retriever: Option<String>,
    /// Ethereum JSON-RPC endpoint. Default: `http://127.0.0.1:8545`.
    pub rpc_url: String,
    /// Contract addresses (the deploy script's `deployments/<chainid>.json`).
    pub contracts: ContractAddresses,
    /// Blob version dispersed. Default: 1 (the devnet's 64-chunk version).
    pub blob_version: u16,
    /// Quorums used when a call names none. Default: `[0, 1]`.
    pub quorums: Vec<QuorumId>,
    /// An SRS, to compute commitments locally (instead of `GetBlobCommitment`), to
    /// check payloads from the retriever service, and to retrieve directly from
    /// operators. Default: `None`.
    pub srs: Option<SrsConfig>,
    /// TLS of outgoing connections: `ca_file` (a private CA) for `https://` disperser and
    /// retriever endpoints and https RPC URLs, `operator_tls` for operator sockets.
    /// `cert_file`/`key_file` are not used by the client. Default: public roots only.
    pub tls: lamina_core::tls::TlsConfig,
    /// G1 points loaded from `srs`: the largest blob in symbols. Default: 524288.
    pub srs_points: usize,
    /// Deadline of each gRPC call. Default: 60000.
    pub request_timeout_ms: u64,
    /// How long `wait_for_certificate` waits. Default: 120000.
    pub certificate_timeout_ms: u64,
    /// How long a dispersal keeps retrying while the disperser answers
    /// `RESOURCE_EXHAUSTED` with a retry-after (its commitment pool or a per-account
    /// limit is full), waiting what it asks each time; 0 never retries. Default: 60000.
    pub busy_patience_ms: u64,
    /// First status poll interval; grows 1.5x per poll. Default: 200.
    pub poll_initial_ms: u64,
    /// Largest status poll interval. Default: 2000.
    pub poll_max_ms: u64,
    /// How direct retrievals ask operators.
    pub retrieval: RetrievalOptions,
    /// Recency window: a certificate is accepted only while its L1 inclusion block (for
    /// local verification: the current head) is at most this many blocks after its
    /// reference block (`checkDACert` itself is stateless). At most the deployment's
    /// stake-use window, `LaminaServiceManager.BLOCK_STALE_MEASURE`. Default: 50 (the
    /// deploy script's `DEVNET_STAKE_USE_WINDOW_BLOCKS`).
    pub recency_window_blocks: u64,
}

/// Default [`ClientConfig::recency_window_blocks`]: the deploy script's stake-use window
/// (the derivation rules' default, so that the client and a rollup agree).
pub use lamina_derivation::DEFAULT_RECENCY_WINDOW_BLOCKS;

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            disperser: "127.0.0.1:32001".to_owned(),
            retriever: None,
            rpc_url: "http://127.0.0.1:8545".to_owned(),
            contracts: ContractAddresses::default(),
            blob_version: 1,
            quorums: vec![0, 1],
            srs: None,
            tls: lamina_core::tls::TlsConfig::default(),
            srs_points: MAX_BLOB_SYMBOLS,
            request_timeout_ms: 60_000,
            certificate_timeout_ms: 120_000,
            busy_patience_ms: 60_000,
            poll_initial_ms: 200,
            poll_max_ms: 2_000,
            retrieval: RetrievalOptions::default(),
            recency_window_blocks: DEFAULT_RECENCY_WINDOW_BLOCKS,
        }
    }
}

impl ClientConfig {
    /// Checks every field is usable.
    pub fn validate(&self) -> Result<(), ClientError> {
        let bad = |field, reason: String| Err(ClientError::Config { field, reason });
        if self.disperser.is_empty() {
            return bad("disperser", "no endpoint".to_owned());
        }
        if !(self.rpc_url.starts_with("http://") || self.rpc_url.starts_with("https://")) {
            return bad(
                "rpc_url",
                format!("{:?} is not an http(s) URL", self.rpc_url),
            );
        }
        if self.quorums.is_empty() {
            return bad("quorums", "at least one quorum".to_owned());
        }
        if self.srs_points == 0 || !self.srs_points.is_power_of_two() {
            return bad(
                "srs_points",
                format!("{} is not a positive power of two", self.srs_points),
            );
        }
        for (field, value) in [
            ("request_timeout_ms", self.request_timeout_ms),
            ("certificate_timeout_ms", self.certificate_timeout_ms),
            ("poll_initial_ms", self.poll_initial_ms),
            ("poll_max_ms", self.poll_max_ms),
        ] {
            if value == 0 {
                return bad(field, "must be at least 1".to_owned());
            }
        }
        self.retrieval.validate().map_err(|e| ClientError::Config {
            field: "retrieval",
            reason: e.to_string(),
        })
    }

    /// Reads contract addresses from a deployment file (`contracts/deployments/<id>.json`).
    pub fn with_deployment_file(mut self, path: &Path) -> Result<Self, ClientError> {
        let text = std::fs::read_to_string(path).map_err(|e| ClientError::Config {
            field: "deployment",
            reason: format!("{}: {e}", path.display()),
        })?;
        self.contracts = serde_json::from_str(&text).map_err(|e| ClientError::Config {
            field: "deployment",
            reason: format!("{}: {e}", path.display()),
        })?;
        Ok(self)
    }

    pub(crate) fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    pub(crate) fn busy_patience(&self) -> Duration {
        Duration::from_millis(self.busy_patience_ms)
    }

    pub(crate) fn certificate_timeout(&self) -> Duration {
        Duration::from_millis(self.certificate_timeout_ms)
    }
}
