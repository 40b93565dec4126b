//! [`LocalChain`]: an anvil with the Lamina contracts deployed, on a free loopback port,
//! under its own chain id, killed on drop.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use alloy::primitives::{Address, U256};
use alloy::providers::{Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use lamina_core::chain::{ContractAddresses, EthChain};

use crate::cache::{self, OWNER_KEY};
use crate::process::{ServiceProcess, ServiceSpec};
use crate::{DevnetError, ports, tools};

/// Default seconds between blocks when idle. Transactions are still mined at once
/// (`--mixed-mining`); the interval blocks keep the head moving so reference blocks
/// (head minus a delay) fall strictly in the past, as `confirmBatch` requires.
pub const DEFAULT_BLOCK_TIME: Duration = Duration::from_secs(1);

/// Options of [`LocalChain::start`].
#[derive(Clone, Debug)]
pub struct LocalChainOptions {
    /// Where the address file and `logs/anvil.log` go.
    pub data_dir: PathBuf,
    /// The chain id; `None` picks one no other chain of this process uses.
    pub chain_id: Option<u64>,
    /// Interval mining on top of instant mining; `None` for instant mining only.
    pub block_time: Option<Duration>,
}

impl LocalChainOptions {
    /// Defaults in `data_dir`: a fresh chain id, one block per second.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            chain_id: None,
            block_time: Some(DEFAULT_BLOCK_TIME),
        }
    }
}

/// A chain id unique within this process and unlikely to repeat across processes.
fn fresh_chain_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed) % 1000;
    1_000_000_000 + u64::from(std::process::id()) * 1000 + n
}

/// An anvil with the contracts deployed. Dropping it kills anvil.
#[must_use = "anvil is killed when this is dropped"]
#[derive(Debug)]
pub struct LocalChain {
    process: ServiceProcess,
    rpc_url: String,
    chain_id: u64,
    addresses: ContractAddresses,
    contracts: BTreeMap<String, Address>,
    deployment: PathBuf,
    owner: PrivateKeySigner,
}

