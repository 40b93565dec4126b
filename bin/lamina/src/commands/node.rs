//! `lamina node ...`: run a DA node, manage its keys, register it on-chain.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, B256};
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use lamina_core::bls::SecretKey;
use lamina_core::chain::{ContractAddresses, EthChain, OperatorOnboarding};
use lamina_core::keystore::{
    EcdsaKey, PasswordSource, ScryptParams, read_bls_public_key, read_ecdsa_address, save_bls_key,
    save_ecdsa_key,
};
use lamina_node::NodeConfig;
use zeroize::Zeroizing;

use super::hex0x;

/// `lamina node` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum NodeCommand {
    /// Run the node: serve Dispersal and Retrieval on `grpc_listen`, `/health` and
    /// `/metrics` on `metrics_listen`, until Ctrl-C or SIGTERM.
    Run(RunArgs),
    /// Create, import or show the node's BLS and ECDSA keystores.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Register the operator on-chain (BLS proof of possession) for quorums and a socket.
    Register(RegisterArgs),
}

/// Flags of `lamina node run`. Every config field, flagged or not, can also be set by
/// a `LAMINA_NODE_<FIELD>` variable (see `layered_config`); flags win over it.
#[derive(Debug, Args)]
#[command(next_help_heading = "Node")]
pub(crate) struct RunArgs {
    /// TOML config file (see `lamina_node::NodeConfig`); without it, defaults plus flags.
    #[arg(long, env = "LAMINA_NODE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    overrides: ConfigOverrides,
}

/// Config fields settable by flag (every field is settable by environment variable).
#[derive(Debug, Args)]
pub(crate) struct ConfigOverrides {
    /// gRPC listen address (Dispersal + Retrieval).
    #[arg(long)]
    grpc_listen: Option<SocketAddr>,
    /// HTTP listen address for /health and /metrics.
    #[arg(long)]
    metrics_listen: Option<SocketAddr>,
    /// Data directory (RocksDB under `<dir>/db`).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Ethereum JSON-RPC URL.
    #[arg(long)]
    rpc_url: Option<String>,
    /// Contract address file (contracts/deployments/<chainid>.json).
    #[arg(long)]
    deployment: Option<PathBuf>,
    /// BLS keystore file.
    #[arg(long)]
    bls_keystore: Option<PathBuf>,
    /// ECDSA keystore file.
    #[arg(long)]
    ecdsa_keystore: Option<PathBuf>,
    /// File holding both keystores' password (overrides both password sources).
    #[arg(long)]
    password_file: Option<PathBuf>,
    /// Comma-separated disperser addresses accepted without an on-chain check.
    #[arg(long, value_delimiter = ',')]
    authorized_dispersers: Option<Vec<Address>>,
    /// Custody period in seconds.
    #[arg(long)]
    expiry_secs: Option<u64>,
    /// Largest blob in symbols (sizes the SRS).
    #[arg(long)]
    max_blob_symbols: Option<u32>,
    #[command(flatten)]
    srs: super::srs_arg::ServiceSrsArgs,
}

impl ConfigOverrides {
    fn apply(self, config: &mut NodeConfig) {
        macro_rules! set {
            ($($field:ident),*) => {$(
                if let Some(v) = self.$field { config.$field = v; }
            )*};
        }
        set!(
            grpc_listen,
            metrics_listen,
            data_dir,
            rpc_url,
            deployment,
            bls_keystore,
            ecdsa_keystore,
            authorized_dispersers,
            expiry_secs,
            max_blob_symbols
        );
        if let Some(file) = self.password_file {
            config.password_file = Some(file);
        }
        self.srs.apply(&mut config.srs);
    }
}

