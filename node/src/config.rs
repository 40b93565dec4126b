//! [`NodeConfig`]: everything `lamina node run` needs, as TOML.
//!
//! Precedence (highest first): command-line flags, `LAMINA_NODE_<FIELD>` environment
//! variables, the TOML file, the defaults documented on each field.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use alloy_primitives::Address;
use lamina_core::keystore::PasswordSource;
use serde::{Deserialize, Serialize};

use crate::error::ConfigError;

/// Default gRPC port of a node (Dispersal and Retrieval): 32005, EigenDA's dispersal port.
pub const DEFAULT_GRPC_PORT: u16 = 32005;
/// Default HTTP port for `/health` and `/metrics`: 9100.
pub const DEFAULT_METRICS_PORT: u16 = 9100;
/// Default custody period: 14 days, EigenDA v2's default `StoreDurationBlocks` in time.
pub const DEFAULT_EXPIRY_SECS: u64 = 14 * 24 * 60 * 60;

/// Where a keystore password comes from: `{ env = "VAR" }` or `{ file = "path" }` in TOML.
///
/// Never a literal: a password in a config file or on the command line leaks through
/// backups and the process table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum PasswordConfig {
    /// The value of this environment variable.
    Env(String),
    /// The contents of this file, trailing newlines dropped.
    File(PathBuf),
}

impl PasswordConfig {
    /// The keystore's [`PasswordSource`].
    pub fn source(&self) -> PasswordSource {
        match self {
            Self::Env(var) => PasswordSource::Env(var.clone()),
            Self::File(path) => PasswordSource::File(path.clone()),
        }
    }
}

impl Default for PasswordConfig {
    /// `{ env = "LAMINA_NODE_KEY_PASSWORD" }`.
    fn default() -> Self {
        Self::Env("LAMINA_NODE_KEY_PASSWORD".into())
    }
}

