//! [`RetrieverConfig`]: everything `lamina retriever run` needs. Read from TOML;
//! `lamina retriever run` flags and `LAMINA_RETRIEVER_<FIELD>` variables override
//! the file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use lamina_core::SrsConfig;
use lamina_core::chain::ContractAddresses;
use lamina_encoding::MAX_BLOB_SYMBOLS;
use serde::{Deserialize, Serialize};

use crate::error::RetrieverError;
use crate::options::RetrievalOptions;

/// Default gRPC address: `0.0.0.0:32011`.
pub const DEFAULT_GRPC_LISTEN: &str = "0.0.0.0:32011";
/// Default health/metrics address: `0.0.0.0:9111`.
pub const DEFAULT_METRICS_LISTEN: &str = "0.0.0.0:9111";

/// The retriever service's configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetrieverConfig {
    /// Where `lamina.retriever.v1.Retriever` listens. Default: `0.0.0.0:32011`.
    pub grpc_listen: SocketAddr,
    /// Where `GET /health` and `GET /metrics` listen. Default: `0.0.0.0:9111`.
    pub metrics_listen: SocketAddr,
    /// Ethereum JSON-RPC endpoint. Default: `http://127.0.0.1:8545`.
    pub rpc_url: String,
    /// The service's data directory, a field every Lamina service shares. The retriever
    /// keeps no state on disk (operator state is read from the chain per retrieval), so
    /// it is only created. Default: `retriever-data`.
    pub data_dir: PathBuf,
    /// `contracts/deployments/<chainid>.json` written by the deploy script.
    /// Default: `contracts/deployments/31337.json`.
    pub deployment: PathBuf,
    /// The SRS frames are verified against. Default: the development SRS.
    pub srs: SrsConfig,
    /// TLS: the certificate and key the gRPC server presents, the CA trusted by
    /// outgoing connections (https RPC URLs, an `https://` disperser, operator sockets with `operator_tls`). Default: none (plaintext gRPC).
    pub tls: lamina_core::tls::TlsConfig,
    /// G1 points to load: the largest blob (in symbols) that can be retrieved.
    /// Default: 524288 (16 MiB blobs).
    pub srs_points: usize,
    /// Retrievals served at once; more wait. Default: 16.
    pub max_concurrent_retrievals: usize,
    /// Longest a gRPC request may run before it is answered CANCELLED, in seconds.
    /// Default: 120.
    pub grpc_request_timeout_secs: u64,
    /// gRPC requests in flight over all connections (running or waiting for one of the
    /// `max_concurrent_retrievals` slots); past it requests are refused with
    /// RESOURCE_EXHAUSTED, not queued. Default: 64.
    pub grpc_max_concurrent_requests: usize,
    /// gRPC requests in flight on one connection, refused past it. Default: 16.
    pub grpc_concurrency_per_connection: usize,
    /// How each retrieval asks operators.
    pub retrieval: RetrievalOptions,
    /// A disperser (`host:port`) asked for the whole blob (`GetBlob`) when the
    /// operators cannot rebuild it; its bytes are checked against the commitment.
    /// Default: none.
    pub disperser: Option<String>,
}

impl Default for RetrieverConfig {
    fn default() -> Self {
        Self {
            grpc_listen: parse_addr(DEFAULT_GRPC_LISTEN),
            metrics_listen: parse_addr(DEFAULT_METRICS_LISTEN),
            rpc_url: "http://127.0.0.1:8545".to_owned(),
            data_dir: PathBuf::from("retriever-data"),
            deployment: PathBuf::from("contracts/deployments/31337.json"),
            srs: SrsConfig::default(),
            tls: lamina_core::tls::TlsConfig::default(),
            srs_points: MAX_BLOB_SYMBOLS,
            max_concurrent_retrievals: 16,
            grpc_request_timeout_secs: 120,
            grpc_max_concurrent_requests: 64,
            grpc_concurrency_per_connection: 16,
            retrieval: RetrievalOptions::default(),
            disperser: None,
        }
    }
}