/// Defaults, the config file, `LAMINA_NODE_<FIELD>` variables, then flags; validated.
fn load_config(path: Option<&Path>, overrides: ConfigOverrides) -> anyhow::Result<NodeConfig> {
    let mut config: NodeConfig =
        super::layered_config::load(path, "LAMINA_NODE", &["CONFIG", "KEY_PASSWORD"])?;
    overrides.apply(&mut config);
    config.validate()?;
    Ok(config)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Resolves on Ctrl-C or SIGTERM (what process supervisors send).
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

/// Runs a `lamina node` subcommand.
pub(crate) fn run(command: NodeCommand) -> anyhow::Result<()> {
    match command {
        NodeCommand::Run(args) => {
            let config = load_config(args.config.as_deref(), args.overrides)?;
            runtime()?.block_on(lamina_node::run(config, shutdown_signal()))?;
            Ok(())
        }
        NodeCommand::Keys(keys) => run_keys(keys),
        NodeCommand::Register(args) => run_register(args),
    }
}

/// `lamina node keys` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum KeysCommand {
    /// Generate a BLS (BN254) key and an ECDSA key into `<dir>/bls.json` and `<dir>/ecdsa.json`.
    Create(KeysCreateArgs),
    /// Encrypt existing secrets (hex, read from files) into keystores.
    Import(KeysImportArgs),
    /// Print the public keys, operator id and address (no password needed).
    Show(KeysShowArgs),
}

/// Where keystores go and how they are encrypted.
#[derive(Debug, Args)]
pub(crate) struct KeystoreOut {
    /// Directory for `bls.json` and `ecdsa.json`.
    #[arg(long, default_value = "keys")]
    dir: PathBuf,
    /// File holding the password to encrypt with.
    #[arg(long, conflicts_with = "password_env")]
    password_file: Option<PathBuf>,
    /// Environment variable holding the password (default LAMINA_NODE_KEY_PASSWORD).
    #[arg(long)]
    password_env: Option<String>,
    /// Use light scrypt parameters (n = 2^10): fast, weak; for devnets and tests only.
    #[arg(long)]
    insecure_light_kdf: bool,
    /// Overwrite existing keystores.
    #[arg(long)]
    force: bool,
}

impl KeystoreOut {
    fn password(&self) -> anyhow::Result<Zeroizing<String>> {
        let source = match (&self.password_file, &self.password_env) {
            (Some(file), _) => PasswordSource::File(file.clone()),
            (None, Some(var)) => PasswordSource::Env(var.clone()),
            (None, None) => PasswordSource::Env("LAMINA_NODE_KEY_PASSWORD".into()),
        };
        Ok(source.resolve()?)
    }

    fn params(&self) -> ScryptParams {
        if self.insecure_light_kdf {
            ScryptParams::TEST
        } else {
            ScryptParams::STANDARD
        }
    }

    fn paths(&self) -> anyhow::Result<(PathBuf, PathBuf)> {
        let bls = self.dir.join("bls.json");
        let ecdsa = self.dir.join("ecdsa.json");
        if !self.force {
            for p in [&bls, &ecdsa] {
                if p.exists() {
                    bail!("{} exists; pass --force to overwrite", p.display());
                }
            }
        }
        Ok((bls, ecdsa))
    }

    fn save(&self, bls: &SecretKey, ecdsa: &EcdsaKey) -> anyhow::Result<()> {
        let password = self.password()?;
        let (bls_path, ecdsa_path) = self.paths()?;
        save_bls_key(&bls_path, bls, &password, self.params())
            .with_context(|| format!("writing {}", bls_path.display()))?;
        save_ecdsa_key(&ecdsa_path, ecdsa, &password, self.params())
            .with_context(|| format!("writing {}", ecdsa_path.display()))?;
        show(&bls_path, &ecdsa_path)
    }
}

/// `lamina node keys create`.
#[derive(Debug, Args)]
pub(crate) struct KeysCreateArgs {
    #[command(flatten)]
    out: KeystoreOut,
}

/// `lamina node keys import`.
#[derive(Debug, Args)]
pub(crate) struct KeysImportArgs {
    /// File holding the BLS secret scalar as 64 hex digits (big-endian).
    #[arg(long)]
    bls_secret_file: PathBuf,
    /// File holding the ECDSA secret as 64 hex digits.
    #[arg(long)]
    ecdsa_secret_file: PathBuf,
    #[command(flatten)]
    out: KeystoreOut,
}

/// `lamina node keys show`.
#[derive(Debug, Args)]
pub(crate) struct KeysShowArgs {
    /// Directory holding `bls.json` and `ecdsa.json`.
    #[arg(long, default_value = "keys")]
    dir: PathBuf,
}

fn read_hex32(path: &Path) -> anyhow::Result<[u8; 32]> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let text = text.trim();
    let mut out = [0u8; 32];
    hex::decode_to_slice(text.strip_prefix("0x").unwrap_or(text), &mut out)
        .with_context(|| format!("{} must hold 64 hex digits", path.display()))?;
    Ok(out)
}