/// Configuration of one DA node.
///
/// ```
/// let config: lamina_node::NodeConfig = toml::from_str(r#"
///     grpc_listen = "127.0.0.1:40001"
///     data_dir = "/tmp/lamina-node-doc"
///     bls_keystore = "keys/bls.json"
///     bls_password = { file = "keys/password" }
///     authorized_dispersers = ["0x70997970C51812dc3A010C7d50b0d1f3E4f4d44e"]
///
///     ## Refuse to sign for unpaid blobs (the default); the deployment must name a
///     ## PaymentVault. `enabled = false` signs for anything the disperser sends.
///     [payments]
///     enabled = true
///     reservation_window_secs = 120
/// "#).unwrap();
/// config.validate().unwrap();
/// assert_eq!(config.expiry_secs, 14 * 24 * 3600);
/// assert!(config.payments.enabled);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NodeConfig {
    /// Address the gRPC server (Dispersal and Retrieval) binds. Default `0.0.0.0:32005`.
    /// The operator registers this port as its socket on-chain.
    pub grpc_listen: SocketAddr,
    /// Address of the HTTP server for `GET /health`, `GET /metrics` and the node page
    /// (`/`, `/api/v1/node`). Default `0.0.0.0:9100`.
    pub metrics_listen: SocketAddr,
    /// The node page (`[console]`: `enabled`, `refresh_ms`). Default: enabled.
    pub console: lamina_console::ConsoleConfig,
    /// The disperser console's base URL (`http://host:port`), linked from the node page
    /// for this operator's signing rate. Default unset.
    pub disperser_console_url: Option<String>,
    /// Directory holding the RocksDB database (`<data_dir>/db`). Default `./lamina-node`.
    pub data_dir: PathBuf,
    /// Ethereum JSON-RPC endpoint. Default `http://127.0.0.1:8545`.
    pub rpc_url: String,
    /// Contract address file written by the deploy script
    /// (`contracts/deployments/<chainid>.json`). Default `contracts/deployments/31337.json`.
    pub deployment: PathBuf,
    /// The KZG setup frames and length proofs are verified against.
    pub srs: lamina_core::SrsConfig,
    /// TLS: the certificate and key the gRPC server presents, the CA trusted by
    /// outgoing connections (https RPC URLs). Default: none (plaintext gRPC).
    pub tls: lamina_core::tls::TlsConfig,
    /// Largest blob, in symbols, the node accepts (sizes the SRS it loads).
    /// Default 524288 (16 MiB, EigenDA v2's limit).
    pub max_blob_symbols: u32,
    /// BLS (BN254) keystore in eigensdk format. Default `keys/bls.json`.
    pub bls_keystore: PathBuf,
    /// Password of the BLS keystore. Default `{ env = "LAMINA_NODE_KEY_PASSWORD" }`.
    pub bls_password: PasswordConfig,
    /// ECDSA keystore (geth v3): the operator's Ethereum account, used by
    /// `lamina node register`. Default `keys/ecdsa.json`.
    pub ecdsa_keystore: PathBuf,
    /// Password of the ECDSA keystore. Default `{ env = "LAMINA_NODE_KEY_PASSWORD" }`.
    pub ecdsa_password: PasswordConfig,
    /// Shorthand for devnets: both keystores' password from this file, overriding
    /// `bls_password` and `ecdsa_password`. Default unset.
    pub password_file: Option<PathBuf>,
    /// Disperser addresses accepted without an on-chain check. Default empty.
    pub authorized_dispersers: Vec<Address>,
    /// Also accept any address `LaminaServiceManager.isBatchConfirmer` approves. Default true.
    pub onchain_dispersers: bool,
    /// How long stored chunks are kept, in seconds. Default 1209600 (14 days).
    pub expiry_secs: u64,
    /// How often the background task deletes expired data, in milliseconds. Default 60000.
    pub expiry_interval_ms: u64,
    /// Largest StoreChunks request accepted, in bytes. Default and maximum
    /// `lamina_proto::MAX_MESSAGE_SIZE` (16 MiB + 64 KiB).
    pub max_request_bytes: usize,
    /// StoreChunks requests validated at once (each holds its frames in memory). Default 2.
    pub max_concurrent_store: usize,
    /// Largest difference between a request's timestamp and this node's clock, in
    /// seconds; older requests are refused as stale. Default 60.
    pub max_timestamp_skew_secs: u64,
    /// Oldest reference block accepted, in blocks behind the head. Default 7200
    /// (a day at 12 s; EigenDA v2 nodes accept batches whose state is hours old).
    pub max_reference_block_age: u64,
    /// Retrieval requests (GetChunks, GetBlobCertificate) one client IP may make per
    /// second, sustained. Default 100.
    pub retrieval_requests_per_sec: u32,
    /// Burst of retrieval requests one client IP may make at once. Default 200.
    pub retrieval_burst: u32,
    /// Frame bytes one client IP may be served per second, sustained. Default 64 MiB.
    /// A reply is never cut: one larger than the client's balance is served and paid
    /// back before its next request is answered.
    pub retrieval_bytes_per_sec: u64,
    /// Frame bytes one client IP may be served at once. Default 256 MiB.
    pub retrieval_burst_bytes: u64,
    /// Operator states (per reference block and quorum set) kept in memory. Default 64.
    pub operator_state_cache: usize,
    /// How long an on-chain batch-confirmer answer for a StoreChunks signer, approval or
    /// refusal, is reused, in seconds: a flood signed by unknown keys costs one chain
    /// call per key per TTL; a newly appointed (or revoked) disperser waits at most this
    /// long. Default 10.
    pub signer_cache_ttl_secs: u64,
    /// Signer answers kept (oldest forgotten first). Default 4096.
    pub signer_cache_capacity: usize,
    /// Longest a gRPC request may run before it is answered CANCELLED, in seconds.
    /// Default 120 (a 16 MiB StoreChunks verifies in seconds on one core).
    pub grpc_request_timeout_secs: u64,
    /// gRPC requests served at once over all connections; past it requests are refused
    /// with RESOURCE_EXHAUSTED, not queued. Default 256.
    pub grpc_max_concurrent_requests: usize,
    /// gRPC requests served at once on one connection (HTTP/2 streams), refused past it
    /// like the global bound. Default 32.
    pub grpc_concurrency_per_connection: usize,
    /// Retrieval clients (IPv4 addresses, IPv6 /64s) whose rate budgets are tracked; past
    /// it the least recently seen are forgotten, so rotating addresses cannot grow the
    /// table. Default 10000.
    pub retrieval_max_clients: usize,
    /// GetChunks reads one client may have in flight; more are refused with
    /// RESOURCE_EXHAUSTED and a retry-after. Default 4.
    pub retrieval_reads_per_client: u32,
    /// Payment enforcement: the node refuses to sign a batch holding a blob whose account
    /// has not paid for it (see [`crate::PaymentsConfig`]). Enabled by default; then the
    /// deployment must name a `PaymentVault`.
    pub payments: crate::payments::PaymentsConfig,
}

