//! [`Devnet`]: a [`LocalChain`], provisioned operators and accounts, and supervised node,
//! disperser, retriever and rollup-proxy processes; `devnet.json` describes it once all
//! are healthy.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use alloy::primitives::Address;
use lamina_core::QuorumId;
use lamina_disperser::metadata::test_cluster::PgCluster;
use lamina_disperser::metadata::{MetadataBackend, MetadataConfig};
use lamina_disperser::{DisperserConfig, Role};
use lamina_node::NodeConfig;
use lamina_proxy::ProxyConfig;
use lamina_retriever::RetrieverConfig;
use serde::{Deserialize, Serialize};

use crate::config;
use crate::faults::{ByzantineProxy, Fault};
use crate::operators::{
    FundedAccount, OperatorSpec, ProvisionedOperator, account_key, default_stake,
    provision_account, provision_operators,
};
use crate::process::{DEFAULT_HEALTH_TIMEOUT, DEFAULT_STOP_GRACE, ServiceProcess, ServiceSpec};
use crate::{DevnetError, LocalChain, LocalChainOptions, ports};

/// Name of the description file in the data directory.
pub const DEVNET_JSON: &str = "devnet.json";
/// Default number of operators: 4.
pub const DEFAULT_OPERATORS: usize = 4;
/// Default blob version: 1 (64 chunks, rate 8, up to 8 operators; see the deploy script).
pub const DEFAULT_BLOB_VERSION: u16 = 1;
/// Default key seed.
pub const DEFAULT_SEED: u64 = 0x001a_317a;
/// Blocks between the head and the disperser's reference block on a devnet (one block a
/// second, plus one per transaction).
pub const DEVNET_REFERENCE_BLOCK_DELAY: u64 = 2;
/// The devnet client's reservation: 2^16 symbols/s (2 MiB/s) on quorums 0 and 1, from the
/// epoch to the end of time (a devnet never outlives it).
pub const DEVNET_CLIENT_RESERVATION_SYMBOLS_PER_SECOND: u64 = 1 << 16;
/// The devnet client's on-demand deposit: 1 ETH, 10⁹ symbols (32 GB) at the devnet's
/// 1 gwei per symbol.
pub const DEVNET_CLIENT_DEPOSIT_WEI: u128 = 1_000_000_000_000_000_000;

/// The disperser's per-client-address byte limit on a devnet (128 MiB/s): every client
/// there shares 127.0.0.1.
const DEVNET_ADDRESS_BYTES_PER_SEC: u64 = 128 * 1024 * 1024;
/// The disperser's per-client-address request limit on a devnet.
const DEVNET_ADDRESS_BLOBS_PER_SEC: u64 = 200;
/// Default largest blob of a devnet: 2^15 symbols (1 MiB), so every service loads its
/// SRS in about a second; raise it (up to 2^19, 16 MiB) for bigger blobs.
pub const DEFAULT_MAX_BLOB_SYMBOLS: u32 = 1 << 15;
/// At most this many operators: the deploy script's per-quorum cap (`MAX_OPERATOR_COUNT`).
/// The blob version the devnet disperses with caps it further (its `max_num_operators`:
/// 8 for version 1, 3537 for version 0), see [`DevnetOptions::validate`].
pub const MAX_OPERATORS: usize = 200;

/// Where a devnet keeps its disperser's objects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ObjectStoreKind {
    /// A directory of the devnet (`objects/`).
    #[default]
    Dir,
    /// A bucket of a local S3-compatible server (`s3s-fs`, serving the devnet's `s3/`).
    S3,
}

/// The devnet's S3 bucket and the throwaway server's credentials.
const S3_BUCKET: &str = "lamina";
const S3_ACCESS_KEY: &str = "lamina-devnet-access";
const S3_SECRET_KEY: &str = "lamina-devnet-secret";

/// What [`Devnet::start`] brings up.
#[derive(Clone, Debug)]
pub struct DevnetOptions {
    /// The `lamina` binary that runs every service (`lamina <role> run --config FILE`).
    pub lamina_bin: PathBuf,
    /// Data directory: logs, keys, configs, service databases, `devnet.json`.
    pub data_dir: PathBuf,
    /// Number of operators (and nodes). Default 4.
    pub operators: usize,
    /// Quorums each operator registers for. Default `[0, 1]` (both required by the contracts).
    pub quorums: Vec<QuorumId>,
    /// Blob version the disperser uses (and clients send by default). Default 1. Its
    /// `max_num_operators` bounds [`DevnetOptions::operators`]: the disperser could assign
    /// none of its blobs over more operators.
    pub blob_version: u16,
    /// The disperser accepts only [`DevnetOptions::blob_version`] (default true); false:
    /// every version registered on-chain (a test sending blobs of another version).
    pub pin_blob_version: bool,
    /// Stake per operator in whole test tokens (same in every quorum); empty for
    /// [`default_stake`] (unequal, and different between quorums).
    pub stakes: Vec<u64>,
    /// Seed of every key. Default [`DEFAULT_SEED`].
    pub seed: u64,
    /// Chain id; `None` for a fresh one.
    pub chain_id: Option<u64>,
    /// Start a node per operator. Default true.
    pub with_nodes: bool,
    /// Start the disperser. Default true.
    pub with_disperser: bool,
    /// API-server processes (`role = "api"`) in front of one controller process (`role =
    /// "controller"`), sharing the metadata database (which must then be PostgreSQL) and
    /// the object store. Default 0: one disperser process runs everything.
    pub api_servers: usize,
    /// The disperser's metadata database: RocksDB in its data directory (the default), or
    /// a throwaway PostgreSQL cluster the devnet starts and stops.
    pub metadata: MetadataBackend,
    /// The object store the disperser's processes and encoders share: a directory of the
    /// devnet (the default), or a bucket of a throwaway S3 server (`s3s-fs`) the devnet
    /// starts and stops.
    pub object_store: ObjectStoreKind,
    /// Remote encoder processes (`lamina encoder run`) the disperser sends its blobs to,
    /// over one object store on the devnet's disk. Default 0: the disperser encodes in
    /// its own process.
    pub encoders: usize,
    /// Start the retriever. Default true.
    pub with_retriever: bool,
    /// Merged into every node's config.
    pub node_config: toml::Table,
    /// Merged into node `i`'s config after `node_config`.
    pub per_node_config: BTreeMap<usize, toml::Table>,
    /// Merged into the disperser's config.
    pub disperser_config: toml::Table,
    /// Merged into the retriever's config.
    pub retriever_config: toml::Table,
    /// Start the rollup proxy (`lamina proxy run`, OP alt-DA routes) once the disperser
    /// and the retriever are up; only with the disperser (it writes through it). Default
    /// true.
    pub with_proxy: bool,
    /// Merged into the proxy's config.
    pub proxy_config: toml::Table,
    /// How long each service gets to become healthy.
    pub health_timeout: Duration,
    /// Largest blob in symbols the nodes accept, the disperser takes and the retriever
    /// can rebuild: it sizes the SRS each service loads at startup, which dominates the
    /// start time (each loads `max_blob_symbols` G1 points; the disperser also twice as
    /// many G2 points). Default
    /// [`DEFAULT_MAX_BLOB_SYMBOLS`] (2^15 symbols, 1 MiB blobs).
    pub max_blob_symbols: u32,
    /// Byzantine operators: node `i` runs normally behind a [`ByzantineProxy`] that its
    /// on-chain socket points to, which falsifies retrieval answers as the fault says.
    pub byzantine: BTreeMap<usize, Fault>,
}

