//! How client commands (`disperse`, `status`, `verify`, `retrieve`) find the network:
//! `--devnet DIR` (its `devnet.json`), or `--disperser`, `--retriever`, `--rpc-url`
//! and the contract flags; explicit flags override what `devnet.json` says.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use alloy_primitives::{Address, B256};
use anyhow::{Context, bail};
use clap::Args;
use lamina_client::{ClientConfig, LaminaClient};
use lamina_core::SrsConfig;
use lamina_core::chain::EthChain;
use lamina_core::keystore::{EcdsaKey, PasswordSource, load_ecdsa_key};

/// The parts of a devnet's `devnet.json` a client needs.
#[derive(Debug, serde::Deserialize)]
struct DevnetJson {
    rpc_url: String,
    contracts: BTreeMap<String, Address>,
    disperser: Option<String>,
    retriever: Option<String>,
    client_key: Option<PathBuf>,
    blob_version: Option<u16>,
    quorums: Option<Vec<u8>>,
}

/// Network and account flags shared by the client commands.
#[derive(Debug, Args)]
#[command(next_help_heading = "Network")]
pub(crate) struct NetworkArgs {
    /// A devnet's data directory: reads `DIR/devnet.json` (endpoints, contracts,
    /// client key). Other flags override it.
    #[arg(long, env = "LAMINA_DEVNET", value_name = "DIR")]
    devnet: Option<PathBuf>,
    /// Disperser gRPC `host:port`, or `https://host:port` for TLS.
    #[arg(long, env = "LAMINA_DISPERSER")]
    disperser: Option<String>,
    /// Retriever gRPC `host:port`, or `https://host:port` for TLS (without it, retrieval
    /// goes to operators directly and needs `--srs-dir` or `--insecure-dev-srs`).
    #[arg(long, env = "LAMINA_RETRIEVER")]
    retriever: Option<String>,
    /// Ethereum JSON-RPC URL (`http://` or `https://`).
    #[arg(long, env = "LAMINA_RPC_URL")]
    rpc_url: Option<String>,
    /// PEM file of CA certificates trusted besides the public roots, for `https://`
    /// endpoints, https RPC URLs and (with `--operator-tls`) operator sockets.
    #[arg(long, env = "LAMINA_TLS_CA_FILE", value_name = "FILE")]
    tls_ca_file: Option<PathBuf>,
    /// Reach operator sockets over TLS (direct retrieval).
    #[arg(long)]
    operator_tls: bool,
    /// Contract address file (`contracts/deployments/<chainid>.json`).
    #[arg(long, env = "LAMINA_DEPLOYMENT", value_name = "FILE")]
    deployment: Option<PathBuf>,
    /// `CertVerifier` address (overrides the deployment file).
    #[arg(long)]
    cert_verifier: Option<Address>,
    /// `RegistryCoordinator` address.
    #[arg(long)]
    registry_coordinator: Option<Address>,
    /// `OperatorStateRetriever` address.
    #[arg(long)]
    operator_state_retriever: Option<Address>,
    /// `ThresholdRegistry` address.
    #[arg(long)]
    threshold_registry: Option<Address>,
    /// File with the account's secp256k1 key as 0x-hex (the devnet's `client_key`).
    #[arg(long, env = "LAMINA_KEY_FILE", value_name = "FILE")]
    key_file: Option<PathBuf>,
    /// Geth v3 keystore of the account (with `--password-file`).
    #[arg(long, env = "LAMINA_KEYSTORE", value_name = "FILE")]
    keystore: Option<PathBuf>,
    /// Password file of `--keystore`.
    #[arg(long, env = "LAMINA_PASSWORD_FILE", value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// EigenDA-format SRS directory: commit locally, check payloads, retrieve from
    /// operators directly.
    #[arg(long, value_name = "DIR")]
    srs_dir: Option<PathBuf>,
    /// Use the INSECURE development SRS locally, as `--srs-dir` would: its secret is
    /// public, so only for devnets (accepted on any chain: this flag is the opt-in).
    #[arg(
        long = "insecure-dev-srs",
        alias = "dev-srs",
        conflicts_with = "srs_dir"
    )]
    dev_srs: bool,
    /// G1 points of the local SRS: the largest blob, in 32-byte symbols.
    #[arg(long, default_value_t = lamina_encoding::MAX_BLOB_SYMBOLS)]
    srs_points: usize,
    /// Blob version to disperse (devnet.json's, else 1).
    #[arg(long)]
    blob_version: Option<u16>,
    /// How long `--wait` waits for a certificate, e.g. `120s`, `5m`.
    #[arg(long, value_parser = parse_duration, default_value = "120s")]
    timeout: Duration,
}