fn show(bls_path: &Path, ecdsa_path: &Path) -> anyhow::Result<()> {
    let g1 =
        read_bls_public_key(bls_path).with_context(|| format!("reading {}", bls_path.display()))?;
    let address = read_ecdsa_address(ecdsa_path)
        .with_context(|| format!("reading {}", ecdsa_path.display()))?;
    let out = serde_json::json!({
        "operator_id": lamina_core::bls::operator_id(&g1).to_string(),
        "bls_pubkey_g1": hex0x(&lamina_encoding::g1_to_bytes(&g1)),
        "address": address.to_string(),
        "bls_keystore": bls_path.display().to_string(),
        "ecdsa_keystore": ecdsa_path.display().to_string(),
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

fn run_keys(command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Create(args) => {
            let mut rng = rand::rngs::OsRng;
            args.out
                .save(&SecretKey::random(&mut rng), &EcdsaKey::random(&mut rng))
        }
        KeysCommand::Import(args) => {
            let bls = SecretKey::from_be_bytes(&read_hex32(&args.bls_secret_file)?)
                .context("BLS secret is not a valid BN254 scalar")?;
            let ecdsa = EcdsaKey::from_bytes(B256::from(read_hex32(&args.ecdsa_secret_file)?))
                .context("ECDSA secret is not a valid secp256k1 key")?;
            args.out.save(&bls, &ecdsa)
        }
        KeysCommand::Show(args) => show(&args.dir.join("bls.json"), &args.dir.join("ecdsa.json")),
    }
}

/// `lamina node register`.
#[derive(Debug, Args)]
pub(crate) struct RegisterArgs {
    /// The node's config: keystores, passwords, RPC URL and deployment file come from it.
    #[arg(long, env = "LAMINA_NODE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    overrides: ConfigOverrides,
    /// Quorums to register for, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0,1")]
    quorums: Vec<u8>,
    /// Socket (`host:port` of the node's gRPC port) announced on-chain.
    #[arg(long)]
    socket: String,
    /// Devnet only: mint this many whole test tokens per quorum and deposit them into the
    /// quorum's strategy before registering (TestToken is freely mintable).
    #[arg(long, value_name = "TOKENS")]
    devnet_stake: Option<u64>,
}

/// One whole test token: 18 decimals.
const TOKEN_UNITS: u128 = 1_000_000_000_000_000_000;

fn run_register(args: RegisterArgs) -> anyhow::Result<()> {
    let config = load_config(args.config.as_deref(), args.overrides)?;
    let bls_password = config.bls_password_source().resolve()?;
    let bls_key = lamina_core::keystore::load_bls_key(&config.bls_keystore, &bls_password)
        .with_context(|| format!("loading {}", config.bls_keystore.display()))?;
    let ecdsa_password = config.ecdsa_password_source().resolve()?;
    let ecdsa_key = lamina_core::keystore::load_ecdsa_key(&config.ecdsa_keystore, &ecdsa_password)
        .with_context(|| format!("loading {}", config.ecdsa_keystore.display()))?;
    let addresses = ContractAddresses::load(&config.deployment)?;
    let signer = PrivateKeySigner::from_bytes(&ecdsa_key.secret_bytes())
        .context("ECDSA key is not a valid signer")?;
    let stakes: Vec<(u8, alloy_primitives::U256)> = match args.devnet_stake {
        Some(tokens) => args
            .quorums
            .iter()
            .map(|&q| {
                (
                    q,
                    alloy_primitives::U256::from(u128::from(tokens) * TOKEN_UNITS),
                )
            })
            .collect(),
        None => Vec::new(),
    };
    runtime()?.block_on(async {
        let chain =
            EthChain::connect_http_with_tls(&config.rpc_url, addresses, Some(signer), &config.tls)?;
        let operator_id = chain
            .onboard_operator(&OperatorOnboarding {
                bls_key: &bls_key,
                stakes: &stakes,
                quorums: &args.quorums,
                socket: &args.socket,
            })
            .await?;
        let quorums = chain.registered_quorums(operator_id).await?;
        let out = serde_json::json!({
            "operator_id": operator_id.to_string(),
            "address": ecdsa_key.address().to_string(),
            "quorums": quorums,
            "socket": args.socket,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        Ok(())
    })
}