impl DevnetOptions {
    /// Defaults: 4 operators in quorums 0 and 1, blob version 1, every service. The
    /// services run `lamina_bin`, or the binary `LAMINA_BIN` names when it is set (a run
    /// against a copy, or a build other than the caller's).
    pub fn new(lamina_bin: impl Into<PathBuf>, data_dir: impl Into<PathBuf>) -> Self {
        let lamina_bin =
            std::env::var_os("LAMINA_BIN").map_or_else(|| lamina_bin.into(), PathBuf::from);
        Self {
            lamina_bin,
            data_dir: data_dir.into(),
            operators: DEFAULT_OPERATORS,
            quorums: vec![0, 1],
            blob_version: DEFAULT_BLOB_VERSION,
            pin_blob_version: true,
            stakes: Vec::new(),
            seed: DEFAULT_SEED,
            chain_id: None,
            with_nodes: true,
            with_disperser: true,
            encoders: 0,
            api_servers: 0,
            metadata: MetadataBackend::Rocksdb,
            object_store: ObjectStoreKind::Dir,
            with_retriever: true,
            node_config: toml::Table::new(),
            per_node_config: BTreeMap::new(),
            disperser_config: toml::Table::new(),
            retriever_config: toml::Table::new(),
            with_proxy: true,
            proxy_config: toml::Table::new(),
            health_timeout: DEFAULT_HEALTH_TIMEOUT,
            byzantine: BTreeMap::new(),
            max_blob_symbols: DEFAULT_MAX_BLOB_SYMBOLS,
        }
    }

    /// Checks ranges, naming the bad option.
    pub fn validate(&self) -> Result<(), DevnetError> {
        let params = lamina_encoding::BlobParams::version(self.blob_version).map_err(|_| {
            DevnetError::InvalidOption {
                field: "blob_version",
                reason: format!(
                    "{} is not deployed on a devnet (versions 0 and 1 are)",
                    self.blob_version
                ),
            }
        })?;
        // The version the devnet disperses with must be assignable over its operators,
        // or every blob would fail; 9+ operators need version 0.
        let max = MAX_OPERATORS.min(params.max_num_operators as usize);
        if self.operators == 0 || self.operators > max {
            return Err(DevnetError::InvalidOption {
                field: "operators",
                reason: format!(
                    "{} not in 1..={max} (blob version {} allows at most {} operators, \
                     the deployment {MAX_OPERATORS} per quorum)",
                    self.operators, self.blob_version, params.max_num_operators
                ),
            });
        }
        if self.quorums.is_empty() {
            return Err(DevnetError::InvalidOption {
                field: "quorums",
                reason: "empty".into(),
            });
        }
        if !self.stakes.is_empty() && self.stakes.len() != self.operators {
            return Err(DevnetError::InvalidOption {
                field: "stakes",
                reason: format!(
                    "{} stakes for {} operators",
                    self.stakes.len(),
                    self.operators
                ),
            });
        }
        if let Some(i) = self.byzantine.keys().find(|&&i| i >= self.operators) {
            return Err(DevnetError::InvalidOption {
                field: "byzantine",
                reason: format!("operator {i} of {}", self.operators),
            });
        }
        if !self.max_blob_symbols.is_power_of_two()
            || self.max_blob_symbols as usize > lamina_encoding::MAX_BLOB_SYMBOLS
        {
            return Err(DevnetError::InvalidOption {
                field: "max_blob_symbols",
                reason: format!(
                    "{} is not a power of two up to {}",
                    self.max_blob_symbols,
                    lamina_encoding::MAX_BLOB_SYMBOLS
                ),
            });
        }
        if self.api_servers > 0 && self.metadata != MetadataBackend::Postgres {
            return Err(DevnetError::InvalidOption {
                field: "api_servers",
                reason: "separate API servers share the controller's metadata database, which \
                         takes PostgreSQL (metadata = postgres)"
                    .into(),
            });
        }
        if self.stakes.contains(&0) {
            return Err(DevnetError::InvalidOption {
                field: "stakes",
                reason: "a stake of 0 is below the minimum stake of 1".into(),
            });
        }
        if (self.with_disperser || self.with_retriever || self.with_nodes)
            && !self.lamina_bin.is_file()
        {
            return Err(DevnetError::ToolMissing {
                tool: "lamina",
                path: self.lamina_bin.clone(),
                env: "LAMINA_BIN",
            });
        }
        Ok(())
    }