/// Request limits of a gRPC server (see the `grpc_*` fields of [`NodeConfig`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GrpcLimits {
    /// Per-request deadline.
    pub timeout: Duration,
    /// Requests in flight over all connections.
    pub global: usize,
    /// Requests in flight per connection.
    pub per_connection: usize,
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self {
            grpc_listen: SocketAddr::from(([0, 0, 0, 0], DEFAULT_GRPC_PORT)),
            metrics_listen: SocketAddr::from(([0, 0, 0, 0], DEFAULT_METRICS_PORT)),
            console: lamina_console::ConsoleConfig::default(),
            disperser_console_url: None,
            data_dir: PathBuf::from("lamina-node"),
            rpc_url: "http://127.0.0.1:8545".into(),
            deployment: PathBuf::from("contracts/deployments/31337.json"),
            srs: lamina_core::SrsConfig::default(),
            tls: lamina_core::tls::TlsConfig::default(),
            max_blob_symbols: lamina_encoding::MAX_BLOB_SYMBOLS as u32,
            bls_keystore: PathBuf::from("keys/bls.json"),
            bls_password: PasswordConfig::default(),
            ecdsa_keystore: PathBuf::from("keys/ecdsa.json"),
            ecdsa_password: PasswordConfig::default(),
            password_file: None,
            authorized_dispersers: Vec::new(),
            onchain_dispersers: true,
            expiry_secs: DEFAULT_EXPIRY_SECS,
            expiry_interval_ms: 60_000,
            max_request_bytes: lamina_proto::MAX_MESSAGE_SIZE,
            max_concurrent_store: 2,
            max_timestamp_skew_secs: 60,
            max_reference_block_age: 7200,
            retrieval_requests_per_sec: 100,
            retrieval_burst: 200,
            retrieval_bytes_per_sec: 64 << 20,
            retrieval_burst_bytes: 256 << 20,
            operator_state_cache: 64,
            signer_cache_ttl_secs: 10,
            signer_cache_capacity: 4096,
            grpc_request_timeout_secs: 120,
            grpc_max_concurrent_requests: 256,
            grpc_concurrency_per_connection: 32,
            retrieval_max_clients: 10_000,
            retrieval_reads_per_client: 4,
            payments: crate::payments::PaymentsConfig::default(),
        }
    }
}