impl LocalChain {
    /// Starts anvil from the cached deployment snapshot (deploying it first with the
    /// project's `forge script script/Deploy.s.sol:Deploy` if the contracts changed) and
    /// writes the address file to `<data_dir>/deployments/<chain_id>.json`.
    pub async fn start(options: LocalChainOptions) -> Result<Self, DevnetError> {
        let owner: PrivateKeySigner = OWNER_KEY.parse().map_err(|e| DevnetError::Format {
            what: "owner key",
            reason: format!("{e}"),
        })?;
        let snapshot = cache::snapshot().await?;
        let anvil = tools::anvil()?;
        let chain_id = options.chain_id.unwrap_or_else(fresh_chain_id);
        let logs = options.data_dir.join("logs");
        std::fs::create_dir_all(&logs).map_err(DevnetError::io("create", &logs))?;

        // The port is free when picked but another process may bind it first: retry.
        let mut last_error = None;
        for _ in 0..3 {
            let port = ports::free_port()?;
            let mut args: Vec<String> = vec![
                "--port".into(),
                port.to_string(),
                "--chain-id".into(),
                chain_id.to_string(),
                "--load-state".into(),
                snapshot.state.to_string_lossy().into_owned(),
            ];
            if let Some(interval) = options.block_time {
                args.extend([
                    "--block-time".into(),
                    interval.as_secs().max(1).to_string(),
                    "--mixed-mining".into(),
                ]);
            }
            let mut process = ServiceProcess::spawn(ServiceSpec {
                name: "anvil".into(),
                program: anvil.clone(),
                args: args.into_iter().map(Into::into).collect(),
                env: Vec::new(),
                log: logs.join("anvil.log"),
                health: None,
            })?;
            let rpc_url = format!("http://127.0.0.1:{port}");
            match wait_for_rpc(&mut process, &rpc_url, Duration::from_secs(30)).await {
                Ok(()) => {
                    let text = std::fs::read_to_string(&snapshot.deployment)
                        .map_err(DevnetError::io("read", &snapshot.deployment))?;
                    let contracts: BTreeMap<String, Address> = serde_json::from_str(&text)
                        .map_err(|e| DevnetError::Format {
                            what: "deployment file",
                            reason: e.to_string(),
                        })?;
                    let dir = options.data_dir.join("deployments");
                    std::fs::create_dir_all(&dir).map_err(DevnetError::io("create", &dir))?;
                    let deployment = dir.join(format!("{chain_id}.json"));
                    std::fs::write(&deployment, &text)
                        .map_err(DevnetError::io("write", &deployment))?;
                    let addresses = ContractAddresses::load(&deployment)?;
                    return Ok(Self {
                        process,
                        rpc_url,
                        chain_id,
                        addresses,
                        contracts,
                        deployment,
                        owner,
                    });
                }
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or(DevnetError::NotRunning("anvil".into())))
    }

    /// `http://127.0.0.1:<port>`.
    pub fn rpc_url(&self) -> &str {
        &self.rpc_url
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// Addresses of the contracts services use.
    pub fn addresses(&self) -> ContractAddresses {
        self.addresses
    }

    /// Every deployed contract, by the deploy script's snake_case name.
    pub fn contracts(&self) -> &BTreeMap<String, Address> {
        &self.contracts
    }

    /// The address file (`<data_dir>/deployments/<chain_id>.json`), for services' `deployment`.
    pub fn deployment_path(&self) -> &Path {
        &self.deployment
    }

    /// anvil's process id.
    pub fn pid(&self) -> Option<u32> {
        self.process.pid()
    }

    /// The deployer: owner of the contracts (not a batch confirmer: its key is public).
    pub fn owner(&self) -> PrivateKeySigner {
        self.owner.clone()
    }

    /// An [`EthChain`] on this chain, sending transactions from `signer` if given.
    pub fn connect(&self, signer: Option<PrivateKeySigner>) -> Result<EthChain, DevnetError> {
        Ok(
            EthChain::connect_http(&self.rpc_url, self.addresses, signer)?
                .with_receipt_polling(Duration::from_millis(20), Duration::from_secs(60)),
        )
    }

    /// Governance (the owner) gives `account` a reservation of `symbols_per_second` on
    /// quorums 0 and 1, split evenly, from the epoch to the end of time (a devnet never
    /// outlives it): how devnets and tests let an account disperse without a deposit.
    pub async fn reserve_bandwidth(
        &self,
        account: Address,
        symbols_per_second: u64,
    ) -> Result<(), DevnetError> {
        let reservation = lamina_payments::Reservation {
            symbols_per_second,
            start_timestamp: 0,
            end_timestamp: u64::MAX,
            quorums: vec![0, 1],
            quorum_splits: vec![50, 50],
        };
        self.connect(Some(self.owner()))?
            .set_reservation(account, &reservation)
            .await?;
        Ok(())
    }

    /// Sets `account`'s ETH balance (`anvil_setBalance`).
    pub async fn set_balance(&self, account: Address, wei: U256) -> Result<(), DevnetError> {
        let provider = ProviderBuilder::new().connect_http(self.url()?);
        let _: serde_json::Value = provider
            .raw_request("anvil_setBalance".into(), (account, wei))
            .await
            .map_err(|e| DevnetError::Rpc {
                method: "anvil_setBalance",
                reason: e.to_string(),
            })?;
        Ok(())
    }

    /// Moves the chain's clock `seconds` ahead (`evm_increaseTime`) and mines a block at the
    /// new time: rewards periods and activation delays pass without waiting for them.
    pub async fn increase_time(&self, seconds: u64) -> Result<(), DevnetError> {
        let provider = ProviderBuilder::new().connect_http(self.url()?);
        let _: serde_json::Value = provider
            .raw_request("evm_increaseTime".into(), (U256::from(seconds),))
            .await
            .map_err(|e| DevnetError::Rpc {
                method: "evm_increaseTime",
                reason: e.to_string(),
            })?;
        self.mine(1).await
    }

    /// Mines `blocks` empty blocks at once (`anvil_mine`).
    pub async fn mine(&self, blocks: u64) -> Result<(), DevnetError> {
        let provider = ProviderBuilder::new().connect_http(self.url()?);
        let _: serde_json::Value = provider
            .raw_request("anvil_mine".into(), (U256::from(blocks),))
            .await
            .map_err(|e| DevnetError::Rpc {
                method: "anvil_mine",
                reason: e.to_string(),
            })?;
        Ok(())
    }

    fn url(&self) -> Result<alloy::transports::http::reqwest::Url, DevnetError> {
        self.rpc_url.parse().map_err(|e| DevnetError::Format {
            what: "RPC URL",
            reason: format!("{}: {e}", self.rpc_url),
        })
    }
}

/// Polls `eth_chainId` until anvil answers, failing early if it exits.
pub(crate) async fn wait_for_rpc(
    process: &mut ServiceProcess,
    rpc_url: &str,
    timeout: Duration,
) -> Result<(), DevnetError> {
    let url = rpc_url.parse().map_err(|e| DevnetError::Format {
        what: "RPC URL",
        reason: format!("{rpc_url}: {e}"),
    })?;
    let provider = ProviderBuilder::new().connect_http(url);
    let started = Instant::now();
    loop {
        process.check_alive()?;
        if provider.get_chain_id().await.is_ok() {
            return Ok(());
        }
        if started.elapsed() >= timeout {
            return Err(DevnetError::Unhealthy {
                name: process.name().to_owned(),
                pid: process.pid().unwrap_or_default(),
                url: rpc_url.to_owned(),
                waited_ms: started.elapsed().as_millis(),
                log: process.log_path().to_path_buf(),
                tail: crate::process::log_tail(process.log_path()),
            });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
