//! Deploying the contracts once per contract version.
//!
//! `forge script` takes seconds (plus a `forge build` that can take minutes cold), and
//! tests create many chains. So the first [`LocalChain`](crate::LocalChain) of a given
//! contract version deploys into a scratch anvil with `--dump-state`, and every chain
//! after it starts from that snapshot with `--load-state` (milliseconds). The cache key
//! hashes the contract sources, the deploy scripts and the anvil binary's size; a file
//! lock makes concurrent test processes deploy only once.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::process::{ServiceProcess, ServiceSpec};
use crate::{DevnetError, ports, tools};

/// Environment variable naming the cache root; default `$HOME/.cache/lamina/devnet`.
pub const CACHE_ENV: &str = "LAMINA_DEVNET_CACHE";

/// anvil's deterministic account 0 (mnemonic "test test ... junk"): the deployer and owner
/// of every devnet. A devnet-only key, public: never a batch confirmer (nodes would sign
/// whatever it sends); the devnet appoints its disperser's own account instead.
pub const OWNER_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// Chain id used while building a snapshot (each chain then runs under its own id: the
/// contracts' EIP-712 domains recompute when `block.chainid` changes).
const SNAPSHOT_CHAIN_ID: u64 = 4_242_000;

/// A deployed-contracts snapshot.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// anvil state (`--load-state`).
    pub state: PathBuf,
    /// The deploy script's address file.
    pub deployment: PathBuf,
}

fn cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os(CACHE_ENV) {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from);
    home.join(".cache/lamina/devnet")
}

/// Hash of every input that changes the deployed state.
fn cache_key(contracts: &Path, anvil: &Path) -> Result<String, DevnetError> {
    let mut files = Vec::new();
    for dir in ["src", "script"] {
        collect_files(&contracts.join(dir), &mut files)?;
    }
    for file in ["foundry.toml", "remappings.txt", "package-lock.json"] {
        let path = contracts.join(file);
        if path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    let mut hasher = Sha256::new();
    for file in &files {
        let rel = file.strip_prefix(contracts).unwrap_or(file);
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update(std::fs::read(file).map_err(DevnetError::io("read", file))?);
        hasher.update([0]);
    }
    let anvil_len = std::fs::metadata(anvil)
        .map_err(DevnetError::io("stat", anvil))?
        .len();
    hasher.update(anvil_len.to_le_bytes());
    Ok(hex::encode(&hasher.finalize()[..12]))
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), DevnetError> {
    for entry in std::fs::read_dir(dir).map_err(DevnetError::io("read", dir))? {
        let path = entry.map_err(DevnetError::io("read", dir))?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// The snapshot for the current contracts, deploying it first if the cache lacks it.
pub async fn snapshot() -> Result<Snapshot, DevnetError> {
    let contracts = tools::contracts_dir();
    let anvil = tools::anvil()?;
    let key = cache_key(&contracts, &anvil)?;
    let root = cache_root();
    let dir = root.join(&key);
    let snapshot = Snapshot {
        state: dir.join("state.json"),
        deployment: dir.join("deployment.json"),
    };
    if snapshot.state.is_file() && snapshot.deployment.is_file() {
        return Ok(snapshot);
    }
    std::fs::create_dir_all(&root).map_err(DevnetError::io("create", &root))?;
    let lock_path = root.join(format!("{key}.lock"));
    let lock = std::fs::File::create(&lock_path).map_err(DevnetError::io("create", &lock_path))?;
    // Blocking lock off the runtime: another process may be deploying (minutes if forge
    // must build first).
    let lock = tokio::task::spawn_blocking(move || lock.lock().map(|()| lock))
        .await
        .map_err(|e| DevnetError::Format {
            what: "lock task",
            reason: e.to_string(),
        })?
        .map_err(DevnetError::io("lock", &lock_path))?;
    if !(snapshot.state.is_file() && snapshot.deployment.is_file()) {
        build_snapshot(&contracts, &anvil, &root, &key, &dir).await?;
    }
    drop(lock);
    Ok(snapshot)
}

async fn build_snapshot(
    contracts: &Path,
    anvil: &Path,
    root: &Path,
    key: &str,
    dir: &Path,
) -> Result<(), DevnetError> {
    let scratch = root.join(format!("{key}.tmp"));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).map_err(DevnetError::io("create", &scratch))?;
    let log = scratch.join("deploy.log");
    let port = ports::free_port()?;
    let rpc_url = format!("http://127.0.0.1:{port}");
    let mut chain = ServiceProcess::spawn(ServiceSpec {
        name: "anvil (snapshot)".into(),
        program: anvil.to_path_buf(),
        args: [
            "--port".to_owned(),
            port.to_string(),
            "--chain-id".to_owned(),
            SNAPSHOT_CHAIN_ID.to_string(),
            "--dump-state".to_owned(),
            scratch.join("state.json").to_string_lossy().into_owned(),
        ]
        .map(Into::into)
        .to_vec(),
        env: Vec::new(),
        log: log.clone(),
        health: None,
    })?;
    crate::chain::wait_for_rpc(&mut chain, &rpc_url, Duration::from_secs(30)).await?;

    let forge = tools::forge()?;
    // A full build first: `forge test` compiles sparsely and can leave script artifacts
    // without bytecode behind a warm cache (scripts/deploy-devnet.sh has the same step).
    run_logged(&forge, contracts, &["build", "-q"], &log, "forge build").await?;
    run_logged(
        &forge,
        contracts,
        &[
            "script",
            "script/Deploy.s.sol:Deploy",
            "--rpc-url",
            &rpc_url,
            "--broadcast",
            "--private-key",
            OWNER_KEY,
            "--slow",
            "-q",
        ],
        &log,
        "forge script",
    )
    .await?;
    let written = contracts.join(format!("deployments/{SNAPSHOT_CHAIN_ID}.json"));
    let deployment = scratch.join("deployment.json");
    std::fs::copy(&written, &deployment).map_err(DevnetError::io("copy", &written))?;
    let _ = std::fs::remove_file(&written);
    // SIGTERM lets anvil write --dump-state on its way out.
    chain.stop(crate::process::DEFAULT_STOP_GRACE).await?;
    if !scratch.join("state.json").is_file() {
        return Err(DevnetError::ToolFailed {
            tool: "anvil --dump-state",
            status: "no state file written".into(),
            log,
        });
    }
    let _ = std::fs::remove_dir_all(dir);
    std::fs::rename(&scratch, dir).map_err(DevnetError::io("rename", &scratch))?;
    Ok(())
}

async fn run_logged(
    program: &Path,
    cwd: &Path,
    args: &[&str],
    log: &Path,
    tool: &'static str,
) -> Result<(), DevnetError> {
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(DevnetError::io("open", log))?;
    let err = out.try_clone().map_err(DevnetError::io("open", log))?;
    let mut command = Command::new(program);
    command
        .current_dir(cwd)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    let status = tokio::task::spawn_blocking(move || command.status())
        .await
        .map_err(|e| DevnetError::Format {
            what: "tool task",
            reason: e.to_string(),
        })?
        .map_err(DevnetError::io("run", program))?;
    if status.success() {
        Ok(())
    } else {
        Err(DevnetError::ToolFailed {
            tool,
            status: status.to_string(),
            log: log.to_path_buf(),
        })
    }
}