impl NodeConfig {
    /// Checks every field, naming the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let positive = |field: &'static str, value: u64| {
            if value == 0 {
                Err(ConfigError::Invalid {
                    field,
                    value: value.to_string(),
                    reason: "must be positive",
                })
            } else {
                Ok(())
            }
        };
        positive("expiry_secs", self.expiry_secs)?;
        positive("expiry_interval_ms", self.expiry_interval_ms)?;
        positive("max_concurrent_store", self.max_concurrent_store as u64)?;
        positive("max_timestamp_skew_secs", self.max_timestamp_skew_secs)?;
        positive("max_reference_block_age", self.max_reference_block_age)?;
        positive(
            "retrieval_requests_per_sec",
            u64::from(self.retrieval_requests_per_sec),
        )?;
        positive("retrieval_burst", u64::from(self.retrieval_burst))?;
        positive("retrieval_bytes_per_sec", self.retrieval_bytes_per_sec)?;
        positive("retrieval_burst_bytes", self.retrieval_burst_bytes)?;
        positive("operator_state_cache", self.operator_state_cache as u64)?;
        positive("signer_cache_ttl_secs", self.signer_cache_ttl_secs)?;
        positive("signer_cache_capacity", self.signer_cache_capacity as u64)?;
        positive("grpc_request_timeout_secs", self.grpc_request_timeout_secs)?;
        positive(
            "grpc_max_concurrent_requests",
            self.grpc_max_concurrent_requests as u64,
        )?;
        positive(
            "grpc_concurrency_per_connection",
            self.grpc_concurrency_per_connection as u64,
        )?;
        positive("retrieval_max_clients", self.retrieval_max_clients as u64)?;
        positive(
            "retrieval_reads_per_client",
            u64::from(self.retrieval_reads_per_client),
        )?;
        self.payments.validate()?;
        if self.max_request_bytes == 0 || self.max_request_bytes > lamina_proto::MAX_MESSAGE_SIZE {
            return Err(ConfigError::Invalid {
                field: "max_request_bytes",
                value: self.max_request_bytes.to_string(),
                reason: "must be between 1 and lamina_proto::MAX_MESSAGE_SIZE (16842752)",
            });
        }
        if !self.max_blob_symbols.is_power_of_two()
            || self.max_blob_symbols as usize > lamina_encoding::MAX_BLOB_SYMBOLS
        {
            return Err(ConfigError::Invalid {
                field: "max_blob_symbols",
                value: self.max_blob_symbols.to_string(),
                reason: "must be a power of two of at most 524288",
            });
        }
        if self.data_dir.as_os_str().is_empty() {
            return Err(ConfigError::Invalid {
                field: "data_dir",
                value: String::new(),
                reason: "must name a directory",
            });
        }
        if !self.rpc_url.starts_with("http://") && !self.rpc_url.starts_with("https://") {
            return Err(ConfigError::Invalid {
                field: "rpc_url",
                value: self.rpc_url.clone(),
                reason: "must be an http:// or https:// URL",
            });
        }
        if self.authorized_dispersers.is_empty() && !self.onchain_dispersers {
            return Err(ConfigError::Invalid {
                field: "authorized_dispersers",
                value: "[]".into(),
                reason: "is empty and onchain_dispersers is false: no disperser could store chunks",
            });
        }
        Ok(())
    }

    /// Reads and validates a TOML file.
    pub fn from_toml_file(path: &std::path::Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let config: Self = toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_path_buf(),
            source: Box::new(source),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// The config as TOML (what the devnet writes).
    pub fn to_toml(&self) -> Result<String, ConfigError> {
        toml::to_string_pretty(self).map_err(|e| ConfigError::Serialize(e.to_string()))
    }

    /// Where the BLS keystore's password comes from.
    pub fn bls_password_source(&self) -> PasswordSource {
        match &self.password_file {
            Some(file) => PasswordSource::File(file.clone()),
            None => self.bls_password.source(),
        }
    }

    /// Where the ECDSA keystore's password comes from.
    pub fn ecdsa_password_source(&self) -> PasswordSource {
        match &self.password_file {
            Some(file) => PasswordSource::File(file.clone()),
            None => self.ecdsa_password.source(),
        }
    }

    /// Custody period.
    pub fn expiry(&self) -> Duration {
        Duration::from_secs(self.expiry_secs)
    }

    /// Interval of the expiry task.
    pub fn expiry_interval(&self) -> Duration {
        Duration::from_millis(self.expiry_interval_ms)
    }

    /// Allowed clock difference of StoreChunks timestamps.
    pub fn max_timestamp_skew(&self) -> Duration {
        Duration::from_secs(self.max_timestamp_skew_secs)
    }

    /// How long a signer's batch-confirmer answer is reused.
    pub fn signer_cache_ttl(&self) -> Duration {
        Duration::from_secs(self.signer_cache_ttl_secs)
    }

    /// The gRPC server's request limits.
    pub fn grpc_limits(&self) -> GrpcLimits {
        GrpcLimits {
            timeout: Duration::from_secs(self.grpc_request_timeout_secs),
            global: self.grpc_max_concurrent_requests,
            per_connection: self.grpc_concurrency_per_connection,
        }
    }

    /// Where RocksDB lives.
    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("db")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_round_trip_through_toml() {
        let config = NodeConfig::default();
        config.validate().expect("defaults are valid");
        let text = config.to_toml().expect("serializes");
        let back: NodeConfig = toml::from_str(&text).expect("parses");
        assert_eq!(back, config);
    }

    #[test]
    fn unknown_fields_and_bad_values_are_named() {
        let err = toml::from_str::<NodeConfig>("grpc_port = 1").expect_err("unknown field");
        assert!(err.to_string().contains("grpc_port"), "{err}");
        let config = NodeConfig {
            max_request_bytes: lamina_proto::MAX_MESSAGE_SIZE + 1,
            ..NodeConfig::default()
        };
        assert!(matches!(
            config.validate(),
            Err(ConfigError::Invalid {
                field: "max_request_bytes",
                ..
            })
        ));
        let config = NodeConfig {
            expiry_secs: 0,
            ..NodeConfig::default()
        };
        assert!(matches!(
            config.validate(),
            Err(ConfigError::Invalid {
                field: "expiry_secs",
                ..
            })
        ));
    }

    #[test]
    fn passwords_are_tables_naming_their_source() {
        let config: NodeConfig =
            toml::from_str("bls_password = { file = \"/run/secrets/pw\" }").expect("parses");
        assert_eq!(
            config.bls_password.source(),
            PasswordSource::File("/run/secrets/pw".into())
        );
    }
}
