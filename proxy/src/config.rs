//! [`ProxyConfig`]: where the proxy listens and how it reaches the Lamina network.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use lamina_client::ClientConfig;
use lamina_derivation::DerivationConfig;
use lamina_encoding::PAYLOAD_BYTES_PER_SYMBOL;
use serde::{Deserialize, Serialize};

use crate::error::ProxyError;
use crate::memstore::MemstoreConfig;
use lamina_storage::ObjectStoreConfig;

/// Default [`ProxyConfig::listen`]: eigenda-proxy's and op-alt-da's customary port.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:3100";

/// The proxy's configuration (`lamina proxy run --config FILE`, `LAMINA_PROXY_*`, flags).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProxyConfig {
    /// HTTP listen address of the alt-DA routes, `/health` and `/metrics`.
    /// Default: `127.0.0.1:3100`.
    pub listen: SocketAddr,
    /// The Lamina client the proxy disperses and retrieves through (disperser, retriever,
    /// RPC URL, SRS, quorums, recency window). Default: [`ClientConfig::default`]. Its
    /// `recency_window_blocks` is also the window of `GET ?l1_inclusion_block_number=N`.
    pub client: ClientConfig,
    /// Contract address file (`contracts/deployments/<chainid>.json`); read into
    /// `client.contracts` when set. Default: none.
    pub deployment: Option<PathBuf>,
    /// File holding the dispersing account's secp256k1 key as one line of 0x-hex.
    /// Default: none (a random key: enough for reads, refused by a disperser that
    /// requires a funded account).
    pub key_file: Option<PathBuf>,
    /// How long a `POST /put` may take from the request to a verified certificate; past
    /// it the proxy answers 503 so that the batcher falls back to L1. Default: 120000.
    pub put_timeout_ms: u64,
    /// Bytes of recently written batches kept to answer `GET` without a retrieval (the
    /// derivation rules still apply). 0 disables the cache. Default: 67108864 (64 MiB).
    pub cache_bytes: usize,
    /// Writes and reads served at once (each write holds its batch until certified); past
    /// it a request is refused at once with 429 and `Retry-After: 1` instead of queueing.
    /// Default: 64.
    pub max_concurrent_requests: usize,
    /// Memstore mode (`[memstore]`, or `--memstore`): the same routes over an in-memory
    /// store with expiry, no network (`client` is not used). Default: none (the network).
    pub memstore: Option<MemstoreConfig>,
    /// Secondary storage (`[secondary] dir = "…"` for a local directory, or
    /// `[secondary.s3]` for an S3-compatible bucket): every certified batch is also
    /// copied there, read back (and checked against the commitment) when the network
    /// cannot serve it. Default: none.
    pub secondary: Option<ObjectStoreConfig>,
    /// Reads ask the disperser's `GetBlob` first (one call, the blob checked against the
    /// certificate's length and KZG commitment) and wait at most this long for it before
    /// going to the retriever and the operators; any failure or mismatch falls through
    /// the same way. 0 turns the fast path off. Default: 2000.
    pub disperser_read_timeout_ms: u64,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 3100)),
            client: ClientConfig::default(),
            deployment: None,
            key_file: None,
            put_timeout_ms: 120_000,
            cache_bytes: 64 << 20,
            max_concurrent_requests: 64,
            memstore: None,
            secondary: None,
            disperser_read_timeout_ms: 2_000,
        }
    }
}

impl ProxyConfig {
    /// Checks every field, naming the bad one.
    pub fn validate(&self) -> Result<(), ProxyError> {
        self.client.validate()?;
        for (field, value) in [
            ("put_timeout_ms", self.put_timeout_ms),
            (
                "max_concurrent_requests",
                self.max_concurrent_requests as u64,
            ),
        ] {
            if value == 0 {
                return Err(ProxyError::Config {
                    field,
                    reason: "must be at least 1".to_owned(),
                });
            }
        }
        if let Some(secondary) = &self.secondary {
            secondary.validate().map_err(ProxyError::Secondary)?;
        }
        self.derivation()
            .validate()
            .map_err(|e| ProxyError::Config {
                field: "client.recency_window_blocks",
                reason: e.reason,
            })
    }

    /// The derivation rules' configuration.
    pub fn derivation(&self) -> DerivationConfig {
        DerivationConfig {
            recency_window_blocks: self.client.recency_window_blocks,
        }
    }

    /// [`ProxyConfig::put_timeout_ms`].
    pub fn put_timeout(&self) -> Duration {
        Duration::from_millis(self.put_timeout_ms)
    }

    /// [`ProxyConfig::disperser_read_timeout_ms`]; `None` when the fast path is off.
    pub fn disperser_read_timeout(&self) -> Option<Duration> {
        (self.disperser_read_timeout_ms > 0)
            .then(|| Duration::from_millis(self.disperser_read_timeout_ms))
    }

    /// The largest batch a `POST /put` takes: what a blob of `client.srs_points` symbols
    /// carries (one header symbol, 31 payload bytes per other symbol).
    pub fn max_batch_bytes(&self) -> usize {
        self.client
            .srs_points
            .saturating_sub(1)
            .saturating_mul(PAYLOAD_BYTES_PER_SYMBOL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_round_trip_through_toml_and_validate() {
        let config = ProxyConfig::default();
        assert_eq!(config.listen.to_string(), DEFAULT_LISTEN);
        config.validate().expect("defaults are valid");
        let text = toml::to_string(&config).expect("serializes");
        let back: ProxyConfig = toml::from_str(&text).expect("parses");
        assert_eq!(back, config);
        let partial: ProxyConfig =
            toml::from_str("put_timeout_ms = 5\n[client]\nrecency_window_blocks = 7\n")
                .expect("parses");
        assert_eq!(partial.put_timeout_ms, 5);
        assert_eq!(partial.derivation().recency_window_blocks, 7);
        assert_eq!(partial.listen, config.listen);
    }

    #[test]
    fn bad_fields_are_named() {
        let config = ProxyConfig {
            put_timeout_ms: 0,
            ..ProxyConfig::default()
        };
        let err = config.validate().expect_err("zero timeout");
        assert!(err.to_string().contains("put_timeout_ms"), "{err}");
        let mut config = ProxyConfig::default();
        config.client.recency_window_blocks = 0;
        let err = config.validate().expect_err("zero window");
        assert!(err.to_string().contains("recency_window_blocks"), "{err}");
        assert!(toml::from_str::<ProxyConfig>("listen_addr = \"x\"").is_err());
    }
}