    fn operator_specs(&self, grpc: &[SocketAddr]) -> Vec<OperatorSpec> {
        grpc.iter()
            .enumerate()
            .map(|(i, &grpc_addr)| OperatorSpec {
                stakes: self
                    .quorums
                    .iter()
                    .map(|&q| {
                        let stake = match self.stakes.get(i) {
                            Some(&tokens) => {
                                alloy::primitives::U256::from(tokens)
                                    * alloy::primitives::U256::from(crate::operators::TOKEN)
                            }
                            None => default_stake(i, self.operators, q),
                        };
                        (q, stake)
                    })
                    .collect(),
                quorums: self.quorums.clone(),
                grpc_addr,
            })
            .collect()
    }
}

/// One node in `devnet.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfo {
    /// Position (0-based).
    pub index: usize,
    /// gRPC `host:port` (also the on-chain socket).
    pub endpoint: String,
    /// Metrics and health `host:port`; also the node page (`http://host:port/`).
    pub metrics: String,
    /// Operator id, 0x-hex.
    pub operator_id: String,
    /// Operator address.
    pub address: Address,
    /// Process id (0 when not started).
    pub pid: u32,
    /// Its config file.
    pub config: PathBuf,
    /// Its log file.
    pub log: PathBuf,
}

/// `devnet.json`: everything a client needs to use the devnet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevnetInfo {
    /// JSON-RPC URL of anvil.
    pub rpc_url: String,
    /// Chain id.
    pub chain_id: u64,
    /// Every contract by snake_case name (`cert_verifier`, `service_manager`, ...).
    pub contracts: BTreeMap<String, Address>,
    /// The address file services read (`deployment` in their configs).
    pub deployment: PathBuf,
    /// Disperser gRPC `host:port`, if running.
    pub disperser: Option<String>,
    /// Retriever gRPC `host:port`, if running.
    pub retriever: Option<String>,
    /// The rollup proxy's base URL (`http://host:port`: `POST /put`, `GET /get/0x...`),
    /// if running.
    #[serde(default)]
    pub proxy: Option<String>,
    /// The disperser's web console (`http://host:port`: blobs, batches, operators;
    /// JSON under `/api/v1`), if the disperser runs.
    #[serde(default)]
    pub console: Option<String>,
    /// Every API server's gRPC `host:port` when the disperser is split (`disperser` is the
    /// first); empty when one process runs everything.
    #[serde(default)]
    pub api_servers: Vec<String>,
    /// Remote encoders' gRPC `host:port` (empty: the disperser encodes in process).
    #[serde(default)]
    pub encoders: Vec<String>,
    /// The nodes.
    pub nodes: Vec<NodeInfo>,
    /// A funded client key: one line of 0x-hex.
    pub client_key: PathBuf,
    /// The same key as a geth v3 keystore.
    pub client_keystore: PathBuf,
    /// The keystore's password file.
    pub client_password_file: PathBuf,
    /// The disperser's account (StoreChunks signer, the only batch confirmer): derived
    /// from the devnet's seed, never one of anvil's well-known keys.
    pub disperser_address: Address,
    /// Quorums the operators registered for.
    pub quorums: Vec<QuorumId>,
    /// Blob version in use.
    pub blob_version: u16,
    /// Process ids: `anvil`, `disperser`, `retriever`, and `supervisor` (the process that
    /// owns the devnet; `lamina devnet down` signals it).
    pub pids: BTreeMap<String, u32>,
    /// The data directory.
    pub data_dir: PathBuf,
}

impl DevnetInfo {
    /// Reads `<data_dir>/devnet.json`.
    pub fn load(data_dir: &Path) -> Result<Self, DevnetError> {
        let path = data_dir.join(DEVNET_JSON);
        let text = std::fs::read_to_string(&path).map_err(DevnetError::io("read", &path))?;
        serde_json::from_str(&text).map_err(|e| DevnetError::Format {
            what: "devnet.json",
            reason: e.to_string(),
        })
    }

    /// A client of this devnet: its disperser, retriever, chain, contracts (from the
    /// deployment file), blob version and quorums; everything else the client's defaults.
    pub fn client_config(&self) -> Result<lamina_client::ClientConfig, lamina_client::ClientError> {
        let disperser =
            self.disperser
                .clone()
                .ok_or_else(|| lamina_client::ClientError::Config {
                    field: "disperser",
                    reason: "the devnet runs no disperser".into(),
                })?;
        lamina_client::ClientConfig {
            disperser,
            retriever: self.retriever.clone(),
            rpc_url: self.rpc_url.clone(),
            blob_version: self.blob_version,
            quorums: self.quorums.clone(),
            ..lamina_client::ClientConfig::default()
        }
        .with_deployment_file(&self.deployment)
    }
}

/// A running service's addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceAddrs {
    /// gRPC.
    pub grpc: SocketAddr,
    /// Health and metrics.
    pub metrics: SocketAddr,
}

impl ServiceAddrs {
    fn fresh() -> Result<Self, DevnetError> {
        Ok(Self {
            grpc: ports::free_loopback_addr()?,
            metrics: ports::free_loopback_addr()?,
        })
    }
}

/// A whole network on loopback. Dropping it kills every process (anvil last).
#[must_use = "the devnet is torn down when this is dropped"]
#[derive(Debug)]
pub struct Devnet {
    // Field order is drop order: services before the chain they talk to.
    nodes: Vec<ServiceProcess>,
    proxies: BTreeMap<usize, ByzantineProxy>,
    /// Where each node's gRPC server binds: its registered socket, or a private port
    /// behind its Byzantine proxy.
    node_listen: Vec<SocketAddr>,
    disperser: Option<ServiceProcess>,
    api_servers: Vec<ServiceProcess>,
    encoders: Vec<ServiceProcess>,
    retriever: Option<ServiceProcess>,
    rollup_proxy: Option<ServiceProcess>,
    operators: Vec<ProvisionedOperator>,
    client: FundedAccount,
    disperser_account: FundedAccount,
    node_addrs: Vec<ServiceAddrs>,
    disperser_addrs: ServiceAddrs,
    api_addrs: Vec<ServiceAddrs>,
    encoder_addrs: Vec<ServiceAddrs>,
    retriever_addrs: ServiceAddrs,
    /// The rollup proxy's HTTP address (routes, health and metrics on one port).
    rollup_proxy_addr: SocketAddr,
    options: DevnetOptions,
    info: DevnetInfo,
    started_in: Duration,
    /// The metadata database's cluster, when PostgreSQL (stopped after the services).
    postgres: Option<(PgCluster, String)>,
    /// The S3 server and its address, when the object store is a bucket.
    s3: Option<(ServiceProcess, SocketAddr)>,
    chain: LocalChain,
}

