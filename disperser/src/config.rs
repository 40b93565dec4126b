//! [`DisperserConfig`]: everything `lamina disperser run` needs, with production defaults.
//!
//! Precedence (applied by the CLI): command-line flags, then `LAMINA_DISPERSER_<FIELD>`
//! environment variables, then the TOML file, then these defaults.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use lamina_core::SrsConfig;
use lamina_core::keystore::PasswordSource;
use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::payments::PaymentsConfig;

/// Largest blob the protocol allows: 16 MiB (2^19 symbols of 32 bytes).
pub const MAX_BLOB_SIZE_LIMIT: usize = 16 * 1024 * 1024;

/// The disperser's configuration (TOML; every field optional, see each default).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DisperserConfig {
    /// gRPC listen address of `lamina.disperser.v1.Disperser`. Default: `0.0.0.0:32005`.
    pub grpc_listen: SocketAddr,
    /// HTTP listen address for `GET /health` and `GET /metrics`. Default: `0.0.0.0:9105`.
    pub metrics_listen: SocketAddr,
    /// Directory of the RocksDB metadata (`<data_dir>/db`) and the default object store
    /// (`<data_dir>/objects`). Default: `./disperser-data`.
    pub data_dir: PathBuf,
    /// Ethereum JSON-RPC endpoint. Default: `http://127.0.0.1:8545`.
    pub rpc_url: String,
    /// `contracts/deployments/<chainid>.json` of the deployment to use. Default: none (required).
    pub deployment: PathBuf,
    /// The KZG SRS. Default: `SrsConfig::default()`.
    pub srs: SrsConfig,
    /// TLS: the certificate and key the gRPC server presents, the CA trusted by
    /// outgoing connections (https RPC URLs, operator sockets with `operator_tls`). Default: none (plaintext gRPC).
    pub tls: lamina_core::tls::TlsConfig,
    /// geth v3 ECDSA keystore: the disperser's StoreChunks signing identity and the
    /// `confirmBatch` sender (it must be a batch confirmer on-chain). Default: none (required).
    pub ecdsa_keystore: PathBuf,
    /// File holding the keystore password (exactly one of this and `password_env`). Default: none.
    pub password_file: Option<PathBuf>,
    /// Environment variable holding the keystore password. Default: none.
    pub password_env: Option<String>,
    /// When set, only this blob version is accepted (a devnet pins one); otherwise every
    /// version registered on-chain. Default: none.
    pub blob_version: Option<u16>,
    /// A batch is cut before the bytes one operator's StoreChunks can carry for its blobs
    /// would total more than this (`pipeline::max_operator_bytes`: each blob's
    /// certificate plus the frames of the most chunks one operator can be assigned,
    /// about the blob's size for large blobs, far more for tiny ones); every StoreChunks
    /// must fit one gRPC message (`lamina_proto::MAX_MESSAGE_SIZE`). Batches also span
    /// at most 5 quorums. Default: 15 MiB.
    pub batch_max_bytes: usize,
    /// ... or this long after its first blob arrived, in milliseconds. Default: 1000.
    pub batch_max_interval_ms: u64,
    /// Reference block = head − this many blocks (operator state must be settled there).
    /// With `anchor_on_chain`, `confirmBatch` accepts a reference block at most
    /// `LaminaServiceManager.BLOCK_STALE_MEASURE` blocks old (the deploy script's
    /// `DEVNET_STAKE_USE_WINDOW_BLOCKS` = 50), and the batch's signatures and the anchoring
    /// transaction must fit in what the delay leaves: at start the disperser reads that
    /// window and refuses a delay that leaves fewer than [`MIN_ANCHOR_BLOCKS`]
    /// ([`DisperserConfig::validate_against_chain`]). (EigenDA mainnet: 75 against a
    /// 300-block window.) Default: 15.
    pub reference_block_delay: u64,
    /// Time one operator gets to answer StoreChunks, in milliseconds. Default: 10000.
    pub node_timeout_ms: u64,
    /// Time a whole batch gets from first request to last answer, in milliseconds. Default: 30000.
    pub batch_timeout_ms: u64,
    /// Anchor every batch on-chain with `LaminaServiceManager.confirmBatch`. Default: false.
    pub anchor_on_chain: bool,
    /// Per-account limit in blob bytes per second; 0 = unlimited. Default: 64 MiB/s.
    pub rate_limit_bytes_per_sec: u64,
    /// Per-account limit in blobs per second; 0 = unlimited. Default: 100.
    pub rate_limit_blobs_per_sec: u64,
    /// Per-client-address limit in blob bytes per second, over `DisperseBlob` and
    /// `GetBlobCommitment` together (IPv6 clients counted per /64); 0 = unlimited. It stops
    /// one host from sidestepping the per-account limit with fresh accounts, so it sits
    /// well below what one account may send. Default: 16 MiB/s.
    pub rate_limit_address_bytes_per_sec: u64,
    /// Per-client-address limit in requests (blobs or commitments) per second; 0 =
    /// unlimited. Default: 50.
    pub rate_limit_address_blobs_per_sec: u64,
    /// Accounts and client addresses each tracked by the rate limiter; beyond this the
    /// least recently seen is forgotten, so rotating accounts or addresses cannot grow
    /// memory without end. Default: 65536.
    pub rate_limit_tracked: usize,
    /// Commitment work (the MSMs of `GetBlobCommitment`, the commitment and length-proof
    /// checks of `DisperseBlob`) run at once, on a dedicated thread pool of this many
    /// threads; 0 = the number of CPU cores. Default: 0.
    pub commitment_slots: usize,
    /// Requests waiting for a commitment slot; beyond this they are refused with
    /// `RESOURCE_EXHAUSTED` and a `retry-after-ms`. Default: 8.
    pub commitment_queue: usize,
    /// Commitment slots kept for accounts with a paid reservation: other requests use at
    /// most `commitment_slots - reserved_commitment_slots`. A request is reserved when
    /// its blob was charged to the account's reservation (`[payments]` enabled); with
    /// payments disabled nothing is reserved and a non-zero value only withholds slots.
    /// Default: 0.
    pub reserved_commitment_slots: usize,
    /// Slots of the separate pool `GetBlobCommitment` runs on. It is unauthenticated (a
    /// convenience for clients without an SRS), so it never shares the slots or the queue
    /// that `DisperseBlob`'s commitment checks wait in: a flood of lookups cannot refuse or
    /// delay a dispersal. Default: 1.
    pub lookup_commitment_slots: usize,
    /// Requests waiting for a `GetBlobCommitment` slot; beyond this they are refused with
    /// `RESOURCE_EXHAUSTED` and a `retry-after-ms`. Default: 2.
    pub lookup_commitment_queue: usize,
    /// Longest a gRPC request may take before the server cancels it, in milliseconds. Covers a 16 MiB commitment check on a busy machine. Default: 120000.
    pub grpc_request_timeout_ms: u64,
    /// gRPC requests served at once over all connections; more wait for a slot (each
    /// then under `grpc_request_timeout_ms`). Default: 256.
    pub grpc_max_concurrent_requests: usize,
    /// Concurrent requests (HTTP/2 streams) per connection. Default: 32.
    pub grpc_max_concurrent_streams: u32,
    /// Blobs accepted but not yet terminal before DisperseBlob answers `RESOURCE_EXHAUSTED`
    /// with a `retry-after-ms`. Default: 256.
    pub queue_capacity: usize,
    /// Largest blob accepted, in bytes (at most 16 MiB). Default: 16 MiB.
    pub max_blob_size: usize,
    /// Blobs encoded at once in process (each encode also uses all cores through
    /// rayon); ignored with remote encoders, whose capacities add up. Default: 2.
    pub encoding_concurrency: usize,
    /// Remote encoders (`[encoder_pool]`, [`crate::encoder_pool`]): none by default, and
    /// blobs are encoded in this process.
    pub encoder_pool: crate::encoder_pool::EncoderPoolConfig,
    /// Times a blob may be (re)started across restarts before it ends `FAILED`. Default: 3.
    pub max_attempts: u32,
    /// Seconds a COMPLETE blob's bytes stay available through `GetBlob` (for
    /// retrievers' fast path); 0 drops them once the blob is certified. Default: 14 days,
    /// as long as the nodes keep chunks.
    pub blob_retention_secs: u64,
    /// Payments (`[payments]`): every blob is metered against the `PaymentVault`'s
    /// reservations and on-demand deposits ([`crate::payments`]). Default: enabled.
    pub payments: PaymentsConfig,
    /// The web console on `metrics_listen` (`[console]`: `enabled`, page sizes, refresh).
    /// Default: enabled, 25 items per page, at most 200, pages poll every 2 s.
    pub console: lamina_console::ConsoleConfig,
    /// Where blob bytes live (`[objects]`: `dir = "…"` or an `[objects.s3]` table).
    /// Default: none, meaning `dir = "<data_dir>/objects"` ([`Self::objects`]).
    pub objects: Option<lamina_storage::ObjectStoreConfig>,
    /// What this process runs ([`Role`]): everything (the default), only the API
    /// (`DisperseBlob` and reads; any number behind a load balancer), or only the
    /// controller (encoding, batching, dispatch; one acts at a time, under a lease in the
    /// metadata database). The split roles share a PostgreSQL metadata database and an
    /// object store.
    pub role: Role,
    /// Seconds a controller's lease lasts unrenewed ([`crate::lease`]): how long a
    /// standby waits after the active controller dies. Renewed every third. Default: 10.
    pub controller_lease_secs: u64,
    /// The metadata database (`[metadata]`: `backend = "rocksdb"` or `"postgres"` with
    /// `url` / `url_env`). Default: RocksDB under `<data_dir>/db`.
    pub metadata: crate::metadata::MetadataConfig,
}