/// The defaults above are literals that parse.
fn parse_addr(s: &str) -> SocketAddr {
    s.parse().unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0)))
}

impl RetrieverConfig {
    /// Reads a TOML file.
    pub fn from_file(path: &Path) -> Result<Self, RetrieverError> {
        let text = std::fs::read_to_string(path).map_err(|source| RetrieverError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text)
    }

    /// Parses TOML.
    pub fn from_toml(text: &str) -> Result<Self, RetrieverError> {
        toml::from_str(text).map_err(|e| RetrieverError::Config {
            field: "toml",
            reason: e.to_string(),
        })
    }

    /// The TOML form.
    pub fn to_toml(&self) -> Result<String, RetrieverError> {
        toml::to_string_pretty(self).map_err(|e| RetrieverError::Config {
            field: "toml",
            reason: e.to_string(),
        })
    }

    /// Checks every field is usable (without touching the network or files).
    pub fn validate(&self) -> Result<(), RetrieverError> {
        let bad = |field, reason: String| Err(RetrieverError::Config { field, reason });
        if !(self.rpc_url.starts_with("http://") || self.rpc_url.starts_with("https://")) {
            return bad(
                "rpc_url",
                format!("{:?} is not an http(s) URL", self.rpc_url),
            );
        }
        if self.deployment.as_os_str().is_empty() {
            return bad(
                "deployment",
                "must name the deployment JSON file".to_owned(),
            );
        }
        if self.srs_points == 0 || !self.srs_points.is_power_of_two() {
            return bad(
                "srs_points",
                format!("{} is not a positive power of two", self.srs_points),
            );
        }
        if self.max_concurrent_retrievals == 0 {
            return bad("max_concurrent_retrievals", "must be at least 1".to_owned());
        }
        if self.grpc_request_timeout_secs == 0 {
            return bad("grpc_request_timeout_secs", "must be at least 1".to_owned());
        }
        if self.grpc_max_concurrent_requests == 0 {
            return bad(
                "grpc_max_concurrent_requests",
                "must be at least 1".to_owned(),
            );
        }
        if self.grpc_concurrency_per_connection == 0 {
            return bad(
                "grpc_concurrency_per_connection",
                "must be at least 1".to_owned(),
            );
        }
        if self.grpc_listen == self.metrics_listen && self.grpc_listen.port() != 0 {
            return bad(
                "metrics_listen",
                format!("same address as grpc_listen ({})", self.grpc_listen),
            );
        }
        self.retrieval.validate()
    }

    /// Reads the contract addresses from [`RetrieverConfig::deployment`].
    pub fn contract_addresses(&self) -> Result<ContractAddresses, RetrieverError> {
        let text =
            std::fs::read_to_string(&self.deployment).map_err(|source| RetrieverError::Io {
                path: self.deployment.clone(),
                source,
            })?;
        serde_json::from_str(&text).map_err(|e| RetrieverError::Config {
            field: "deployment",
            reason: format!("{}: {e}", self.deployment.display()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_round_trip_through_toml() {
        let config = RetrieverConfig::default();
        config.validate().expect("defaults are valid");
        let text = config.to_toml().expect("serializes");
        assert_eq!(RetrieverConfig::from_toml(&text).expect("parses"), config);
        // Every field is optional.
        assert_eq!(RetrieverConfig::from_toml("").expect("parses"), config);
    }

    #[test]
    fn bad_fields_are_named() {
        let err = RetrieverConfig::from_toml("grpc_port = 1").expect_err("unknown field");
        assert!(err.to_string().contains("grpc_port"), "{err}");
        let config = RetrieverConfig {
            srs_points: 1000,
            ..RetrieverConfig::default()
        };
        let err = config.validate().expect_err("not a power of two");
        assert!(err.to_string().contains("srs_points: 1000"), "{err}");
        let text = "[retrieval]\nmax_concurrent_requests = 0\n";
        let err = RetrieverConfig::from_toml(text)
            .expect("parses")
            .validate()
            .expect_err("zero concurrency");
        assert!(err.to_string().contains("max_concurrent_requests"), "{err}");
    }
}