/// `30s`, `5m`, `1500ms` or plain seconds.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (number, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{s:?}: expected a number with ms, s, m or h"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        "h" => Ok(Duration::from_secs(n * 3600)),
        other => Err(format!("{s:?}: unknown unit {other:?} (ms, s, m, h)")),
    }
}

fn read_key_file(path: &Path) -> anyhow::Result<EcdsaKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading key file {}", path.display()))?;
    let text = text.trim();
    let bytes: B256 = text
        .parse()
        .with_context(|| format!("{}: not a 32-byte hex key", path.display()))?;
    EcdsaKey::from_bytes(bytes).with_context(|| format!("{}: invalid key", path.display()))
}

impl NetworkArgs {
    fn devnet_json(&self) -> anyhow::Result<Option<DevnetJson>> {
        let Some(dir) = &self.devnet else {
            return Ok(None);
        };
        let path = dir.join("devnet.json");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {} (is the devnet up?)", path.display()))?;
        Ok(Some(
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?,
        ))
    }

    /// The client configuration these flags describe.
    pub(crate) fn client_config(&self) -> anyhow::Result<(ClientConfig, Option<PathBuf>)> {
        let devnet = self.devnet_json()?;
        let mut config = ClientConfig {
            certificate_timeout_ms: u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
            srs_points: self.srs_points,
            ..ClientConfig::default()
        };
        let mut key_file = None;
        if let Some(d) = &devnet {
            config.rpc_url.clone_from(&d.rpc_url);
            config.contracts = serde_json::from_value(serde_json::to_value(&d.contracts)?)
                .context("devnet.json contracts")?;
            if let Some(disperser) = &d.disperser {
                config.disperser.clone_from(disperser);
            }
            config.retriever.clone_from(&d.retriever);
            if let Some(v) = d.blob_version {
                config.blob_version = v;
            }
            if let Some(q) = &d.quorums {
                config.quorums.clone_from(q);
            }
            key_file.clone_from(&d.client_key);
        }
        if let Some(path) = &self.deployment {
            config = config.with_deployment_file(path)?;
        }
        let c = &mut config.contracts;
        for (flag, slot) in [
            (self.cert_verifier, &mut c.cert_verifier),
            (self.registry_coordinator, &mut c.registry_coordinator),
            (
                self.operator_state_retriever,
                &mut c.operator_state_retriever,
            ),
            (self.threshold_registry, &mut c.threshold_registry),
        ] {
            if let Some(address) = flag {
                *slot = address;
            }
        }
        if let Some(d) = &self.disperser {
            config.disperser.clone_from(d);
        }
        if let Some(r) = &self.retriever {
            config.retriever = Some(r.clone());
        }
        if let Some(url) = &self.rpc_url {
            config.rpc_url.clone_from(url);
        }
        if let Some(ca) = &self.tls_ca_file {
            config.tls.ca_file = Some(ca.clone());
        }
        config.tls.operator_tls |= self.operator_tls;
        if let Some(v) = self.blob_version {
            config.blob_version = v;
        }
        if let Some(dir) = &self.srs_dir {
            config.srs = Some(SrsConfig {
                dir: Some(dir.clone()),
                ..SrsConfig::default()
            });
        } else if self.dev_srs {
            config.srs = Some(SrsConfig::insecure_development());
        }
        if self.key_file.is_some() {
            key_file.clone_from(&self.key_file);
        }
        if self.devnet.is_none()
            && self.deployment.is_none()
            && config.contracts.cert_verifier == Address::ZERO
        {
            bail!(
                "no network: pass --devnet DIR, or --deployment FILE (or the contract flags) with --rpc-url and --disperser"
            );
        }
        Ok((config, key_file))
    }

    /// The account key: `--keystore` + `--password-file`, else `--key-file`, else
    /// the devnet's client key; a fresh random key when none (reading only).
    pub(crate) fn key(&self, key_file: Option<PathBuf>) -> anyhow::Result<EcdsaKey> {
        if let Some(keystore) = &self.keystore {
            let Some(password_file) = &self.password_file else {
                bail!("--keystore needs --password-file");
            };
            let password = PasswordSource::File(password_file.clone()).resolve()?;
            return load_ecdsa_key(keystore, &password)
                .with_context(|| format!("decrypting {}", keystore.display()));
        }
        match key_file {
            Some(path) => read_key_file(&path),
            None => Ok(EcdsaKey::random(&mut rand::thread_rng())),
        }
    }

    /// A connected client.
    pub(crate) async fn client(&self) -> anyhow::Result<LaminaClient<EthChain>> {
        let (config, key_file) = self.client_config()?;
        let key = self.key(key_file)?;
        Ok(LaminaClient::connect(config, key).await?)
    }
}

/// A multi-threaded runtime for the client and service commands.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("1500ms"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert!(parse_duration("7y").is_err());
        assert!(parse_duration("s").is_err());
    }
}