/// Which parts of the disperser a process runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The API and the controller in one process (the default; any metadata backend).
    #[default]
    All,
    /// `DisperseBlob`, `GetBlobStatus`, `GetBlob`, `GetBlobCommitment` and the console:
    /// accepts blobs (object store, then QUEUED in the metadata database) and reads.
    Api,
    /// Claims QUEUED blobs, encodes (in process or on the encoder pool), batches,
    /// dispatches, aggregates, records certificates, anchors, expires kept blobs.
    Controller,
}

impl Default for DisperserConfig {
    fn default() -> Self {
        Self {
            grpc_listen: SocketAddr::from(([0, 0, 0, 0], 32005)),
            metrics_listen: SocketAddr::from(([0, 0, 0, 0], 9105)),
            data_dir: PathBuf::from("./disperser-data"),
            rpc_url: "http://127.0.0.1:8545".into(),
            deployment: PathBuf::new(),
            srs: SrsConfig::default(),
            tls: lamina_core::tls::TlsConfig::default(),
            ecdsa_keystore: PathBuf::new(),
            password_file: None,
            password_env: None,
            blob_version: None,
            batch_max_bytes: 15 * 1024 * 1024,
            batch_max_interval_ms: 1000,
            reference_block_delay: DEFAULT_REFERENCE_BLOCK_DELAY,
            node_timeout_ms: 10_000,
            batch_timeout_ms: 30_000,
            anchor_on_chain: false,
            rate_limit_bytes_per_sec: 64 * 1024 * 1024,
            rate_limit_blobs_per_sec: 100,
            rate_limit_address_bytes_per_sec: 16 * 1024 * 1024,
            rate_limit_address_blobs_per_sec: 50,
            rate_limit_tracked: 65_536,
            commitment_slots: 0,
            commitment_queue: 8,
            reserved_commitment_slots: 0,
            lookup_commitment_slots: 1,
            lookup_commitment_queue: 2,
            grpc_request_timeout_ms: 120_000,
            grpc_max_concurrent_requests: 256,
            grpc_max_concurrent_streams: 32,
            queue_capacity: 256,
            max_blob_size: MAX_BLOB_SIZE_LIMIT,
            encoding_concurrency: 2,
            max_attempts: 3,
            blob_retention_secs: 14 * 24 * 3600,
            payments: PaymentsConfig::default(),
            console: lamina_console::ConsoleConfig::default(),
            encoder_pool: crate::encoder_pool::EncoderPoolConfig::default(),
            objects: None,
            metadata: crate::metadata::MetadataConfig::default(),
            role: Role::All,
            controller_lease_secs: 10,
        }
    }
}