/// A typed config as a TOML table, with `overrides` merged in.
fn typed_table<T: Serialize>(
    config: &T,
    overrides: &toml::Table,
) -> Result<toml::Table, DevnetError> {
    let mut table = toml::Table::try_from(config).map_err(|e| DevnetError::Format {
        what: "service config",
        reason: e.to_string(),
    })?;
    config::merge(&mut table, overrides);
    Ok(table)
}

/// Removes what a previous devnet left in `data_dir` (only the devnet's own entries).
fn clear_data_dir(data_dir: &Path) -> Result<(), DevnetError> {
    for entry in [
        "logs",
        "operators",
        "nodes",
        "disperser",
        "encoders",
        "objects",
        "s3",
        "retriever",
        "proxy",
        "client",
        "deployments",
        "configs",
        DEVNET_JSON,
    ] {
        let path = data_dir.join(entry);
        if path.is_dir() {
            std::fs::remove_dir_all(&path).map_err(DevnetError::io("remove", &path))?;
        } else if path.exists() {
            std::fs::remove_file(&path).map_err(DevnetError::io("remove", &path))?;
        }
    }
    Ok(())
}

impl Devnet {
    /// Starts everything and waits until every service is healthy, then writes
    /// `devnet.json`. A previous devnet's files in `data_dir` are removed first.
    pub async fn start(options: DevnetOptions) -> Result<Self, DevnetError> {
        let started = Instant::now();
        options.validate()?;
        let data_dir = &options.data_dir;
        std::fs::create_dir_all(data_dir).map_err(DevnetError::io("create", data_dir))?;
        let data_dir = data_dir
            .canonicalize()
            .map_err(DevnetError::io("resolve", data_dir))?;
        clear_data_dir(&data_dir)?;
        let mut options = options;
        options.data_dir = data_dir.clone();

        // The SRS (once per machine) while anvil starts and the operators register.
        let srs = crate::srs::ensure_development_srs(options.max_blob_symbols as usize);
        let chain = LocalChain::start(LocalChainOptions {
            chain_id: options.chain_id,
            ..LocalChainOptions::new(&data_dir)
        });
        let (chain, ()) = tokio::try_join!(chain, srs)?;
        let node_addrs = (0..options.operators)
            .map(|_| ServiceAddrs::fresh())
            .collect::<Result<Vec<_>, _>>()?;
        let disperser_addrs = ServiceAddrs::fresh()?;
        let api_addrs = (0..options.api_servers)
            .map(|_| ServiceAddrs::fresh())
            .collect::<Result<Vec<_>, _>>()?;
        let encoder_addrs = (0..options.encoders)
            .map(|_| ServiceAddrs::fresh())
            .collect::<Result<Vec<_>, _>>()?;
        let retriever_addrs = ServiceAddrs::fresh()?;
        let rollup_proxy_addr = ports::free_loopback_addr()?;

        // Operators, the client and the disperser account, all at once.
        let grpc: Vec<SocketAddr> = node_addrs.iter().map(|a| a.grpc).collect();
        let specs = options.operator_specs(&grpc);
        let operators_dir = data_dir.join("operators");
        let (operators, client, disperser_account) = tokio::try_join!(
            provision_operators(&chain, &operators_dir, options.seed, specs),
            async {
                provision_account(
                    &chain,
                    &data_dir.join("client"),
                    account_key(options.seed, "client", 0)?,
                )
                .await
            },
            async {
                let account = provision_account(
                    &chain,
                    &data_dir.join("disperser"),
                    account_key(options.seed, "disperser", 0)?,
                )
                .await?;
                chain
                    .connect(Some(chain.owner()))?
                    .set_batch_confirmer(account.address(), true)
                    .await?;
                Ok::<_, DevnetError>(account)
            },
        )?;

        // After the join: the owner's transactions go one at a time (nonces come from the
        // node for each).
        pay_for_client(&chain, &client).await?;

        let info = DevnetInfo {
            rpc_url: chain.rpc_url().to_owned(),
            chain_id: chain.chain_id(),
            contracts: chain.contracts().clone(),
            deployment: chain.deployment_path().to_path_buf(),
            // Clients talk to the API: the first API server when the disperser is split.
            disperser: options.with_disperser.then(|| {
                api_addrs
                    .first()
                    .map_or(disperser_addrs.grpc, |a| a.grpc)
                    .to_string()
            }),
            retriever: options
                .with_retriever
                .then(|| retriever_addrs.grpc.to_string()),
            proxy: (options.with_proxy && options.with_disperser)
                .then(|| format!("http://{rollup_proxy_addr}")),
            console: options.with_disperser.then(|| {
                format!(
                    "http://{}",
                    api_addrs
                        .first()
                        .map_or(disperser_addrs.metrics, |a| a.metrics)
                )
            }),
            api_servers: api_addrs.iter().map(|a| a.grpc.to_string()).collect(),
            encoders: encoder_addrs.iter().map(|a| a.grpc.to_string()).collect(),
            nodes: Vec::new(),
            client_key: client.hex_key_file.clone(),
            client_keystore: client.keystore.clone(),
            client_password_file: client.password_file.clone(),
            disperser_address: disperser_account.address(),
            quorums: options.quorums.clone(),
            blob_version: options.blob_version,
            pids: BTreeMap::new(),
            data_dir: data_dir.clone(),
        };
        let node_listen = node_addrs
            .iter()
            .enumerate()
            .map(|(i, a)| {
                if options.byzantine.contains_key(&i) {
                    ports::free_loopback_addr()
                } else {
                    Ok(a.grpc)
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut devnet = Self {
            nodes: Vec::new(),
            proxies: BTreeMap::new(),
            node_listen,
            disperser: None,
            api_servers: Vec::new(),
            encoders: Vec::new(),
            postgres: None,
            s3: None,
            retriever: None,
            rollup_proxy: None,
            operators,
            client,
            disperser_account,
            node_addrs,
            disperser_addrs,
            api_addrs,
            encoder_addrs,
            retriever_addrs,
            rollup_proxy_addr,
            options,
            info,
            started_in: Duration::ZERO,
            chain,
        };
        devnet.start_services().await?;
        devnet.started_in = started.elapsed();
        devnet.write_info()?;
        Ok(devnet)
    }

    async fn start_services(&mut self) -> Result<(), DevnetError> {
        let timeout = self.options.health_timeout;
        for (&i, &fault) in &self.options.byzantine {
            let proxy =
                ByzantineProxy::start(self.node_addrs[i].grpc, self.node_listen[i], fault).await?;
            self.proxies.insert(i, proxy);
        }
        if self.options.with_nodes {
            let mut nodes = Vec::with_capacity(self.operators.len());
            for i in 0..self.operators.len() {
                let config = self.node_config(i)?;
                let path = self.config_path(&format!("node-{i}"));
                config::write(&path, &config)?;
                nodes.push(ServiceProcess::spawn(ServiceSpec::lamina_role(
                    format!("node-{i}"),
                    &self.options.lamina_bin,
                    "node",
                    &path,
                    self.log_path(&format!("node-{i}")),
                    self.node_addrs[i].metrics,
                ))?);
            }
            futures::future::try_join_all(nodes.iter_mut().map(|n| n.wait_healthy(timeout)))
                .await?;
            self.nodes = nodes;
        }
        if self.options.with_disperser && self.options.metadata == MetadataBackend::Postgres {
            let cluster = PgCluster::start().map_err(|e| DevnetError::Postgres(e.to_string()))?;
            let url = cluster
                .fresh_database()
                .await
                .map_err(|e| DevnetError::Postgres(e.to_string()))?;
            self.postgres = Some((cluster, url));
        }
        if self.options.with_disperser && self.options.object_store == ObjectStoreKind::S3 {
            self.s3 = Some(self.start_s3().await?);
        }
        if self.options.with_disperser {
            // Before the disperser: it asks each encoder its capacity when it starts.
            let mut encoders = Vec::with_capacity(self.encoder_addrs.len());
            for i in 0..self.encoder_addrs.len() {
                let name = format!("encoder-{i}");
                let path = self.config_path(&name);
                config::write(&path, &self.encoder_config(i)?)?;
                encoders.push(ServiceProcess::spawn(ServiceSpec::lamina_role(
                    name.clone(),
                    &self.options.lamina_bin,
                    "encoder",
                    &path,
                    self.log_path(&name),
                    self.encoder_addrs[i].metrics,
                ))?);
            }
            futures::future::try_join_all(encoders.iter_mut().map(|e| e.wait_healthy(timeout)))
                .await?;
            self.encoders = encoders;
        }
        let mut services = Vec::new();
        if self.options.with_disperser {
            let path = self.config_path("disperser");
            config::write(&path, &self.disperser_config()?)?;
            services.push(ServiceProcess::spawn(ServiceSpec::lamina_role(
                "disperser",
                &self.options.lamina_bin,
                "disperser",
                &path,
                self.log_path("disperser"),
                self.disperser_addrs.metrics,
            ))?);
        }
        if self.options.with_retriever {
            let path = self.config_path("retriever");
            config::write(&path, &self.retriever_config()?)?;
            services.push(ServiceProcess::spawn(ServiceSpec::lamina_role(
                "retriever",
                &self.options.lamina_bin,
                "retriever",
                &path,
                self.log_path("retriever"),
                self.retriever_addrs.metrics,
            ))?);
        }
        if self.options.with_disperser {
            for i in 0..self.api_addrs.len() {
                let name = format!("disperser-api-{i}");
                let path = self.config_path(&name);
                config::write(&path, &self.api_server_config(i)?)?;
                services.push(ServiceProcess::spawn(ServiceSpec::lamina_role(
                    name.clone(),
                    &self.options.lamina_bin,
                    "disperser",
                    &path,
                    self.log_path(&name),
                    self.api_addrs[i].metrics,
                ))?);
            }
        }
        futures::future::try_join_all(services.iter_mut().map(|s| s.wait_healthy(timeout))).await?;
        for service in services {
            match service.name() {
                "disperser" => self.disperser = Some(service),
                "retriever" => self.retriever = Some(service),
                _ => self.api_servers.push(service),
            }
        }
        if self.options.with_proxy && self.options.with_disperser {
            // After the disperser and the retriever: the proxy's client reads the chain and
            // loads its SRS at startup, and its first requests go straight to them.
            let path = self.config_path("proxy");
            config::write(&path, &self.proxy_config()?)?;
            let mut proxy = ServiceProcess::spawn(ServiceSpec::lamina_role(
                "proxy",
                &self.options.lamina_bin,
                "proxy",
                &path,
                self.log_path("proxy"),
                self.rollup_proxy_addr,
            ))?;
            proxy.wait_healthy(timeout).await?;
            self.rollup_proxy = Some(proxy);
        }
        Ok(())
    }

    fn config_path(&self, name: &str) -> PathBuf {
        self.options
            .data_dir
            .join("configs")
            .join(format!("{name}.toml"))
    }

    fn log_path(&self, name: &str) -> PathBuf {
        self.options
            .data_dir
            .join("logs")
            .join(format!("{name}.log"))
    }

    /// Node `i`'s config (before it is written): a [`NodeConfig`] with the devnet's chain,
    /// ports and operator keys, merged with [`DevnetOptions::node_config`] and
    /// [`DevnetOptions::per_node_config`].
    pub fn node_config(&self, i: usize) -> Result<toml::Table, DevnetError> {
        let op = self.operators.get(i).ok_or(DevnetError::InvalidOption {
            field: "node index",
            reason: format!("{i} of {}", self.operators.len()),
        })?;
        let config = NodeConfig {
            grpc_listen: self.node_listen[i],
            metrics_listen: self.node_addrs[i].metrics,
            data_dir: self.options.data_dir.join("nodes").join(i.to_string()),
            rpc_url: self.chain.rpc_url().to_owned(),
            deployment: self.chain.deployment_path().to_path_buf(),
            max_blob_symbols: self.options.max_blob_symbols,
            bls_keystore: op.bls_keystore.clone(),
            ecdsa_keystore: op.ecdsa_keystore.clone(),
            password_file: Some(op.password_file.clone()),
            // The devnet's chain has its own id: opt in to the development SRS.
            srs: lamina_core::SrsConfig::insecure_development(),
            disperser_console_url: self.info.console.clone(),
            ..NodeConfig::default()
        };
        let mut table = typed_table(&config, &self.options.node_config)?;
        if let Some(extra) = self.options.per_node_config.get(&i) {
            config::merge(&mut table, extra);
        }
        Ok(table)
    }

    /// The disperser's config (before it is written), merged with
    /// [`DevnetOptions::disperser_config`]. Anchors every batch on-chain, and uses a
    /// reference block [`DEVNET_REFERENCE_BLOCK_DELAY`] behind the head: the devnet's
    /// chain starts a few dozen blocks before its operators register.
    pub fn disperser_config(&self) -> Result<toml::Table, DevnetError> {
        let config = DisperserConfig {
            grpc_listen: self.disperser_addrs.grpc,
            metrics_listen: self.disperser_addrs.metrics,
            data_dir: self.options.data_dir.join("disperser").join("db"),
            rpc_url: self.chain.rpc_url().to_owned(),
            deployment: self.chain.deployment_path().to_path_buf(),
            ecdsa_keystore: self.disperser_account.keystore.clone(),
            password_file: Some(self.disperser_account.password_file.clone()),
            blob_version: self
                .options
                .pin_blob_version
                .then_some(self.options.blob_version),
            reference_block_delay: DEVNET_REFERENCE_BLOCK_DELAY,
            anchor_on_chain: true,
            max_blob_size: self.options.max_blob_symbols as usize * 32,
            srs: lamina_core::SrsConfig::insecure_development(),
            // Every devnet client dials from 127.0.0.1, so one address stands for all of
            // them: its limit is what a whole test fleet sends, not one host's share.
            rate_limit_address_bytes_per_sec: DEVNET_ADDRESS_BYTES_PER_SEC,
            rate_limit_address_blobs_per_sec: DEVNET_ADDRESS_BLOBS_PER_SEC,
            objects: Some(self.objects()),
            role: if self.api_addrs.is_empty() {
                Role::All
            } else {
                Role::Controller
            },
            metadata: self.metadata(),
            encoder_pool: lamina_disperser::encoder_pool::EncoderPoolConfig {
                endpoints: self.info.encoders.clone(),
                ..Default::default()
            },
            ..DisperserConfig::default()
        };
        typed_table(&config, &self.options.disperser_config)
    }

    /// API server `i`'s config: the disperser's, as `role = "api"` on its own ports and
    /// data directory.
    pub fn api_server_config(&self, i: usize) -> Result<toml::Table, DevnetError> {
        let addrs = self.api_addrs.get(i).ok_or(DevnetError::InvalidOption {
            field: "API server index",
            reason: format!("{i} of {}", self.api_addrs.len()),
        })?;
        let mut table = self.disperser_config()?;
        let api = toml::toml! {
            role = "api"
            grpc_listen = (addrs.grpc.to_string())
            metrics_listen = (addrs.metrics.to_string())
        };
        config::merge(&mut table, &api);
        table.insert(
            "data_dir".into(),
            toml::Value::String(
                self.options
                    .data_dir
                    .join("disperser")
                    .join(format!("api-{i}"))
                    .display()
                    .to_string(),
            ),
        );
        Ok(table)
    }

    /// The metadata database of the disperser's processes.
    fn metadata(&self) -> MetadataConfig {
        match (&self.options.metadata, &self.postgres) {
            (MetadataBackend::Postgres, Some((_, url))) => MetadataConfig {
                backend: MetadataBackend::Postgres,
                url: Some(lamina_storage::SecretString::new(url.clone())),
                ..MetadataConfig::default()
            },
            _ => MetadataConfig::default(),
        }
    }

    /// The object store the disperser and its encoders share.
    fn objects(&self) -> lamina_storage::ObjectStoreConfig {
        match &self.s3 {
            Some((_, addr)) => lamina_storage::ObjectStoreConfig::S3(lamina_storage::S3Config {
                endpoint: Some(format!("http://{addr}")),
                bucket: S3_BUCKET.to_owned(),
                access_key_id: Some(S3_ACCESS_KEY.to_owned()),
                secret_access_key: Some(lamina_storage::SecretString::new(S3_SECRET_KEY)),
                allow_http: true,
                ..lamina_storage::S3Config::default()
            }),
            None => lamina_storage::ObjectStoreConfig::Dir(self.options.data_dir.join("objects")),
        }
    }

    /// Starts `s3s-fs` over the devnet's `s3/` directory (its bucket a directory in it) on
    /// a free port, and waits until it accepts connections.
    async fn start_s3(&self) -> Result<(ServiceProcess, SocketAddr), DevnetError> {
        let root = self.options.data_dir.join("s3");
        let bucket = root.join(S3_BUCKET);
        std::fs::create_dir_all(&bucket).map_err(DevnetError::io("create", &bucket))?;
        let addr = ports::free_loopback_addr()?;
        let server = crate::tools::start_s3s_fs(
            &root,
            addr,
            (S3_ACCESS_KEY, S3_SECRET_KEY),
            self.log_path("s3s-fs"),
            self.options.health_timeout,
        )
        .await?;
        Ok((server, addr))
    }

    /// Encoder `i`'s config (before it is written): the devnet's object store and SRS.
    pub fn encoder_config(&self, i: usize) -> Result<toml::Table, DevnetError> {
        let addrs = self
            .encoder_addrs
            .get(i)
            .ok_or(DevnetError::InvalidOption {
                field: "encoder index",
                reason: format!("{i} of {}", self.encoder_addrs.len()),
            })?;
        let config = lamina_encoder::EncoderConfig {
            grpc_listen: addrs.grpc,
            metrics_listen: addrs.metrics,
            objects: self.objects(),
            srs: lamina_core::SrsConfig::insecure_development(),
            srs_points: self.options.max_blob_symbols as usize,
            data_dir: self.options.data_dir.join("encoders").join(i.to_string()),
            ..lamina_encoder::EncoderConfig::default()
        };
        typed_table(&config, &toml::Table::new())
    }

    /// The retriever's config (before it is written): a [`RetrieverConfig`] with the
    /// devnet's chain and ports, merged with [`DevnetOptions::retriever_config`].
    pub fn retriever_config(&self) -> Result<toml::Table, DevnetError> {
        let config = RetrieverConfig {
            grpc_listen: self.retriever_addrs.grpc,
            metrics_listen: self.retriever_addrs.metrics,
            rpc_url: self.chain.rpc_url().to_owned(),
            data_dir: self.options.data_dir.join("retriever"),
            deployment: self.chain.deployment_path().to_path_buf(),
            srs_points: self.options.max_blob_symbols as usize,
            srs: lamina_core::SrsConfig::insecure_development(),
            ..RetrieverConfig::default()
        };
        typed_table(&config, &self.options.retriever_config)
    }

    /// Registers one more operator while the devnet runs (a change of the operator set the
    /// disperser and the nodes must follow): index [`Devnet::operators`]`.len()`, keys from
    /// the devnet's seed, `stake` whole test tokens in each of the devnet's quorums, a fresh
    /// socket. With nodes, its node is started and waited for (healthy) after the
    /// registration; `devnet.json` is rewritten. Returns the new operator's index.
    pub async fn add_operator(&mut self, stake: u64) -> Result<usize, DevnetError> {
        let index = self.operators.len();
        if stake == 0 {
            return Err(DevnetError::InvalidOption {
                field: "stakes",
                reason: "a stake of 0 is below the minimum stake of 1".into(),
            });
        }
        if index >= MAX_OPERATORS {
            return Err(DevnetError::InvalidOption {
                field: "operators",
                reason: format!("already {index}, the deployment allows {MAX_OPERATORS}"),
            });
        }
        let addrs = ServiceAddrs::fresh()?;
        let tokens = alloy::primitives::U256::from(stake)
            * alloy::primitives::U256::from(crate::operators::TOKEN);
        let spec = OperatorSpec {
            stakes: self.options.quorums.iter().map(|&q| (q, tokens)).collect(),
            quorums: self.options.quorums.clone(),
            grpc_addr: addrs.grpc,
        };
        let operator = crate::operators::provision_operator(
            &self.chain,
            &self.options.data_dir.join("operators"),
            self.options.seed,
            index,
            spec,
        )
        .await?;
        self.operators.push(operator);
        self.node_addrs.push(addrs);
        self.node_listen.push(addrs.grpc);
        self.options.operators = self.operators.len();
        if !self.options.stakes.is_empty() {
            self.options.stakes.push(stake);
        }
        if self.options.with_nodes {
            let config = self.node_config(index)?;
            let name = format!("node-{index}");
            let path = self.config_path(&name);
            config::write(&path, &config)?;
            let mut node = ServiceProcess::spawn(ServiceSpec::lamina_role(
                name.clone(),
                &self.options.lamina_bin,
                "node",
                &path,
                self.log_path(&name),
                addrs.metrics,
            ))?;
            node.wait_healthy(self.options.health_timeout).await?;
            self.nodes.push(node);
        }
        self.write_info()?;
        Ok(index)
    }

    /// The rollup proxy's config (before it is written): a [`ProxyConfig`] whose client
    /// uses the devnet's disperser, retriever, chain, quorums and funded client key, with
    /// the development SRS (commitments computed locally, blobs checked, operators read
    /// directly when the retriever fails), merged with [`DevnetOptions::proxy_config`].
    pub fn proxy_config(&self) -> Result<toml::Table, DevnetError> {
        let client = lamina_client::ClientConfig {
            disperser: self.disperser_addrs.grpc.to_string(),
            retriever: self
                .options
                .with_retriever
                .then(|| self.retriever_addrs.grpc.to_string()),
            rpc_url: self.chain.rpc_url().to_owned(),
            blob_version: self.options.blob_version,
            quorums: self.options.quorums.clone(),
            srs: Some(lamina_core::SrsConfig::insecure_development()),
            srs_points: self.options.max_blob_symbols as usize,
            ..lamina_client::ClientConfig::default()
        };
        let config = ProxyConfig {
            listen: self.rollup_proxy_addr,
            client,
            deployment: Some(self.chain.deployment_path().to_path_buf()),
            key_file: Some(self.client.hex_key_file.clone()),
            ..ProxyConfig::default()
        };
        typed_table(&config, &self.options.proxy_config)
    }

    /// Rewrites `devnet.json` with the current process ids (after restarts).
    pub fn write_info(&mut self) -> Result<(), DevnetError> {
        self.info.nodes = self
            .operators
            .iter()
            .map(|op| NodeInfo {
                index: op.index,
                endpoint: self.node_addrs[op.index].grpc.to_string(),
                metrics: self.node_addrs[op.index].metrics.to_string(),
                operator_id: op.operator_id.to_string(),
                address: op.address,
                pid: self
                    .nodes
                    .get(op.index)
                    .and_then(ServiceProcess::pid)
                    .unwrap_or_default(),
                config: self.config_path(&format!("node-{}", op.index)),
                log: self.log_path(&format!("node-{}", op.index)),
            })
            .collect();
        let mut pids = BTreeMap::new();
        pids.insert("supervisor".to_owned(), std::process::id());
        if let Some(pid) = self.chain.pid() {
            pids.insert("anvil".to_owned(), pid);
        }
        if let Some(pid) = self.disperser.as_ref().and_then(ServiceProcess::pid) {
            pids.insert("disperser".to_owned(), pid);
        }
        for (i, encoder) in self.encoders.iter().enumerate() {
            if let Some(pid) = encoder.pid() {
                pids.insert(format!("encoder-{i}"), pid);
            }
        }
        for (i, api) in self.api_servers.iter().enumerate() {
            if let Some(pid) = api.pid() {
                pids.insert(format!("disperser-api-{i}"), pid);
            }
        }
        if let Some(pid) = self.retriever.as_ref().and_then(ServiceProcess::pid) {
            pids.insert("retriever".to_owned(), pid);
        }
        if let Some(pid) = self.rollup_proxy.as_ref().and_then(ServiceProcess::pid) {
            pids.insert("proxy".to_owned(), pid);
        }
        self.info.pids = pids;
        let path = self.options.data_dir.join(DEVNET_JSON);
        let text = serde_json::to_string_pretty(&self.info).map_err(|e| DevnetError::Format {
            what: "devnet.json",
            reason: e.to_string(),
        })?;
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text).map_err(DevnetError::io("write", &tmp))?;
        std::fs::rename(&tmp, &path).map_err(DevnetError::io("rename", &tmp))
    }

    /// What `devnet.json` says.
    pub fn info(&self) -> &DevnetInfo {
        &self.info
    }

    /// How long [`Devnet::start`] took, until every service was healthy.
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    /// The chain.
    pub fn chain(&self) -> &LocalChain {
        &self.chain
    }

    /// The options it was started with (data directory resolved).
    pub fn options(&self) -> &DevnetOptions {
        &self.options
    }

    /// The operators, in index order.
    pub fn operators(&self) -> &[ProvisionedOperator] {
        &self.operators
    }

    /// The funded client account (keys under `<data_dir>/client/`).
    pub fn client(&self) -> &FundedAccount {
        &self.client
    }

    /// The disperser's account (a batch confirmer).
    pub fn disperser_account(&self) -> &FundedAccount {
        &self.disperser_account
    }

    /// Node `i`'s addresses.
    pub fn node_addrs(&self, i: usize) -> Option<ServiceAddrs> {
        self.node_addrs.get(i).copied()
    }

    /// The disperser's addresses (allocated even when it is not started).
    pub fn disperser_addrs(&self) -> ServiceAddrs {
        self.disperser_addrs
    }

    /// The retriever's addresses (allocated even when it is not started).
    pub fn retriever_addrs(&self) -> ServiceAddrs {
        self.retriever_addrs
    }

    /// Where node `i`'s gRPC server itself listens (behind its proxy if Byzantine).
    pub fn node_listen(&self, i: usize) -> Option<SocketAddr> {
        self.node_listen.get(i).copied()
    }

    /// Node `i`'s process, to kill or restart it.
    pub fn node_mut(&mut self, i: usize) -> Option<&mut ServiceProcess> {
        self.nodes.get_mut(i)
    }

    /// API server `i`'s process, to kill or restart it.
    pub fn api_server_mut(&mut self, i: usize) -> Option<&mut ServiceProcess> {
        self.api_servers.get_mut(i)
    }

    /// Encoder `i`'s process, to kill or restart it.
    pub fn encoder_mut(&mut self, i: usize) -> Option<&mut ServiceProcess> {
        self.encoders.get_mut(i)
    }

    /// Encoder `i`'s gRPC and metrics addresses.
    pub fn encoder_addrs(&self, i: usize) -> Option<ServiceAddrs> {
        self.encoder_addrs.get(i).copied()
    }

    /// The disperser process, if running.
    pub fn disperser_mut(&mut self) -> Option<&mut ServiceProcess> {
        self.disperser.as_mut()
    }

    /// The retriever's process.
    pub fn retriever_mut(&mut self) -> Option<&mut ServiceProcess> {
        self.retriever.as_mut()
    }

    /// The rollup proxy's HTTP address (allocated even when it is not started).
    pub fn rollup_proxy_addr(&self) -> SocketAddr {
        self.rollup_proxy_addr
    }

    /// The rollup proxy's process.
    pub fn rollup_proxy_mut(&mut self) -> Option<&mut ServiceProcess> {
        self.rollup_proxy.as_mut()
    }

    /// Whether every started process is still running (first failure as an error, with
    /// its log tail).
    pub fn check_alive(&mut self) -> Result<(), DevnetError> {
        for service in self
            .nodes
            .iter_mut()
            .chain(self.disperser.iter_mut())
            .chain(self.api_servers.iter_mut())
            .chain(self.encoders.iter_mut())
            .chain(self.retriever.iter_mut())
            .chain(self.rollup_proxy.iter_mut())
        {
            service.check_alive()?;
        }
        Ok(())
    }

    /// Stops everything cleanly: the proxy, retriever, disperser and encoders, then the nodes (SIGTERM, SIGKILL
    /// after a grace period), then anvil. `devnet.json` is removed.
    pub async fn shutdown(mut self) -> Result<(), DevnetError> {
        let _ = std::fs::remove_file(self.options.data_dir.join(DEVNET_JSON));
        for service in self
            .rollup_proxy
            .iter_mut()
            .chain(self.retriever.iter_mut())
            .chain(self.api_servers.iter_mut())
            .chain(self.disperser.iter_mut())
            .chain(self.encoders.iter_mut())
        {
            service.stop(DEFAULT_STOP_GRACE).await?;
        }
        futures::future::try_join_all(self.nodes.iter_mut().map(|n| n.stop(DEFAULT_STOP_GRACE)))
            .await?;
        Ok(())
    }
}

/// Gives the devnet's client account a reservation (set by the owner, as governance) and
/// an on-demand deposit (paid from its own funds), so it can disperse either way.
async fn pay_for_client(chain: &LocalChain, client: &FundedAccount) -> Result<(), DevnetError> {
    chain
        .reserve_bandwidth(
            client.address(),
            DEVNET_CLIENT_RESERVATION_SYMBOLS_PER_SECOND,
        )
        .await?;
    chain
        .connect(Some(client.signer()?))?
        .deposit_on_demand(
            client.address(),
            alloy::primitives::U256::from(DEVNET_CLIENT_DEPOSIT_WEI),
        )
        .await?;
    Ok(())
}