fn invalid(field: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// Default `reference_block_delay`: leaves 35 of the deployed 50-block `BLOCK_STALE_MEASURE`
/// for a batch (30 s `batch_timeout_ms` at the devnet's 1 s blocks) and its `confirmBatch`.
pub const DEFAULT_REFERENCE_BLOCK_DELAY: u64 = 15;

/// Blocks that must remain, after `reference_block_delay`, of `confirmBatch`'s window for a
/// batch's signatures and its anchoring transaction.
pub const MIN_ANCHOR_BLOCKS: u64 = 5;

impl DisperserConfig {
    /// Checks the fields that depend on the deployed contracts: with `anchor_on_chain`,
    /// `reference_block_delay + MIN_ANCHOR_BLOCKS` must not exceed `block_stale_measure`
    /// (`LaminaServiceManager.BLOCK_STALE_MEASURE`), or every `confirmBatch` reverts with
    /// `ReferenceBlockTooOld`.
    pub fn validate_against_chain(&self, block_stale_measure: u64) -> Result<(), ConfigError> {
        if self.anchor_on_chain
            && self.reference_block_delay.saturating_add(MIN_ANCHOR_BLOCKS) > block_stale_measure
        {
            return Err(invalid(
                "reference_block_delay",
                format!(
                    "{} blocks leaves fewer than {MIN_ANCHOR_BLOCKS} blocks of the service manager's \
                     BLOCK_STALE_MEASURE ({block_stale_measure}) for confirmBatch; set at most {}",
                    self.reference_block_delay,
                    block_stale_measure.saturating_sub(MIN_ANCHOR_BLOCKS)
                ),
            ));
        }
        Ok(())
    }

    /// The password source, if exactly one is configured.
    pub fn password_source(&self) -> Result<PasswordSource, ConfigError> {
        match (&self.password_file, &self.password_env) {
            (Some(file), None) => Ok(PasswordSource::File(file.clone())),
            (None, Some(var)) => Ok(PasswordSource::Env(var.clone())),
            (Some(_), Some(_)) => Err(invalid(
                "password_file",
                "set either password_file or password_env, not both",
            )),
            (None, None) => Err(invalid(
                "password_file",
                "set password_file or password_env",
            )),
        }
    }

    /// Parses a TOML document.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| invalid("(file)", e.to_string()))
    }

    /// The TOML form of this configuration.
    pub fn to_toml(&self) -> Result<String, ConfigError> {
        toml::to_string(self).map_err(|e| invalid("(file)", e.to_string()))
    }

    /// Checks every field, naming the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Err(e) = self.console.validate() {
            return Err(invalid("console", e.to_string()));
        }
        if let Err(e) = self.objects().validate() {
            return Err(invalid("objects", e.to_string()));
        }
        self.metadata.validate()?;
        if self.deployment.as_os_str().is_empty() {
            return Err(invalid(
                "deployment",
                "set the path of contracts/deployments/<chainid>.json",
            ));
        }
        if self.ecdsa_keystore.as_os_str().is_empty() {
            return Err(invalid("ecdsa_keystore", "set the ECDSA keystore file"));
        }
        self.password_source()?;
        if !self.rpc_url.starts_with("http://") && !self.rpc_url.starts_with("https://") {
            return Err(invalid(
                "rpc_url",
                format!("{:?} is not an http(s) URL", self.rpc_url),
            ));
        }
        if self.max_blob_size < 32 || self.max_blob_size > MAX_BLOB_SIZE_LIMIT {
            return Err(invalid(
                "max_blob_size",
                format!(
                    "{} bytes; must be between 32 and {MAX_BLOB_SIZE_LIMIT}",
                    self.max_blob_size
                ),
            ));
        }
        let positive = [
            ("batch_max_bytes", self.batch_max_bytes as u64),
            ("batch_max_interval_ms", self.batch_max_interval_ms),
            ("node_timeout_ms", self.node_timeout_ms),
            ("batch_timeout_ms", self.batch_timeout_ms),
            ("queue_capacity", self.queue_capacity as u64),
            ("encoding_concurrency", self.encoding_concurrency as u64),
            ("max_attempts", u64::from(self.max_attempts)),
            ("controller_lease_secs", self.controller_lease_secs),
            ("rate_limit_tracked", self.rate_limit_tracked as u64),
            ("grpc_request_timeout_ms", self.grpc_request_timeout_ms),
            (
                "grpc_max_concurrent_requests",
                self.grpc_max_concurrent_requests as u64,
            ),
            (
                "grpc_max_concurrent_streams",
                u64::from(self.grpc_max_concurrent_streams),
            ),
        ];
        if let Some((field, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(invalid(field, "must be at least 1"));
        }
        self.payments.validate()?;
        self.encoder_pool.validate()?;
        if self.role != Role::All
            && self.metadata.backend == crate::metadata::MetadataBackend::Rocksdb
        {
            return Err(ConfigError::Invalid {
                field: "role",
                reason: format!(
                    "role {:?} runs beside other disperser processes, which RocksDB (one \
                     process's files) cannot serve: set [metadata] backend = \"postgres\", \
                     or role = \"all\"",
                    self.role
                ),
            });
        }
        if self.batch_timeout_ms < self.node_timeout_ms {
            return Err(invalid(
                "batch_timeout_ms",
                format!(
                    "{} ms is below node_timeout_ms {} ms",
                    self.batch_timeout_ms, self.node_timeout_ms
                ),
            ));
        }
        if self.lookup_commitment_slots == 0 {
            return Err(invalid(
                "lookup_commitment_slots",
                "0 would refuse every GetBlobCommitment".to_owned(),
            ));
        }
        let slots = self.commitment_slots();
        if self.reserved_commitment_slots >= slots {
            return Err(invalid(
                "reserved_commitment_slots",
                format!(
                    "{} leaves none of the {slots} commitment slots for other requests",
                    self.reserved_commitment_slots
                ),
            ));
        }
        Ok(())
    }

    /// `commitment_slots`, with 0 resolved to the number of CPU cores.
    pub fn commitment_slots(&self) -> usize {
        match self.commitment_slots {
            0 => std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            n => n,
        }
    }

    /// `grpc_request_timeout_ms` as a duration.
    pub fn grpc_request_timeout(&self) -> Duration {
        Duration::from_millis(self.grpc_request_timeout_ms)
    }

    /// `batch_max_interval_ms` as a duration.
    pub fn batch_max_interval(&self) -> Duration {
        Duration::from_millis(self.batch_max_interval_ms)
    }

    /// `node_timeout_ms` as a duration.
    pub fn node_timeout(&self) -> Duration {
        Duration::from_millis(self.node_timeout_ms)
    }

    /// `batch_timeout_ms` as a duration.
    pub fn batch_timeout(&self) -> Duration {
        Duration::from_millis(self.batch_timeout_ms)
    }

    /// Where RocksDB lives.
    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("db")
    }

    /// [`Self::controller_lease_secs`] as a duration.
    pub fn controller_lease(&self) -> Duration {
        Duration::from_secs(self.controller_lease_secs)
    }

    /// The object store of blob bytes: `objects`, else `<data_dir>/objects`.
    pub fn objects(&self) -> lamina_storage::ObjectStoreConfig {
        self.objects.clone().unwrap_or_else(|| {
            lamina_storage::ObjectStoreConfig::Dir(self.data_dir.join("objects"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> DisperserConfig {
        DisperserConfig {
            deployment: "deployments/31337.json".into(),
            ecdsa_keystore: "key.json".into(),
            password_file: Some("pw".into()),
            ..DisperserConfig::default()
        }
    }

    #[test]
    fn toml_round_trip_and_defaults() {
        let c = valid();
        c.validate().expect("valid");
        let text = c.to_toml().expect("serializes");
        assert_eq!(DisperserConfig::from_toml(&text).expect("parses"), c);
        let partial = DisperserConfig::from_toml(
            "deployment = \"d.json\"\nbatch_max_interval_ms = 250\necdsa_keystore = \"k\"\npassword_env = \"PW\"\n",
        )
        .expect("parses");
        assert_eq!(partial.batch_max_interval(), Duration::from_millis(250));
        assert_eq!(partial.queue_capacity, 256);
        partial.validate().expect("valid");
    }

    /// The deploy script's `DEVNET_STAKE_USE_WINDOW_BLOCKS` (`BLOCK_STALE_MEASURE`).
    const DEPLOYED_BLOCK_STALE_MEASURE: u64 = 50;

    #[test]
    fn default_delay_fits_the_deployed_window_with_anchoring() {
        let mut c = valid();
        c.anchor_on_chain = true;
        c.validate_against_chain(DEPLOYED_BLOCK_STALE_MEASURE)
            .expect("the default delay fits the deployed window");
        c.reference_block_delay = 75; // the old default
        let err = c
            .validate_against_chain(DEPLOYED_BLOCK_STALE_MEASURE)
            .expect_err("75 blocks cannot be anchored within 50");
        assert!(
            err.to_string().contains("reference_block_delay")
                && err.to_string().contains("at most 45"),
            "{err}"
        );
        c.reference_block_delay = 45;
        c.validate_against_chain(DEPLOYED_BLOCK_STALE_MEASURE)
            .expect("45 + 5 = 50 fits");
        // Without anchoring, confirmBatch's window does not apply.
        c.anchor_on_chain = false;
        c.reference_block_delay = 75;
        c.validate_against_chain(DEPLOYED_BLOCK_STALE_MEASURE)
            .expect("no anchoring");
    }

    #[test]
    fn unknown_fields_and_bad_values_are_named() {
        let err = DisperserConfig::from_toml("bogus = 1").expect_err("unknown field");
        assert!(err.to_string().contains("bogus"), "{err}");
        let field = |c: DisperserConfig| match c.validate() {
            Err(ConfigError::Invalid { field, .. }) => field,
            Ok(()) => "ok",
        };
        assert_eq!(
            field(DisperserConfig {
                max_blob_size: 32 * 1024 * 1024,
                ..valid()
            }),
            "max_blob_size"
        );
        assert_eq!(
            field(DisperserConfig {
                queue_capacity: 0,
                ..valid()
            }),
            "queue_capacity"
        );
        assert_eq!(
            field(DisperserConfig {
                batch_timeout_ms: 1,
                ..valid()
            }),
            "batch_timeout_ms"
        );
        assert_eq!(
            field(DisperserConfig {
                deployment: PathBuf::new(),
                ..valid()
            }),
            "deployment"
        );
        let mut both = valid();
        both.password_env = Some("X".into());
        assert_eq!(field(both), "password_file");
        let mut half_postgres = valid();
        half_postgres.metadata.backend = crate::metadata::MetadataBackend::Postgres;
        assert_eq!(field(half_postgres), "metadata.url");
    }

    #[test]
    fn objects_and_metadata_tables_parse() {
        let c = DisperserConfig::from_toml(
            "deployment = \"d.json\"\necdsa_keystore = \"k\"\npassword_env = \"PW\"\n\
             data_dir = \"/var/lamina\"\n",
        )
        .expect("parses");
        assert_eq!(
            c.objects(),
            lamina_storage::ObjectStoreConfig::Dir("/var/lamina/objects".into()),
            "the default object store is under data_dir"
        );
        let c = DisperserConfig::from_toml(
            "deployment = \"d.json\"\necdsa_keystore = \"k\"\npassword_env = \"PW\"\n\
             [objects.s3]\nendpoint = \"http://127.0.0.1:9000\"\nbucket = \"blobs\"\nallow_http = true\n\
             [metadata]\nbackend = \"postgres\"\nurl_env = \"LAMINA_PG_URL\"\n",
        )
        .expect("parses");
        c.validate().expect("valid");
        assert!(matches!(
            c.objects(),
            lamina_storage::ObjectStoreConfig::S3(_)
        ));
        assert_eq!(
            DisperserConfig::from_toml(&c.to_toml().expect("serializes")).expect("parses"),
            c
        );
        let mut no_bucket = c;
        no_bucket.objects = Some(lamina_storage::ObjectStoreConfig::S3(
            lamina_storage::S3Config::default(),
        ));
        assert!(matches!(
            no_bucket.validate(),
            Err(ConfigError::Invalid {
                field: "objects",
                ..
            })
        ));
    }
}
